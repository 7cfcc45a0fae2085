/**
 * The scan's lifecycle-signals phase (issue 10: expiry and inactivity), run once per scan after the
 * rotations by ./handler. Rules are in ./signals; this file reads, remembers and acts.
 *
 * IAM cost: the expiry tag of every user is needed and neither the credential report nor ListUsers
 * carries tags, so the phase reads all users with GetAccountAuthorizationDetails (filter User, 1000
 * users per page): ceil(users / 1000) calls, not one per user. Inactivity costs nothing (report
 * columns). Per offboarded user the offboarding service's own read (GetUser + ListUserTags, the same
 * re-check an API start makes). Reminders and notices cost no IAM call.
 *
 * Acting goes through the paths a person's request takes: startOffboarding (scope, protection and
 * spelling re-checked on a fresh read of the user, one execution per user and attempt), or, under
 * `offboardingApproval: "required"`, requestOffboarding (a pending request a person approves). The
 * scan starts or files at most `maxRotationsPerScan` offboardings per run (the scan's one per-run
 * change budget; the rest are deferred to the next scan), so a mistaken bulk tag cannot offboard
 * the whole account in one night.
 *
 * Idempotence: a reminder (user, expiry value, rung) and an inactivity notice (user, idle-since) are
 * each sent once: the notification is published, then a write-once marker is recorded under
 * `signals/<user>/` in the records bucket. A failed publish leaves no marker (the next scan sends
 * it); a marker write lost after the publish means one duplicate the next day (at least once, never
 * silently dropped). Offboardings are idempotent through their execution names and the approval
 * path's one pending request per user.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LifecycleConfig } from '../shared/config';
import { errorName, OutOfScopeError, ProtectedUserError, UserNotFoundError, WorkflowConflictError } from '../shared/errors';
import type { IamUser } from '../shared/iam/records';
import type { Notification, Notifier } from '../shared/notifier';
import type { SnapshotStore } from '../shared/snapshot-store';
import { approvalRequired, requestOffboarding } from '../offboarding/approval';
import { startOffboarding, type OffboardingServiceDeps } from '../offboarding/service';
import type { ReportUser } from './credential-report';
import { decideSignals, offboardReason, SIGNAL_MARKS_ROOT, type SignalAction, type UserSignals } from './signals';

export { SIGNAL_MARKS_ROOT } from './signals';

/** Who the scan's offboardings and approval requests are requested by. */
export const SCAN_REQUESTER = 'iam-lifecycle:scan';

export interface SignalsDeps {
  /** Every IAM user with its tags (IamUsers.listAllUsers: GetAccountAuthorizationDetails). */
  readonly listAllUsers: () => Promise<readonly Pick<IamUser, 'userName' | 'path' | 'tags'>[]>;
  /** Write-once markers of sent reminders and notices. Without it a dry run cannot tell what was sent. */
  readonly marks?: Pick<SnapshotStore, 'get' | 'create'>;
  /** The offboarding service an API request uses. Without it the scan plans offboardings only. */
  readonly offboarding?: OffboardingServiceDeps;
}

export type SignalResult =
  | 'planned'
  | 'sent'
  | 'already-sent'
  | 'started'
  | 'already-running'
  | 'approval-requested'
  | 'approval-pending'
  | 'deferred'
  | 'refused'
  | 'skipped'
  | 'reported'
  | 'failed';

/** One thing the phase did (or would do, in a dry run) about one user; JSON-safe. */
export interface SignalOutcome {
  readonly userName: string;
  readonly action: SignalAction | 'skip' | 'report';
  readonly result: SignalResult;
  readonly reason: string;
  readonly expiry?: string;
  readonly expiryMalformed?: true;
  readonly daysLeft?: number;
  readonly lastUsedAt?: string;
  readonly idleDays?: number;
  readonly rung?: number;
  readonly owner?: string;
  readonly purpose?: string;
  readonly executionName?: string;
  readonly approvalId?: string;
}

export interface SignalsSummary {
  /** Users with a signal (expiry tag, or inactive). */
  readonly usersWithSignals: number;
  readonly outcomes: readonly SignalOutcome[];
  readonly notificationErrors: number;
  /** The phase could not read the users' tags (after the SDK's retries): nothing was decided. */
  readonly failed?: string;
}

