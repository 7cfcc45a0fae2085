/**
 * What every offboarding step runs first, on the narrowest dependencies (a step that calls no IAM,
 * like CheckActivity, builds only this): the execution guard (safety rule 8), the timing from the
 * deployed config, and what earlier states of this execution returned, read from its own history.
 */
import { checkObservationDays, offboardingTiming, type LifecycleConfig } from '../shared/config';
import { NotInLiveExecutionError, WorkflowExecutionGuard, type ExecutionGuard } from '../shared/execution-guard';
import type { Logger } from '@aws-lambda-powertools/logger';
import { runStep } from '../shared/steps';
import type { WorkflowPort } from '../shared/workflows';
import type { OffboardingTimingInput } from './domain';
import type { OffboardingState, OffboardRequest } from './steps/context';

export interface ExecutionContextDeps {
  readonly config: LifecycleConfig;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly workflows: () => WorkflowPort;
  readonly guard?: ExecutionGuard;
}

export type StepRunner = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/** Runs a step with its failure logged and classified (shared/steps). */
export function stepRunner(logger: ExecutionContextDeps['logger']): StepRunner {
  return (name, fn) => runStep(logger, `offboarding step ${name}`, fn);
}

export function makeExecutionContext(deps: ExecutionContextDeps) {
  const guard = deps.guard ?? new WorkflowExecutionGuard(deps.workflows);
  const step = stepRunner(deps.logger);

  /**
   * Safety rule 8: the step runs inside a live execution of the offboarding state machine for this
   * user, and the state it was handed belongs to that execution. Answers the execution, whose
   * input (recorded by Step Functions) is the trusted request.
   */
  async function live(executionId: unknown, state: Pick<OffboardingState, 'userName' | 'userId' | 'executionName'>) {
    const summary = await guard.assertLive('offboarding', executionId, state.userName);
    if (summary.name !== state.executionName) {
      throw new NotInLiveExecutionError('offboarding', String(executionId), 'the state names another execution');
    }
    const input = (summary.input ?? {}) as Partial<OffboardRequest>;
    if (input.action !== 'offboard') {
      throw new NotInLiveExecutionError('offboarding', String(executionId), 'the execution is not an offboarding');
    }
    if (input.userId !== undefined && input.userId !== state.userId) {
      throw new NotInLiveExecutionError('offboarding', String(executionId), 'the execution is for another user id');
    }
    return { summary, input };
  }

  /** Observation timing from the deployed config and the execution's own (checked) observationDays. */
  function timingOf(input: Partial<OffboardRequest>): OffboardingTimingInput {
    return offboardingTiming(deps.config, checkObservationDays(deps.config, input.observationDays));
  }

  /** What a state of this execution returned (its latest exit), from its history (not from the step's input). */
  async function recorded<T>(executionName: string, stateName: string, field: string): Promise<T | undefined> {
    const output = (await deps.workflows().stateOutput('offboarding', executionName, stateName)) as
      Record<string, unknown> | undefined;
    const value = output?.[field];
    return value === undefined || value === null ? undefined : (value as T);
  }

  return { guard, step, live, timingOf, recorded };
}
