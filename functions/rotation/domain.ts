/**
 * Pure rules of key rotation: which key to retire, how to make room, when cutover is confirmed.
 * No AWS calls and no clock here: callers pass in what they read and the current time.
 */
import type { RotationTiming } from '../shared/config';
import type { AccessKeyInfo } from '../shared/iam-gateway';

export type PreparePlan =
  | { readonly kind: 'ready'; readonly removeInactiveKeyId?: string }
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
  | 'being-offboarded';

/**
 * Decides whether the exact key `accessKeyId` can be rotated given all keys of the user.
 * A user may hold two keys; rotation needs one free slot.
 */
export function planPreparation(
  keys: readonly AccessKeyInfo[],
  accessKeyId: string,
  removeInactiveKeyToMakeRoom: boolean,
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
    return {
      kind: 'blocked',
      code: 'two-active-keys',
      reason: `the user has two active access keys (${[accessKeyId, ...activeOthers.map((k) => k.accessKeyId)].join(', ')}); a person must decide which one to retire`,
    };
  }
  const inactive = others[0] as AccessKeyInfo;
  if (!removeInactiveKeyToMakeRoom) {
    return {
      kind: 'blocked',
      code: 'no-room',
      reason: `the user already has two keys; inactive key ${inactive.accessKeyId} must be removed first (removeInactiveKeyToMakeRoom is off)`,
    };
  }
  return { kind: 'ready', removeInactiveKeyId: inactive.accessKeyId };
}

export type CreatePlan =
  | { readonly kind: 'create' }
  | { readonly kind: 'already-stored'; readonly accessKeyId: string }
  | { readonly kind: 'delete-unstored-then-create'; readonly accessKeyId: string }
  | { readonly kind: 'refuse'; readonly reason: string };

/**
 * Makes "create the new key and store it" safe to retry after a crash at any point:
 * - a key already stored by this rotation is reused (never a third key);
 * - a key created by an earlier attempt but never stored is deleted and created again;
 * - a key this rotation did not create (older than the rotation) is never touched.
 */
export function planCreation(
  keys: readonly AccessKeyInfo[],
  oldAccessKeyId: string,
  storedAccessKeyId: string | undefined,
  rotationStartedAt: Date,
): CreatePlan {
  if (!keys.some((k) => k.accessKeyId === oldAccessKeyId)) {
    return { kind: 'refuse', reason: `the key being retired (${oldAccessKeyId}) no longer exists` };
  }
  const others = keys.filter((k) => k.accessKeyId !== oldAccessKeyId);
  const other = others[0];
  if (!other) return { kind: 'create' };
  if (other.accessKeyId === storedAccessKeyId) return { kind: 'already-stored', accessKeyId: other.accessKeyId };
  // IAM reports CreateDate in whole seconds; allow for that when comparing with the start time.
  if (other.createdAt.getTime() >= rotationStartedAt.getTime() - 1000) {
    return { kind: 'delete-unstored-then-create', accessKeyId: other.accessKeyId };
  }
  return {
    kind: 'refuse',
    reason: `key ${other.accessKeyId} appeared that this rotation did not create and is not stored; refusing to guess`,
  };
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
export function planFinish(keys: readonly AccessKeyInfo[], oldAccessKeyId: string): FinishPlan {
  const old = keys.find((k) => k.accessKeyId === oldAccessKeyId);
  if (!old) return { kind: 'already-deleted' };
  return old.status === 'Active' ? { kind: 'rolled-back' } : { kind: 'delete' };
}
