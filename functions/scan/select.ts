/**
 * Pure rules of the daily scan: which users deserve a closer look (from the credential report alone),
 * and, once IAM has told us a candidate's tags and exact keys, which one key to rotate.
 *
 * Cost model, stated honestly: the report stage costs nothing per user. Each candidate then costs
 * one ListUserTags call (the report has no tags, and both the protected tag and the managed-tag
 * selector must be checked) and, if its tags allow it, one ListAccessKeys call (the report has no key
 * ids). Users without a stale active key, protected by name, or outside the path prefix cost nothing.
 */
import { maxKeyAgeMs, rotationTiming, type LifecycleConfig } from '../shared/config';
import { keyCreatedAt, type AccessKeyRecord } from '../shared/iam/records';
import { decideScope, offboardingPhaseOf } from '../shared/scope';
import { planPreparation, type AttemptWindow, type BlockCode } from '../rotation/domain';
import type { ExecutionStatus } from '../shared/workflows';
import type { ReportUser } from './credential-report';

const DAY_MS = 86_400_000;

export type SkipCode =
  | 'protected'
  | 'out-of-scope'
  | 'key-date-unknown'
  | 'key-changed-since-report'
  | 'user-not-found'
  | 'being-offboarded'
  | 'deferred'
  | 'previous-rotation-in-grace';

/** A user with a stale key that the scan deliberately leaves alone, and why. */
export interface SkippedUser {
  readonly userName: string;
  readonly code: SkipCode;
  readonly reason: string;
  readonly accessKeyId?: string;
  readonly executionName?: string;
}

/** An active key the report says is older than the maximum age. */
export interface StaleSlot {
  readonly slot: 1 | 2;
  readonly createdAt: Date;
  readonly ageMs: number;
}

export interface ScanCandidate {
  readonly userName: string;
  readonly arn: string;
  readonly path: string;
  /** Oldest first. */
  readonly staleSlots: readonly StaleSlot[];
}

export interface Selection {
  /** IAM users in the report (the root row excluded). */
  readonly scannedUsers: number;
  /** Users with no active key older than the maximum age: nothing to do, not listed. */
  readonly upToDate: number;
  readonly candidates: readonly ScanCandidate[];
  /** Users with a stale key that are not candidates (protected by name, outside the path prefix, ...). */
  readonly skipped: readonly SkippedUser[];
}

type ScopeConfig = Pick<LifecycleConfig, 'managedUsers' | 'protectedUsers'>;

/**
 * First stage, report only: finds the users whose active keys are older than `maxKeyAgeDays`
 * (scaled by `timeScale`) and whose name and path allow the automation to touch them.
 *
 * A key counts as stale when its age is strictly greater than the maximum. Name and path rules are
 * the shared `decideScope` rules applied without tags (tags are not in the report; the caller checks
 * them per candidate with `checkTags`), so the scan cannot drift from what Prepare enforces.
 */
export function selectCandidates(
  users: readonly ReportUser[],
  config: LifecycleConfig,
  now: Date,
  automationUserNames: readonly string[] = [],
): Selection {
  const maxAge = maxKeyAgeMs(config);
  // Without tags, a configured managed-tag selector would reject everybody; it is checked later.
  const reportScope: ScopeConfig = {
    managedUsers: { pathPrefix: config.managedUsers.pathPrefix },
    protectedUsers: config.protectedUsers,
  };
  const candidates: ScanCandidate[] = [];
  const skipped: SkippedUser[] = [];
  let upToDate = 0;

  for (const user of users) {
    const active = user.accessKeys.filter((k) => k.active);
    const staleSlots: StaleSlot[] = [];
    let undated = 0;
    for (const key of active) {
      if (!key.lastRotated) {
        undated++;
        continue;
      }
      const ageMs = now.getTime() - key.lastRotated.getTime();
      if (ageMs > maxAge) staleSlots.push({ slot: key.slot, createdAt: key.lastRotated, ageMs });
    }
    if (staleSlots.length === 0 && undated === 0) {
      upToDate++;
      continue;
    }

    const scope = decideScope({ userName: user.userName, path: user.path, tags: {} }, reportScope, automationUserNames);
    if (scope.kind !== 'managed') {
      skipped.push({ userName: user.userName, code: scope.kind, reason: scope.why });
      continue;
    }
    if (staleSlots.length === 0) {
      skipped.push({
        userName: user.userName,
        code: 'key-date-unknown',
        reason: 'the credential report lists an active access key without a creation date; check the user by hand',
      });
      continue;
    }
    staleSlots.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    candidates.push({ userName: user.userName, arn: user.arn, path: user.path, staleSlots });
  }
  return { scannedUsers: users.length, upToDate, candidates, skipped };
}

