/**
 * Pure rules of key rotation: which key to retire, how to make room, when cutover is confirmed.
 * No AWS calls and no clock here: callers pass in what they read and the current time.
 */
import type { RotationTiming } from '../shared/config';
import { keyCreatedAt, type AccessKeyRecord } from '../shared/iam/records';

export type PreparePlan =
  | { readonly kind: 'ready'; readonly removeInactiveKeyId?: string; readonly removeOrphanKeyId?: string }
  | { readonly kind: 'blocked'; readonly reason: string; readonly code: BlockCode };

export type BlockCode =
  | 'unknown-user'
  | 'protected-user'
  | 'out-of-scope'
  | 'key-not-found'
  | 'key-not-active'
  | 'two-active-keys'
  | 'no-room'
  | 'invalid-request'
  | 'being-offboarded'
  | 'foreign-secret'
  /** Retire mode: the key was used (or created) within unusedKeyDays. */
  | 'key-in-use';

/**
 * Decides whether the exact key `accessKeyId` can be rotated given all keys of the user.
 * A user may hold two keys; rotation needs one free slot. A second active key is removed only when
 * `orphanEvidence` proves it a key an earlier attempt created and lost (isOrphanOfEarlierAttempt).
 */
export function planPreparation(
  keys: readonly AccessKeyRecord[],
  accessKeyId: string,
  removeInactiveKeyToMakeRoom: boolean,
  orphanEvidence?: OrphanEvidence,
): PreparePlan {
  const old = keys.find((k) => k.accessKeyId === accessKeyId);
  if (!old) return { kind: 'blocked', code: 'key-not-found', reason: `access key ${accessKeyId} does not belong to the user` };
  if (old.status !== 'Active') {
    return {
      kind: 'blocked',
      code: 'key-not-active',
      reason: `access key ${accessKeyId} is ${old.status}; only active keys are rotated`,
    };
  }
  const others = keys.filter((k) => k.accessKeyId !== accessKeyId);
  if (others.length === 0) return { kind: 'ready' };
  const activeOthers = others.filter((k) => k.status === 'Active');
  if (activeOthers.length > 0) {
    const orphan =
      activeOthers.length === 1 && orphanEvidence ? isOrphanOfEarlierAttempt(activeOthers[0]!, orphanEvidence) : false;
    if (orphan) return { kind: 'ready', removeOrphanKeyId: activeOthers[0]!.accessKeyId };
    return {
      kind: 'blocked',
      code: 'two-active-keys',
      reason: `the user has two active access keys (${[accessKeyId, ...activeOthers.map((k) => k.accessKeyId)].join(', ')}); a person must decide which one to retire`,
    };
  }
  const inactive = others[0] as AccessKeyRecord;
  if (!removeInactiveKeyToMakeRoom) {
    return {
      kind: 'blocked',
      code: 'no-room',
      reason: `the user already has two keys; inactive key ${inactive.accessKeyId} must be removed first (removeInactiveKeyToMakeRoom is off)`,
    };
  }
  return { kind: 'ready', removeInactiveKeyId: inactive.accessKeyId };
}

/**
 * IAM reports CreateDate in whole seconds, and the execution's start time comes from another
 * service's clock: a key counts as created inside a time window from this much before its start.
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 2000;

/** When an execution of the rotation ran (from Step Functions, never from the input). */
export interface AttemptWindow {
  readonly executionName: string;
  readonly startedAt: Date;
  /** Undefined while the execution runs. */
  readonly stoppedAt?: Date;
}

/** What tells a key left behind by an earlier attempt of this rotation from anybody else's key. */
export interface OrphanEvidence {
  /** Earlier, ended attempts of the rotation of the same exact key. */
  readonly earlierAttempts: readonly AttemptWindow[];
  /** The key id in the secret's AWSCURRENT (undefined: no secret). */
  readonly storedAccessKeyId: string | undefined;
  /** Key ids any version of the secret names (AWSPREVIOUS too): a key once stored is somebody's. */
  readonly keyIdsInSecret?: readonly string[];
  /** GetAccessKeyLastUsed of the candidate keys (absent or undefined: never used). */
  readonly lastUsedAt: Readonly<Record<string, Date | undefined>>;
}

