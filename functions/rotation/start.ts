/**
 * Starting a rotation: one execution per exact key, named deterministically so that a duplicate
 * start is refused by Step Functions instead of running twice.
 *
 * Step Functions keeps an execution name taken for 90 days after the execution ends, so a key whose
 * rotation ended without rotating it (blocked, failed, rolled back) gets a numbered next attempt:
 * `rotate-<user>-<keyId>`, then `rotate-<user>-<keyId>-2`, ... Each attempt name is still
 * deterministic: two starters racing for the same attempt get one execution between them.
 *
 * A rotation still waiting for cutover when its execution has run the checks it may (Step Functions'
 * history and duration limits) ends `continued`; the next start for that key (scan or on-demand)
 * resumes it as a new attempt for the same old and new key, which Prepare reads from that output.
 *
 * The input carries who and why only: every duration comes from the deployed config in the Lambdas.
 */
import { assertRequestAccount } from '../shared/account-scope';
import type { LifecycleConfig } from '../shared/config';
import { WorkflowConflictError } from '../shared/errors';
import { rotationExecutionName } from '../shared/execution-names';
import {
  findAttempts,
  findRunning,
  type Attempt,
  type ExecutionSummary,
  type StartResult,
  type WorkflowPort,
} from '../shared/workflows';
import type { RotationState } from './handlers';

/** Why a rotation started: the daily scan, a person (CLI, API), or an exposed key (no rollback). */
export type RotationTrigger = 'scheduled' | 'on-demand' | 'exposure';

export function isRotationTrigger(value: unknown): value is RotationTrigger {
  return value === 'scheduled' || value === 'on-demand' || value === 'exposure';
}

/**
 * `rotate` (the default, absent from the input): replace the key. `retire`: an unused key is only
 * deactivated, observed for the grace period and deleted, with no replacement (./retire).
 */
export type RotationMode = 'rotate' | 'retire';

export interface RotationStartRequest {
  readonly userName: string;
  readonly accessKeyId: string;
  /** Absent: rotate. */
  readonly mode?: RotationMode;
  /** Who asked: `scan`, `cli:<arn>`, `api:<principal>`, ... */
  readonly requestedBy: string;
  readonly trigger: RotationTrigger;
  /**
   * Organization mode: the account the user lives in (12 digits). The execution name carries it
   * (`rotate-<accountId>-<user>-<keyId>`) and every step acts in that account. Absent: the
   * Lambda's own account (single-account mode, unchanged).
   */
  readonly accountId?: string;
}

/** Exactly what a rotation execution's input holds. */
export type RotationExecutionInput = RotationStartRequest;

/** Attempts per key before a person must look (each ended attempt had its notification). */
export const MAX_ROTATION_ATTEMPTS = 10;

export function rotationInput(request: RotationStartRequest): RotationExecutionInput {
  const { userName, accessKeyId, requestedBy, trigger, accountId, mode } = request;
  // A rotation's input stays exactly what it was before retirements and organization mode existed.
  return {
    userName,
    accessKeyId,
    requestedBy,
    trigger,
    ...(accountId !== undefined ? { accountId } : {}),
    ...(mode === 'retire' ? { mode } : {}),
  };
}

/** The output of an execution that ended `continued` (the Continued state of key-rotation.asl.json). */
export interface ContinuedOutput {
  readonly status: 'continued';
  readonly userName: string;
  readonly userId: string;
  readonly oldAccessKeyId: string;
  readonly newAccessKeyId: string;
  readonly startedAt: string;
  readonly deadlineAt: string;
  readonly trigger: RotationTrigger;
  readonly state?: Partial<RotationState>;
}

/** The output of an execution that SUCCEEDED as `continued`, else undefined. */
export function continuedOutputOf(summary: ExecutionSummary | undefined): ContinuedOutput | undefined {
  if (summary?.status !== 'SUCCEEDED') return undefined;
  const output = summary.output as Partial<ContinuedOutput> | undefined;
  if (output?.status !== 'continued') return undefined;
  const strings = ['userName', 'userId', 'oldAccessKeyId', 'newAccessKeyId', 'startedAt', 'deadlineAt'] as const;
  if (!strings.every((field) => typeof output[field] === 'string')) return undefined;
  if (!isRotationTrigger(output.trigger) || Number.isNaN(new Date(output.startedAt!).getTime())) return undefined;
  return output as ContinuedOutput;
}

export interface RotationLookup {
  /** The newest attempt for this key, if any. */
  readonly latest?: ExecutionSummary;
  /** The name the next attempt would use; undefined when every attempt name is used. */
  readonly nextName?: string;
  /** Every attempt Step Functions still knows, oldest first. */
  readonly attempts: readonly Attempt[];
}

export async function findRotation(
  workflows: WorkflowPort,
  userName: string,
  accessKeyId: string,
  accountId?: string,
): Promise<RotationLookup> {
  const { found, nextName } = await findAttempts(
    workflows,
    'rotation',
    (attempt) => rotationExecutionName(userName, accessKeyId, attempt, accountId),
    MAX_ROTATION_ATTEMPTS,
  );
  const latest = found.at(-1)?.summary;
  return { ...(latest ? { latest } : {}), ...(nextName ? { nextName } : {}), attempts: found };
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
  assertRequestAccount(config, request.accountId);
  lookup ??= await findRotation(workflows, request.userName, request.accessKeyId, request.accountId);
  const next = nextAttempt(lookup, `key ${request.accessKeyId} of ${request.userName}`);
  if ('running' in next) return next.running;
  // Resuming an exposure rotation keeps its trigger (its rollback stays refused).
  const trigger = continuedOutputOf(lookup.latest)?.trigger === 'exposure' ? 'exposure' : request.trigger;
  const result = await workflows.start('rotation', next.name, rotationInput({ ...request, trigger }));
  return { ...result, executionName: next.name };
}

/**
 * The running attempt of a key as a start result, or the name its next attempt takes; a
 * WorkflowConflictError once every attempt name is used. Shared by rotations and retirements.
 * @param what names the key in the conflict message (`key <id> of <user>`)
 */
export function nextAttempt(
  lookup: RotationLookup,
  what: string,
): { readonly running: StartResult & { executionName: string } } | { readonly name: string } {
  if (lookup.latest?.status === 'RUNNING') {
    const { latest } = lookup;
    return { running: { executionArn: latest.executionArn, started: false, existing: latest, executionName: latest.name } };
  }
  if (!lookup.nextName) {
    throw new WorkflowConflictError(
      `${what} was already attempted ${MAX_ROTATION_ATTEMPTS} times; see those executions`,
      lookup.latest?.name ?? '',
    );
  }
  return { name: lookup.nextName };
}

/**
 * On-demand starts (API, CLI) must not overlap another rotation of the same user: during a grace
 * period the user's single active key is the new one, and rotating it would remove the inactive key
 * the running rotation keeps for rollback. The scan only picks stale keys, so it cannot overlap.
 */
export async function assertNoOtherRotation(
  workflows: WorkflowPort,
  userName: string,
  accessKeyId: string,
  accountId?: string,
): Promise<void> {
  const running = await findRunning(workflows, 'rotation', userName, accountId);
  const other = running.find((e) => (e.input as { accessKeyId?: string } | undefined)?.accessKeyId !== accessKeyId);
  if (other) {
    const otherKey = (other.input as { accessKeyId?: string }).accessKeyId ?? 'unknown';
    throw new WorkflowConflictError(
      `rotation ${other.name} of ${userName} (key ${otherKey}) is still running; start another one when it has ended`,
      other.name,
    );
  }
}
