/**
 * Pure rules of unused-key retirement in the scan (issue 10): which active keys the credential report
 * shows unused for unusedKeyDays (never used: counted from creation, access_key_N_last_rotated), and,
 * once IAM has told the candidate's tags and key ids, which one key to retire.
 *
 * Cost: nothing per user at the report stage; per candidate one ListUserTags and one ListAccessKeys,
 * like a rotation candidate (the report has neither tags nor key ids). Prepare then re-checks the key
 * with GetAccessKeyLastUsed inside the workflow, so a key used since the report is never deactivated.
 */
import type { LifecycleConfig } from '../shared/config';
import { keyCreatedAt, type AccessKeyRecord } from '../shared/iam/records';
import { decideScope } from '../shared/scope';
import { isUnusedLongEnough, unusedKeyMs, unusedSince } from '../rotation/retire';
import type { ReportUser } from './credential-report';
import type { SkippedUser } from './select';

const DAY_MS = 86_400_000;

export interface UnusedSlot {
  readonly slot: 1 | 2;
  readonly createdAt: Date;
  readonly lastUsed?: Date;
  /** lastUsed, or createdAt for a key never used. */
  readonly since: Date;
}

export interface UnusedKeyCandidate {
  readonly userName: string;
  readonly path: string;
  /** Longest unused first. */
  readonly slots: readonly UnusedSlot[];
  /** Active keys the report lists for the user (1: the unused key is its only active key). */
  readonly activeKeys: number;
}

export interface PlannedRetirement {
  readonly userName: string;
  readonly accessKeyId: string;
  /** Last use, or creation for a key never used (from the credential report). */
  readonly unusedSince: string;
  readonly neverUsed: boolean;
  /** Unused for this many (scaled) days, for people reading the plan. */
  readonly unusedDays: number;
  /** The user's only active key: it is still retired (it is unused), and the notification says so. */
  readonly onlyActiveKey: boolean;
}

/**
 * Report stage: users with an active key unused for longer than unusedKeyDays, whose name and path
 * are in scope (the shared scope rule without tags; tags are checked per candidate). Users in
 * `leaveAlone` (the rotation phase of the same scan acted on them or skipped them for good) are left out.
 */
export function selectUnusedKeys(
  users: readonly ReportUser[],
  config: LifecycleConfig,
  now: Date,
  leaveAlone: ReadonlySet<string>,
  automationUserNames: readonly string[] = [],
): { candidates: UnusedKeyCandidate[]; skipped: SkippedUser[] } {
  const threshold = unusedKeyMs(config);
  if (threshold === undefined) return { candidates: [], skipped: [] };
  const reportScope = { managedUsers: { pathPrefix: config.managedUsers.pathPrefix }, protectedUsers: config.protectedUsers };
  const candidates: UnusedKeyCandidate[] = [];
  const skipped: SkippedUser[] = [];
  for (const user of users) {
    const active = user.accessKeys.filter((k) => k.active);
    const slots: UnusedSlot[] = [];
    for (const key of active) {
      if (!key.lastRotated) continue; // no creation date: cannot tell how long it has been unused
      const since = unusedSince(key.lastRotated, key.lastUsed);
      if (isUnusedLongEnough(since, now, threshold)) {
        slots.push({ slot: key.slot, createdAt: key.lastRotated, ...(key.lastUsed ? { lastUsed: key.lastUsed } : {}), since });
      }
    }
    if (slots.length === 0 || leaveAlone.has(user.userName)) continue;
    const scope = decideScope({ userName: user.userName, path: user.path, tags: {} }, reportScope, automationUserNames);
    if (scope.kind !== 'managed') {
      skipped.push({ userName: user.userName, code: scope.kind, reason: `unused key: ${scope.why}` });
      continue;
    }
    slots.sort((a, b) => a.since.getTime() - b.since.getTime());
    candidates.push({ userName: user.userName, path: user.path, slots, activeKeys: active.length });
  }
  return { candidates, skipped };
}

function sameSecond(a: Date, b: Date): boolean {
  return Math.floor(a.getTime() / 1000) === Math.floor(b.getTime() / 1000);
}

/**
 * With the candidate's keys from ListAccessKeys: the one key to retire this scan (the longest
 * unused; one workflow per user at a time keeps rollback unambiguous), or a skip when the report's
 * key is no longer active.
 */
export function planRetirement(
  candidate: UnusedKeyCandidate,
  keys: readonly AccessKeyRecord[],
  config: LifecycleConfig,
  now: Date,
): { kind: 'retire'; retirement: PlannedRetirement } | { kind: 'skip'; skipped: SkippedUser } {
  for (const slot of candidate.slots) {
    const key = keys.find((k) => k.status === 'Active' && sameSecond(keyCreatedAt(k), slot.createdAt));
    if (!key) continue;
    const activeKeys = keys.filter((k) => k.status === 'Active').length;
    return {
      kind: 'retire',
      retirement: {
        userName: candidate.userName,
        accessKeyId: key.accessKeyId,
        unusedSince: slot.since.toISOString(),
        neverUsed: slot.lastUsed === undefined,
        unusedDays: Math.floor((((now.getTime() - slot.since.getTime()) * config.timeScale) / DAY_MS) * 10) / 10,
        onlyActiveKey: activeKeys === 1,
      },
    };
  }
  return {
    kind: 'skip',
    skipped: {
      userName: candidate.userName,
      code: 'key-changed-since-report',
      reason: "unused key: no active key created at the report's date any more (deactivated, rotated or deleted since)",
    },
  };
}
