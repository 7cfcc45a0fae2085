/**
 * Safety rule 8: a state-changing step runs only inside a live execution of its own state machine,
 * for the user it was handed. A direct invoke of a step Lambda (or a call with a forged execution id)
 * is refused before anything changes.
 *
 * The step receives `$$.Execution.Id` from the context object (Step Functions fills it; an input
 * cannot override it). The guard rebuilds the ARN an execution of that name has in the expected
 * state machine, so an id of another state machine is refused without a call, then confirms with
 * DescribeExecution (through the WorkflowPort: Step Functions when deployed, the in-process runner
 * locally) that it is RUNNING and that its input names the same user. When deployed, the role may
 * only describe executions of its own state machine, so the policy refuses anything else too.
 */
import { LifecycleError, ValidationError } from './errors';
import type { ExecutionSummary, WorkflowKind, WorkflowPort } from './workflows';

/** The step was not invoked by a live execution of its own state machine for this user. */
export class NotInLiveExecutionError extends LifecycleError {
  constructor(
    readonly kind: WorkflowKind,
    readonly executionId: string,
    why: string,
  ) {
    super(`refused: this step runs only inside a live ${kind} execution for the same user (${why}); nothing was changed`);
  }
}

export interface ExecutionGuard {
  /**
   * Resolves with the execution when `executionId` is a RUNNING execution of the `kind` state
   * machine whose input names `userName`; throws NotInLiveExecutionError otherwise.
   */
  assertLive(kind: WorkflowKind, executionId: unknown, userName: string): Promise<ExecutionSummary>;
}

/** Execution names never contain ":" (Step Functions refuses them), so the name is the last segment. */
export function executionNameOf(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf(':') + 1);
}

export class WorkflowExecutionGuard implements ExecutionGuard {
  /** `workflows` is a getter: locally the runner is built after the handlers it runs. */
  constructor(private readonly workflows: () => WorkflowPort) {}

  async assertLive(kind: WorkflowKind, executionId: unknown, userName: string): Promise<ExecutionSummary> {
    if (typeof executionId !== 'string' || executionId.length === 0 || executionId.length > 2048) {
      throw new ValidationError('executionId ($$.Execution.Id) is required: state-changing steps run only inside their workflow');
    }
    const workflows = this.workflows();
    const name = executionNameOf(executionId);
    if (name.length === 0 || workflows.executionArn(kind, name) !== executionId) {
      throw new NotInLiveExecutionError(kind, executionId, `not an execution of the ${kind} state machine`);
    }
    const summary = await workflows.describe(kind, name);
    if (!summary) throw new NotInLiveExecutionError(kind, executionId, 'no such execution');
    if (summary.status !== 'RUNNING') {
      throw new NotInLiveExecutionError(kind, executionId, `the execution is ${summary.status}`);
    }
    const input = summary.input as { userName?: unknown } | undefined;
    if (input?.userName !== userName) {
      throw new NotInLiveExecutionError(kind, executionId, `the execution is for another user`);
    }
    return summary;
  }
}
