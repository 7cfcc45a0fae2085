/** `iam-lifecycle rotate <userName>`: rotate the user's one active key now, on demand. */
import { ValidationError } from '../shared/errors';
import { assertExactSpelling } from '../shared/scope';
import type { IamGateway } from '../shared/iam-gateway';
import type { ExecutionSummary, WorkflowKind, WorkflowPort } from '../shared/workflows';
import type { LifecycleConfig } from '../shared/config';
import { assertNoOtherRotation, startRotation } from '../rotation/start';

/**
 * Fixes the exact key to retire up front (safety rule 1): the user's single active key, or the one
 * named with `--key`. Two active keys are refused here already: rotation needs a free slot.
 */
export async function chooseKeyToRotate(iam: IamGateway, userName: string, requestedKeyId?: string): Promise<string> {
  const keys = await iam.listAccessKeys(userName);
  if (requestedKeyId) {
    const key = keys.find((k) => k.accessKeyId === requestedKeyId);
    if (!key) throw new ValidationError(`access key ${requestedKeyId} does not belong to ${userName}`);
    if (key.status !== 'Active')
      throw new ValidationError(`access key ${requestedKeyId} is ${key.status}; only active keys are rotated`);
    return requestedKeyId;
  }
  const active = keys.filter((k) => k.status === 'Active');
  if (active.length === 0) throw new ValidationError(`user ${userName} has no active access key to rotate`);
  if (active.length > 1) {
    throw new ValidationError(
      `user ${userName} has two active access keys (${active.map((k) => k.accessKeyId).join(', ')}); ` +
        'rotation needs a free slot: deactivate the one no longer used first',
    );
  }
  return active[0]!.accessKeyId;
}

export interface RotateOutcome {
  readonly executionName: string;
  readonly started: boolean;
  readonly accessKeyId: string;
  readonly final?: ExecutionSummary;
}

export async function rotateUser(
  deps: { iam: IamGateway; workflows: WorkflowPort; config: LifecycleConfig },
  request: { userName: string; accessKeyId?: string; requestedBy: string },
  waitFor?: (executionName: string) => Promise<ExecutionSummary>,
): Promise<RotateOutcome> {
  const user = await deps.iam.getUser(request.userName);
  assertExactSpelling(request.userName, user.userName);
  const accessKeyId = await chooseKeyToRotate(deps.iam, request.userName, request.accessKeyId);
  await assertNoOtherRotation(deps.workflows, request.userName, accessKeyId);
  const result = await startRotation(deps.workflows, deps.config, {
    userName: request.userName,
    accessKeyId,
    requestedBy: request.requestedBy,
  });
  const final = waitFor ? await waitFor(result.executionName) : undefined;
  return { executionName: result.executionName, started: result.started, accessKeyId, ...(final ? { final } : {}) };
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
