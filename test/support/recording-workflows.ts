/**
 * A WorkflowPort that records the executions started and runs none: for tests of what a starter
 * (the organization scan) starts, where running the rotation itself is another test's business.
 * Like Step Functions, a second start of an existing name starts nothing.
 */
import type { ExecutionSummary, StartResult, WorkflowKind, WorkflowPort } from '../../functions/shared/workflows';

export class RecordingWorkflows implements WorkflowPort {
  readonly started: ExecutionSummary[] = [];

  executionArn(kind: WorkflowKind, name: string): string {
    return `arn:aws:states:us-east-1:123456789012:execution:recorded-${kind}:${name}`;
  }

  async start(kind: WorkflowKind, name: string, input: unknown): Promise<StartResult> {
    const existing = this.started.find((e) => e.kind === kind && e.name === name);
    if (existing) return { executionArn: existing.executionArn, started: false, existing };
    const summary: ExecutionSummary = {
      kind,
      name,
      executionArn: this.executionArn(kind, name),
      status: 'RUNNING',
      startDate: new Date(),
      input,
    };
    this.started.push(summary);
    return { executionArn: summary.executionArn, started: true };
  }

  async describe(kind: WorkflowKind, name: string): Promise<ExecutionSummary | undefined> {
    return this.started.find((e) => e.kind === kind && e.name === name);
  }

  async list(kind: WorkflowKind, options: { runningOnly?: boolean; max?: number } = {}): Promise<ExecutionSummary[]> {
    return this.started
      .filter((e) => e.kind === kind && (!options.runningOnly || e.status === 'RUNNING'))
      .slice(0, options.max ?? 1000);
  }

  async stop(): Promise<boolean> {
    return false;
  }

  async stateOutput(): Promise<unknown> {
    return undefined;
  }
}
