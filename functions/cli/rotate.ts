/** Deployed `--wait` without progress (the API verbs' default): poll an execution until it ends. */
import type { ExecutionSummary, WorkflowKind, WorkflowPort } from '../shared/workflows';

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