function createdWithin(key: AccessKeyRecord, from: Date, to?: Date): boolean {
  const created = keyCreatedAt(key).getTime();
  if (created < from.getTime() - CLOCK_SKEW_ALLOWANCE_MS) return false;
  return to === undefined || created <= to.getTime() + CLOCK_SKEW_ALLOWANCE_MS;
}

/**
 * A key an earlier attempt created and then lost (its CreateAccessKey answer never arrived, or the
 * attempt died before storing it): created inside that attempt's window, never used, never stored
 * in any version of the secret.
 * Nobody can hold its secret, so removing it cannot cut off a workload.
 */
export function isOrphanOfEarlierAttempt(key: AccessKeyRecord, evidence: OrphanEvidence): boolean {
  if (key.accessKeyId === evidence.storedAccessKeyId) return false;
  if (evidence.keyIdsInSecret?.includes(key.accessKeyId)) return false;
  if (evidence.lastUsedAt[key.accessKeyId] !== undefined) return false;
  return evidence.earlierAttempts.some((w) => w.stoppedAt !== undefined && createdWithin(key, w.startedAt, w.stoppedAt));
}

export type CreatePlan =
  | { readonly kind: 'create' }
  | { readonly kind: 'already-stored'; readonly accessKeyId: string }
  | { readonly kind: 'delete-unstored-then-create'; readonly accessKeyId: string }
  /** `foreignKeyId`: a key somebody else created; it is reported and never deleted. */
  | { readonly kind: 'refuse'; readonly reason: string; readonly foreignKeyId?: string };

/**
 * Makes "create the new key and store it" safe to retry after a crash or a lost answer at any point:
 * - a key already stored by this rotation is reused (never a third key);
 * - a key created since this rotation began, never used and never stored, can only be this
 *   rotation's own (a CreateAccessKey whose answer was lost, or an attempt that died before the
 *   store): it is deleted and created again;
 * - any other key (created before the rotation, or already used by somebody) is never touched.
 *
 * @param lastUsedAt GetAccessKeyLastUsed of the keys that may be deleted (see `keysToCheckForUse`).
 */
export function planCreation(
  keys: readonly AccessKeyRecord[],
  oldAccessKeyId: string,
  storedAccessKeyId: string | undefined,
  rotationStartedAt: Date,
  lastUsedAt: Readonly<Record<string, Date | undefined>> = {},
): CreatePlan {
  if (!keys.some((k) => k.accessKeyId === oldAccessKeyId)) {
    return { kind: 'refuse', reason: `the key being retired (${oldAccessKeyId}) no longer exists` };
  }
  const others = keys.filter((k) => k.accessKeyId !== oldAccessKeyId);
  const other = others[0];
  if (!other) return { kind: 'create' };
  if (other.accessKeyId === storedAccessKeyId) return { kind: 'already-stored', accessKeyId: other.accessKeyId };
  if (!createdWithin(other, rotationStartedAt)) {
    return {
      kind: 'refuse',
      foreignKeyId: other.accessKeyId,
      reason: `key ${other.accessKeyId} was created before this rotation began and is not stored: the rotation did not create it and leaves it alone; a person must decide`,
    };
  }
  const used = lastUsedAt[other.accessKeyId];
  if (used !== undefined) {
    return {
      kind: 'refuse',
      foreignKeyId: other.accessKeyId,
      reason: `key ${other.accessKeyId} was created while this rotation ran but has been used (${used.toISOString()}): somebody else created it, so the rotation leaves it alone; a person must decide`,
    };
  }
  return { kind: 'delete-unstored-then-create', accessKeyId: other.accessKeyId };
}

/** The keys whose use planCreation must know before it may call one of them this rotation's own. */
export function keysToCheckForUse(
  keys: readonly AccessKeyRecord[],
  oldAccessKeyId: string,
  storedAccessKeyId: string | undefined,
  rotationStartedAt: Date,
): string[] {
  return keys
    .filter((k) => k.accessKeyId !== oldAccessKeyId && k.accessKeyId !== storedAccessKeyId && createdWithin(k, rotationStartedAt))
    .map((k) => k.accessKeyId);
}