/**
 * Second stage, with the candidate's tags from ListUserTags: the full shared scope rule (protected
 * tag, managed-tag selector). Returns the skip entry, or undefined when the user is managed.
 */
export function checkTags(
  candidate: Pick<ScanCandidate, 'userName' | 'path'>,
  tags: Readonly<Record<string, string>>,
  config: ScopeConfig,
  automationUserNames: readonly string[] = [],
): SkippedUser | undefined {
  const scope = decideScope({ userName: candidate.userName, path: candidate.path, tags }, config, automationUserNames);
  if (scope.kind !== 'managed') return { userName: candidate.userName, code: scope.kind, reason: scope.why };
  const offboarding = offboardingPhaseOf(tags);
  if (offboarding !== undefined) {
    return { userName: candidate.userName, code: 'being-offboarded', reason: `being offboarded (${offboarding})` };
  }
  return undefined;
}

export interface PlannedRotation {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly keyCreatedAt: string;
  /** Age in (scaled) days, for people reading the plan. */
  readonly keyAgeDays: number;
  /** Prepare will delete this inactive key to make room (removeInactiveKeyToMakeRoom). */
  readonly removesInactiveKeyId?: string;
  /**
   * A second active key created while the previous attempt of this rotation ran: probably a key that
   * attempt created and lost. Prepare removes it only if it was never used and is not stored.
   */
  readonly mayRemoveLostKeyId?: string;
}

export interface BlockedRotation {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly code: BlockCode;
  readonly reason: string;
}

export type CandidatePlan =
  | { readonly kind: 'rotate'; readonly rotation: PlannedRotation }
  | { readonly kind: 'blocked'; readonly blocked: BlockedRotation }
  | { readonly kind: 'skip'; readonly skipped: SkippedUser };

/** IAM reports key creation in the credential report to the second, and exactly in ListAccessKeys. */
function sameSecond(a: Date, b: Date): boolean {
  return Math.floor(a.getTime() / 1000) === Math.floor(b.getTime() / 1000);
}

/**
 * Third stage, with the candidate's keys from ListAccessKeys: maps the report's stale slots to exact
 * AccessKeyIds and picks the one key to rotate.
 *
 * A slot maps to the key whose CreateDate equals `access_key_N_last_rotated` to the second; the
 * mapped key must still be Active and older than the maximum age (the report can be hours old, so
 * a key rotated, deactivated or deleted since is skipped, not acted on).
 *
 * Rotation needs a free key slot, so at most one rotation per user per scan: the oldest stale key.
 *
 * When that rotation cannot run (two active keys, or no room and removeInactiveKeyToMakeRoom off) the
 * scan reports it as blocked and starts nothing, using the same `planPreparation` rule as the
 * workflow's Prepare step. Starting it anyway would only have Prepare refuse it, and it would burn
 * the key's deterministic execution name (Step Functions keeps names for 90 days), so the rotation
 * could not be started by the scan once a person frees the slot. Refusing here keeps the name free,
 * and the scan repeats the `rotation.blocked` notification daily until someone acts.
 */