export interface SignalsPhaseInput {
  readonly users: readonly ReportUser[];
  readonly deps: SignalsDeps;
  readonly config: LifecycleConfig;
  readonly now: Date;
  readonly dryRun: boolean;
  readonly automationUserNames: readonly string[];
  readonly notifier: Notifier;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

function facts(s: UserSignals): Omit<SignalOutcome, 'userName' | 'action' | 'result' | 'reason'> {
  const e = s.expiry;
  const i = s.inactivity;
  return {
    ...(e?.kind === 'date' ? { expiry: e.value, daysLeft: e.daysLeft } : {}),
    ...(e?.kind === 'malformed' ? { expiry: e.value, expiryMalformed: true as const } : {}),
    ...(i?.inactive && i.lastUsedAt ? { lastUsedAt: i.lastUsedAt.toISOString() } : {}),
    ...(i?.inactive ? { idleDays: i.idleDays } : {}),
    ...(s.owner !== undefined ? { owner: s.owner } : {}),
    ...(s.purpose !== undefined ? { purpose: s.purpose } : {}),
  };
}

/** Oldest reason first: expired users by expiry, then inactive users by idle time. */
function urgency(s: UserSignals): number {
  if (s.expiry?.kind === 'date' && s.expiry.daysLeft <= 0) return s.expiry.expiresAt.getTime();
  return Number.MAX_SAFE_INTEGER - (s.inactivity?.idleDays ?? 0);
}

const markKey = (userName: string, what: string) =>
  `${SIGNAL_MARKS_ROOT}${userName}/${what.replace(/[^A-Za-z0-9._:+-]/g, '_')}.json`;

export async function runSignalsPhase(input: SignalsPhaseInput): Promise<SignalsSummary> {
  const { deps, config, now, dryRun, logger } = input;
  let listed: Awaited<ReturnType<SignalsDeps['listAllUsers']>>;
  try {
    listed = await deps.listAllUsers();
  } catch (error) {
    // The rotations of this scan are done; failing the invocation would only repeat them. Reported
    // in the summary and scan.completed instead, and the next scan tries again.
    const failed = `${errorName(error)}: ${(error as Error).message}`;
    logger.error('lifecycle signals: could not read the users and their tags', { errorName: errorName(error) });
    return { usersWithSignals: 0, outcomes: [], notificationErrors: 0, failed };
  }
  const reportRows = new Map(input.users.map((u) => [u.userName, u]));
  const decided: UserSignals[] = [];
  for (const iamUser of listed) {
    // A user created after the credential report has no report row: its expiry still counts.
    const row = reportRows.get(iamUser.userName) ?? { userName: iamUser.userName, path: iamUser.path };
    const signals = decideSignals({ ...row, path: iamUser.path }, iamUser.tags, config, now, input.automationUserNames);
    if (signals) decided.push(signals);
  }
  decided.sort((a, b) => urgency(a) - urgency(b) || a.userName.localeCompare(b.userName));

  const outcomes: SignalOutcome[] = [];
  let notificationErrors = 0;
  let offboardings = 0;
  const outcome = (s: UserSignals, o: Omit<SignalOutcome, 'userName'>) =>
    outcomes.push({ userName: s.userName, ...facts(s), ...o });

  const publish = async (n: Notification): Promise<boolean> => {
    try {
      await input.notifier.publish(n);
      return true;
    } catch (error) {
      notificationErrors++;
      logger.error('could not publish notification', {
        type: n.type,
        errorName: errorName(error),
        errorMessage: (error as Error).message,
      });
      return false;
    }
  };

  /** Sends once per marker key: publish, then record. */
  const sendOnce = async (s: UserSignals, action: SignalAction, key: string, reason: string, n: Notification, rung?: number) => {
    const base = { action, reason, ...(rung !== undefined ? { rung } : {}) };
    if (deps.marks && (await deps.marks.get(key)) !== undefined) return void outcome(s, { ...base, result: 'already-sent' });
    if (dryRun) return void outcome(s, { ...base, result: 'planned' });
    if (!deps.marks) return void outcome(s, { ...base, result: 'failed', reason: `${reason}: no records store to remember it` });
    if (!(await publish(n))) return void outcome(s, { ...base, result: 'failed', reason: `${reason}: could not publish` });
    await deps.marks.create(key, { sentAt: now.toISOString(), type: n.type, reason });
    outcome(s, { ...base, result: 'sent' });
  };

  const notice = (s: UserSignals, type: 'user.expiring' | 'user.inactive', fields: Record<string, unknown>): Notification => ({
    type,
    userName: s.userName,
    ...facts(s),
    ...(type === 'user.inactive' && s.inactivity
      ? { idleSince: s.inactivity.idleSince.toISOString(), inactiveUserDays: config.inactiveUserDays }
      : {}),
    ...fields,
  });

  const offboard = async (s: UserSignals, reason: string) => {
    const type = s.expiry?.kind === 'date' && s.expiry.daysLeft <= 0 ? 'user.expiring' : 'user.inactive';
    const needsApproval = approvalRequired(config, 'offboard');
    if (offboardings >= config.maxRotationsPerScan) {
      return void outcome(s, {
        action: 'offboard',
        result: 'deferred',
        reason: `${reason}: maxRotationsPerScan (${config.maxRotationsPerScan}) offboardings this scan; the next scan takes it`,
      });
    }
    offboardings++;
    if (dryRun) {
      const how = needsApproval ? 'would file an offboarding request for approval' : 'would start a staged offboarding';
      return void outcome(s, { action: 'offboard', result: 'planned', reason: `${reason}: ${how}` });
    }
    if (!deps.offboarding)
      return void outcome(s, { action: 'offboard', result: 'failed', reason: `${reason}: offboarding is not deployed` });
    if (needsApproval) {
      const pending = await requestOffboarding(deps.offboarding, { userName: s.userName, reason, requestedBy: SCAN_REQUESTER });
      const approvalId = pending.request.id;
      outcome(s, { action: 'offboard', result: pending.created ? 'approval-requested' : 'approval-pending', reason, approvalId });
      if (pending.created)
        await publish(notice(s, type, { action: 'approval-requested', reason, approvalId, requestedBy: SCAN_REQUESTER }));
      return;
    }
    const started = await startOffboarding(deps.offboarding, { userName: s.userName, reason, requestedBy: SCAN_REQUESTER });
    const executionName = started.executionName;
    outcome(s, { action: 'offboard', result: started.started ? 'started' : 'already-running', reason, executionName });
    if (started.started) {
      logger.info('offboarding started by scan', { userName: s.userName, reason, executionName });
      await publish(notice(s, type, { action: 'offboarding-started', reason, executionName, requestedBy: SCAN_REQUESTER }));
    }
  };

  for (const s of decided) {
    try {
      if (s.expiry?.kind === 'malformed') {
        outcome(s, {
          action: 'report',
          result: 'reported',
          reason: `expiry tag ${config.expiryTagKey} is not an ISO date; not acted on`,
        });
      }
      if (s.skip) {
        outcome(s, { action: 'skip', result: 'skipped', reason: s.skip.reason });
        continue;
      }
      const reason = offboardReason(s);
      if (reason !== undefined) {
        await offboard(s, reason);
        continue;
      }
      for (const a of s.actions) {
        if (a.action === 'remind' && s.expiry?.kind === 'date') {
          const key = markKey(s.userName, `expiry-${s.expiry.value}-rung-${a.rung}`);
          const n = notice(s, 'user.expiring', {
            action: 'reminder',
            reminderDays: a.rung,
            expiresAt: s.expiry.expiresAt.toISOString(),
          });
          await sendOnce(s, 'remind', key, a.reason, n, a.rung);
        } else if (a.action === 'notify-inactive' && s.inactivity) {
          const key = markKey(s.userName, `inactive-${s.inactivity.idleSince.toISOString()}`);
          await sendOnce(s, 'notify-inactive', key, a.reason, notice(s, 'user.inactive', { action: 'notice' }));
        }
      }
    } catch (error) {
      const refused = [ProtectedUserError, OutOfScopeError, UserNotFoundError, WorkflowConflictError].some(
        (c) => error instanceof c,
      );
      const action = offboardReason(s) !== undefined ? 'offboard' : (s.actions[0]?.action ?? 'report');
      outcome(s, { action, result: refused ? 'refused' : 'failed', reason: `${errorName(error)}: ${(error as Error).message}` });
      if (!refused) logger.error('scan could not act on lifecycle signal', { userName: s.userName, errorName: errorName(error) });
    }
  }
  return { usersWithSignals: decided.length, outcomes, notificationErrors };
}

/** The signals part of `scan.completed`: counts by action and result, and the malformed expiry tags. */
export function signalsNotificationPart(summary: SignalsSummary, max: number) {
  const counts: Record<string, number> = {};
  for (const o of summary.outcomes) counts[`${o.action}:${o.result}`] = (counts[`${o.action}:${o.result}`] ?? 0) + 1;
  const malformed = summary.outcomes.filter((o) => o.expiryMalformed && o.action === 'report');
  const acted = summary.outcomes.filter((o) => o.action === 'offboard');
  return {
    ...(summary.failed ? { failed: summary.failed } : {}),
    usersWithSignals: summary.usersWithSignals,
    counts,
    malformedExpiry: malformed
      .slice(0, max)
      .map(({ userName, expiry, owner }) => ({ userName, expiry, ...(owner ? { owner } : {}) })),
    malformedExpiryMore: Math.max(0, malformed.length - max),
    offboardings: acted.slice(0, max).map(({ userName, result, reason }) => ({ userName, result, reason })),
  };
}