/** `continue-later`: still waiting, and this execution has run the checks it may (functions/shared/execution-limits). */
export type CutoverDecision = 'confirmed' | 'waiting' | 'overdue-notify' | 'overdue-deactivate' | 'abandoned' | 'continue-later';

export interface CutoverObservation {
  readonly now: Date;
  readonly rotationStartedAt: Date;
  readonly timing: RotationTiming;
  /** The old key had signed requests before the rotation started. */
  readonly oldKeyUsedBefore: boolean;
  readonly oldKeyLastUsedAt?: Date;
  readonly newKeyLastUsedAt?: Date;
  /** When the old key was created: IAM's last-used data lags by hours, so young keys prove little. */
  readonly oldKeyCreatedAt?: Date;
  /** When the last cutover-overdue notification went out (escalation repeats every deadline period). */
  readonly lastOverdueNoticeAt?: Date;
}

export interface CutoverVerdict {
  readonly decision: CutoverDecision;
  readonly reason: string;
}

/**
 * Cutover is confirmed when the old key shows no use for the quiet period and, if the old key was
 * in use before the rotation, the new key shows use. A key never used at all confirms at once.
 */
export function decideCutover(o: CutoverObservation): CutoverVerdict {
  const quietMs = o.timing.quietPeriodSeconds * 1000;
  const oldQuietFor = o.oldKeyLastUsedAt ? o.now.getTime() - o.oldKeyLastUsedAt.getTime() : Number.POSITIVE_INFINITY;
  const oldIsQuiet = oldQuietFor >= quietMs;
  const newIsUsed = o.newKeyLastUsedAt !== undefined;

  // A workload that has ever used the old key must be seen on the new one before cutover counts.
  const oldKeyEverUsed = o.oldKeyUsedBefore || o.oldKeyLastUsedAt !== undefined;
  if (!oldKeyEverUsed) {
    const age = o.oldKeyCreatedAt ? o.now.getTime() - o.oldKeyCreatedAt.getTime() : Number.POSITIVE_INFINITY;
    if (age >= quietMs) return { decision: 'confirmed', reason: 'the old key was never used' };
    return {
      decision: 'waiting',
      reason: 'the old key shows no use, but it is younger than the quiet period and last-used data can lag',
    };
  }
  if (oldIsQuiet && newIsUsed) {
    return {
      decision: 'confirmed',
      reason: `the old key has been quiet for ${Math.floor(oldQuietFor / 1000)} s and the new key is in use`,
    };
  }

  const waitingFor = !oldIsQuiet ? 'the old key is still in use' : 'the new key has not been used yet';
  const deadlineAt = o.rotationStartedAt.getTime() + o.timing.deadlineSeconds * 1000;
  if (o.now.getTime() < deadlineAt) return { decision: 'waiting', reason: waitingFor };

  if (o.timing.deadlineAction === 'deactivate') {
    return { decision: 'overdue-deactivate', reason: `cutover deadline passed (${waitingFor}); policy is to deactivate` };
  }
  const noticeDue =
    o.lastOverdueNoticeAt === undefined || o.now.getTime() - o.lastOverdueNoticeAt.getTime() >= o.timing.deadlineSeconds * 1000;
  return noticeDue
    ? { decision: 'overdue-notify', reason: `cutover deadline passed (${waitingFor}); still waiting, escalating` }
    : { decision: 'waiting', reason: `${waitingFor} (overdue, already escalated)` };
}

export type FinishPlan = { readonly kind: 'delete' } | { readonly kind: 'already-deleted' } | { readonly kind: 'rolled-back' };

/** After the grace period: a reactivated old key means someone rolled back; keep it. */
export function planFinish(keys: readonly AccessKeyRecord[], oldAccessKeyId: string): FinishPlan {
  const old = keys.find((k) => k.accessKeyId === oldAccessKeyId);
  if (!old) return { kind: 'already-deleted' };
  return old.status === 'Active' ? { kind: 'rolled-back' } : { kind: 'delete' };
}