export function planCandidate(
  candidate: ScanCandidate,
  keys: readonly AccessKeyRecord[],
  config: LifecycleConfig,
  now: Date,
  earlierAttempts: readonly AttemptWindow[] = [],
): CandidatePlan {
  const maxAge = maxKeyAgeMs(config);
  const stale: AccessKeyRecord[] = [];
  for (const slot of candidate.staleSlots) {
    const matches = keys.filter((k) => sameSecond(keyCreatedAt(k), slot.createdAt));
    for (const key of matches) {
      const isStale = key.status === 'Active' && now.getTime() - keyCreatedAt(key).getTime() > maxAge;
      if (isStale && !stale.some((s) => s.accessKeyId === key.accessKeyId)) stale.push(key);
    }
  }
  const oldest = [...stale].sort((a, b) => keyCreatedAt(a).getTime() - keyCreatedAt(b).getTime())[0];
  if (!oldest) {
    const created = candidate.staleSlots.map((s) => s.createdAt.toISOString()).join(', ');
    return {
      kind: 'skip',
      skipped: {
        userName: candidate.userName,
        code: 'key-changed-since-report',
        reason: `no active key created at ${created} any more (rotated, deactivated or deleted since the credential report was generated)`,
      },
    };
  }
  // The scan cannot tell use or storage (Prepare checks both): a key created inside an earlier
  // attempt is enough to let Prepare look, instead of reporting two-active-keys forever.
  const preparation = planPreparation(
    keys,
    oldest.accessKeyId,
    config.removeInactiveKeyToMakeRoom,
    earlierAttempts.length > 0 ? { earlierAttempts, storedAccessKeyId: undefined, lastUsedAt: {} } : undefined,
  );
  if (preparation.kind === 'blocked') {
    return {
      kind: 'blocked',
      blocked: {
        userName: candidate.userName,
        accessKeyId: oldest.accessKeyId,
        code: preparation.code,
        reason: preparation.reason,
      },
    };
  }
  const ageMs = now.getTime() - keyCreatedAt(oldest).getTime();
  return {
    kind: 'rotate',
    rotation: {
      userName: candidate.userName,
      accessKeyId: oldest.accessKeyId,
      keyCreatedAt: keyCreatedAt(oldest).toISOString(),
      keyAgeDays: Math.floor(((ageMs * config.timeScale) / DAY_MS) * 10) / 10,
      ...(preparation.removeInactiveKeyId ? { removesInactiveKeyId: preparation.removeInactiveKeyId } : {}),
      ...(preparation.removeOrphanKeyId ? { mayRemoveLostKeyId: preparation.removeOrphanKeyId } : {}),
    },
  };
}

/** A rotation execution that matters to the next one of the same user (from the workflow engine). */
export interface PreviousRotation {
  readonly executionName: string;
  /** The key that rotation retires (and deactivates after cutover). */
  readonly accessKeyId: string;
  readonly status: ExecutionStatus;
  readonly stoppedAt?: Date;
}

/**
 * Fourth stage, before a start: the user's previous rotation must be over, grace period included.
 * During its grace period a rotation keeps the old key inactive so a person can roll back; a new
 * rotation would have Prepare delete that key to make room, or rotate the key just handed out.
 *
 * Held when a rotation of another of the user's keys is still running, or when the user has an
 * inactive key whose own rotation ended less than deactivatedGracePeriodDays ago. IAM records no
 * deactivation time; the deactivation happened before that execution stopped, so its stop time is a
 * safe bound. An inactive key no rotation of ours deactivated is not held (Prepare's make-room rule
 * applies, and announces the deletion).
 *
 * @param rotations running rotations of the user, and the latest rotation of each inactive key.
 */
export function holdForPreviousRotation(
  userName: string,
  accessKeyId: string,
  keys: readonly AccessKeyRecord[],
  rotations: readonly PreviousRotation[],
  config: LifecycleConfig,
  now: Date,
): SkippedUser | undefined {
  const hold = (executionName: string, reason: string): SkippedUser => ({
    userName,
    accessKeyId,
    code: 'previous-rotation-in-grace',
    reason,
    executionName,
  });
  const running = rotations.find((r) => r.status === 'RUNNING' && r.accessKeyId !== accessKeyId);
  if (running) {
    return hold(
      running.executionName,
      `rotation ${running.executionName} of key ${running.accessKeyId} is still running (cutover or grace period); the next scan looks again`,
    );
  }
  const graceMs = rotationTiming(config).gracePeriodSeconds * 1000;
  for (const key of keys.filter((k) => k.status === 'Inactive')) {
    const own = rotations.find((r) => r.accessKeyId === key.accessKeyId && r.status !== 'RUNNING' && r.stoppedAt);
    if (own?.stoppedAt && now.getTime() - own.stoppedAt.getTime() < graceMs) {
      return hold(
        own.executionName,
        `inactive key ${key.accessKeyId} was deactivated by rotation ${own.executionName}, which ended ${own.stoppedAt.toISOString()}: still inside deactivatedGracePeriodDays, it stays for rollback`,
      );
    }
  }
  return undefined;
}
