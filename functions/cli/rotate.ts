/** `iam-lifecycle rotate <userName>`: rotate the user's one active key now, on demand. */
import type { ExecutionSummary, WorkflowKind, WorkflowPort } from '../shared/workflows';
import { startOnDemandRotation, type OnDemandDeps } from '../rotation/on-demand';

export interface RotateOutcome {
  readonly executionName: string;
  readonly started: boolean;
  readonly accessKeyId: string;
  readonly final?: ExecutionSummary;
}

export async function rotateUser(
  deps: OnDemandDeps,
  request: { userName: string; accessKeyId?: string; requestedBy: string },
  waitFor?: (executionName: string) => Promise<ExecutionSummary>,
): Promise<RotateOutcome> {
  const result = await startOnDemandRotation(deps, request);
  const final = waitFor ? await waitFor(result.executionName) : undefined;
  return {
    executionName: result.executionName,
    started: result.started,
    accessKeyId: result.accessKeyId,
    ...(final ? { final } : {}),
  };
}

/** Polls a deployed execution until it ends. */
export async function pollUntilDone(
  workflows: WorkflowPort,
  executionName: string,
  intervalMs = 10_000,
  onTick?: (summary: ExecutionSummary) => void,
  kind: WorkflowKind = 'rotation',
): Promise<ExecutionSummary> {
  for (;;) {
    const summary = await workflows.describe(kind, executionName);
    if (!summary) throw new Error(`execution ${executionName} not found`);
    onTick?.(summary);
    if (summary.status !== 'RUNNING') return summary;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
