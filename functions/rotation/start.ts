/**
 * Starting a rotation: one execution per exact key, named deterministically so that a duplicate
 * start is refused by Step Functions instead of running twice.
 *
 * Step Functions keeps an execution name taken for 90 days after the execution ends, so a key whose
 * rotation ended without rotating it (blocked, failed, rolled back) gets a numbered next attempt:
 * `rotate-<user>-<keyId>`, then `rotate-<user>-<keyId>-2`, ... Each attempt name is still
 * deterministic: two starters racing for the same attempt get one execution between them.
 */
import { rotationTiming, type LifecycleConfig } from '../shared/config';
import { WorkflowConflictError } from '../shared/errors';
import { rotationExecutionName } from '../shared/execution-names';
import { findAttempts, findRunning, type ExecutionSummary, type StartResult, type WorkflowPort } from '../shared/workflows';

export interface RotationStartRequest {
  readonly userName: string;
  readonly accessKeyId: string;
  /** Who asked: `scan`, `cli:<user>`, `api:<principal>`, ... */
  readonly requestedBy: string;
}

export interface RotationExecutionInput extends RotationStartRequest {
  readonly timing: ReturnType<typeof rotationTiming>;
}

/** Attempts per key before a person must look (each ended attempt had its notification). */
export const MAX_ROTATION_ATTEMPTS = 10;

export function rotationInput(config: LifecycleConfig, request: RotationStartRequest): RotationExecutionInput {
  return { ...request, timing: rotationTiming(config) };
}

export interface RotationLookup {
  /** The newest attempt for this key, if any. */
  readonly latest?: ExecutionSummary;
  /** The name the next attempt would use; undefined when every attempt name is used. */
  readonly nextName?: string;
}

export async function findRotation(workflows: WorkflowPort, userName: string, accessKeyId: string): Promise<RotationLookup> {
  const { found, nextName } = await findAttempts(
    workflows,
    'rotation',
    (attempt) => rotationExecutionName(userName, accessKeyId, attempt),
    MAX_ROTATION_ATTEMPTS,
  );
  const latest = found.at(-1)?.summary;
  return { ...(latest ? { latest } : {}), ...(nextName ? { nextName } : {}) };
}

/**
 * @param lookup what findRotation returned for this key, when the caller just looked (the scan does,
 *        to tell "already running" from "blocked"), so the attempts are not described twice.
 */
export async function startRotation(
  workflows: WorkflowPort,
  config: LifecycleConfig,
  request: RotationStartRequest,
  lookup?: RotationLookup,
): Promise<StartResult & { executionName: string }> {
  lookup ??= await findRotation(workflows, request.userName, request.accessKeyId);
  if (lookup.latest?.status === 'RUNNING') {
    return {
      executionArn: lookup.latest.executionArn,
      started: false,
      existing: lookup.latest,
      executionName: lookup.latest.name,
    };
  }
  if (!lookup.nextName) {
    throw new WorkflowConflictError(
      `key ${request.accessKeyId} of ${request.userName} was already attempted ${MAX_ROTATION_ATTEMPTS} times; see those executions`,
      lookup.latest?.name ?? '',
    );
  }
  const result = await workflows.start('rotation', lookup.nextName, rotationInput(config, request));
  return { ...result, executionName: lookup.nextName };
}

/**
 * On-demand starts (API, CLI) must not overlap another rotation of the same user: during a grace
 * period the user's single active key is the new one, and rotating it would remove the inactive key
 * the running rotation keeps for rollback. The scan only picks stale keys, so it cannot overlap.
 */
export async function assertNoOtherRotation(workflows: WorkflowPort, userName: string, accessKeyId: string): Promise<void> {
  const running = await findRunning(workflows, 'rotation', userName);
  const other = running.find((e) => (e.input as { accessKeyId?: string } | undefined)?.accessKeyId !== accessKeyId);
  if (other) {
    const otherKey = (other.input as { accessKeyId?: string }).accessKeyId ?? 'unknown';
    throw new WorkflowConflictError(
      `rotation ${other.name} of ${userName} (key ${otherKey}) is still running; start another one when it has ended`,
      other.name,
    );
  }
}
