/**
 * The daily scan: reads the credential report, picks managed, non-protected users with an active key
 * older than maxKeyAgeDays, and starts one rotation workflow per such user (its oldest stale key).
 *
 * IAM cost per scan: the report calls (Generate + Get, a few more while IAM builds it), then per
 * candidate one ListUserTags and, unless its tags exclude it, one ListAccessKeys. Nothing per
 * non-candidate user, so the cost follows the number of stale keys, not the size of the account.
 *
 * Step Functions cost: per candidate the DescribeExecution calls of its key's attempts; per rotation
 * it would start, one ListExecutions of the running rotations (another rotation of the same user
 * holds it) and the attempts of its inactive key, if any (a key still inside its grace period).
 *
 * Safe to run twice: execution names are deterministic per key, an already running rotation is
 * reported as such, and nothing is started in a dry run.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LifecycleConfig } from '../shared/config';
import { errorName, UserNotFoundError, ValidationError } from '../shared/errors';
import { rotationExecutionName } from '../shared/execution-names';
import type { IamUsers } from '../shared/iam/users';
import { isNoSuchEntity, keyCreatedAt, type AccessKeyRecord } from '../shared/iam/records';
import { ownerFields } from '../shared/notification-attributes';
import type { Notifier } from '../shared/notifier';
import { findRunning, withListingCache, type ExecutionSummary, type WorkflowPort } from '../shared/workflows';
import { continuedOutputOf, findRotation, startRotation } from '../rotation/start';
import type { ApiCallCounter } from './api-calls';
import { parseCredentialReport, type CredentialReportSource, type ReportProblem } from './credential-report';
import {
  checkTags,
  holdForPreviousRotation,
  planCandidate,
  type PreviousRotation,
  selectCandidates,
  type BlockedRotation,
  type PlannedRotation,
  type ScanCandidate,
  type SkippedUser,
  type SkipCode,
} from './select';
import { runSignalsPhase, signalsNotificationPart, type SignalsDeps, type SignalsSummary } from './signals-phase';
import { retireUnusedKeys, usersLeftToRotation, type UnusedKeysSummary } from './unused-keys';

export interface ScanDeps {
  readonly credentialReport: CredentialReportSource;
  readonly iam: Pick<IamUsers, 'listTags' | 'listAccessKeys'>;
  readonly workflows: WorkflowPort;
  readonly config: LifecycleConfig;
  readonly clock: () => Date;
  readonly notifier: Notifier;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The automation's own IAM users: always protected. */
  readonly automationUserNames?: readonly string[];
  /** When given, the summary reports how many IAM calls the scan made (see ./api-calls). */
  readonly iamCalls?: Pick<ApiCallCounter, 'total'>;
  /** Candidates examined at once. IAM's control plane throttles early, so keep it small. @default 4 */
  readonly concurrency?: number;
  /**
   * Organization mode: the member account scanned (credential report and IAM are that account's);
   * every rotation started carries it in its input and execution name.
   */
  readonly accountId?: string;
  /** A lower cap than maxRotationsPerScan (the account's share of the organization's cap), named in the deferral reason. */
  readonly rotationCap?: { readonly limit: number; readonly name: string };
  /** Lifecycle signals (expiry, inactivity): see ./signals-phase. Absent: the phase does not run. */
  readonly signals?: SignalsDeps;
}

/** What EventBridge Scheduler passes (the schedule's configured input). */
export interface ScanEvent {
  readonly dryRun?: boolean;
}

export interface RotationRef {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly executionName: string;
}

export interface FailedUser {
  readonly userName: string;
  readonly errorName: string;
  readonly message: string;
}

export interface ScanSummary {
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** When IAM generated the report (it may hand out one up to four hours old). */
  readonly reportGeneratedAt?: string;
  /** IAM users in the credential report. */
  readonly scannedUsers: number;
  /** Users with no active key older than maxKeyAgeDays. */
  readonly upToDate: number;
  /** Users the report flagged (stale active key, name and path in scope): each cost IAM calls. */
  readonly candidates: number;
  /** The rotations this scan starts, or would start in a dry run. */
  readonly plan: readonly (PlannedRotation & { readonly executionName: string })[];
  readonly started: readonly RotationRef[];
  readonly alreadyRunning: readonly RotationRef[];
  /** Rotations that cannot run until a person acts (same rule as the workflow's Prepare step). */
  readonly blocked: readonly BlockedRotation[];
  /** Users with a stale key the scan leaves alone, with the reason. */
  readonly skipped: readonly SkippedUser[];
  /** Candidates the scan could not examine (an AWS error after the SDK's retries). */
  readonly failed: readonly FailedUser[];
  /** Report rows that could not be read; those users were not examined. */
  readonly reportProblems: readonly ReportProblem[];
  /** Notifications that could not be published (logged; the scan's work is done regardless). */
  readonly notificationErrors: number;
  readonly iamCalls?: number;
  /** Expiry and inactivity: what the scan did (or would do) per user with a signal. */
  readonly signals?: SignalsSummary;
  /** Unused-key retirements (./unused-keys); absent when unusedKeyDays is off. */
  readonly unusedKeys?: UnusedKeysSummary;
}

/** Notifications carry lists up to this length (SNS messages are limited to 256 KB). */
const NOTIFY_LIST_MAX = 50;

const EVENT_FIELDS = new Set(['dryRun']);

/**
 * Validates the scheduler input. Unknown fields are refused rather than ignored, so that a typo such
 * as `{"dryrun": true}` fails loudly instead of turning into a real run.
 */
export function parseScanEvent(event: unknown): { dryRun: boolean } {
  if (event === undefined || event === null) return { dryRun: false };
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new ValidationError('scan event must be a JSON object like {"dryRun": true}');
  }
  const unknown = Object.keys(event).filter((k) => !EVENT_FIELDS.has(k));
  if (unknown.length > 0) {
    throw new ValidationError(`scan event has unknown field(s) ${unknown.join(', ')}; only "dryRun" is accepted`);
  }
  const dryRun = (event as ScanEvent).dryRun;
  if (dryRun !== undefined && typeof dryRun !== 'boolean') throw new ValidationError('scan event: dryRun must be true or false');
  return { dryRun: dryRun ?? false };
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

const byUser = <T extends { userName: string }>(a: T, b: T) => a.userName.localeCompare(b.userName);

/**
 * Builds the scan handler. Throws only when the scan as a whole cannot run (bad event, credential
 * report unavailable or unreadable): the invocation fails, the errors alarm fires and Lambda's async
 * retry runs it again, which is safe (deterministic execution names). Per-user AWS errors are listed
 * in `failed` instead, because failing the whole scan would not fix one user and would repeat every
 * notification.
 */
export function makeScanHandler(deps: ScanDeps) {
  const { credentialReport, iam, config, clock, notifier, logger } = deps;
  const automationUserNames = deps.automationUserNames ?? [];
  const accountId = deps.accountId;
  const cap =
    deps.rotationCap && deps.rotationCap.limit < config.maxRotationsPerScan
      ? deps.rotationCap
      : { limit: config.maxRotationsPerScan, name: 'maxRotationsPerScan' };

  return async function scan(event?: ScanEvent | null): Promise<ScanSummary> {
    const { dryRun } = parseScanEvent(event);
    // Every candidate's attempt lookup lists the rotations: list them once per scan, not per key.
    const workflows = withListingCache(deps.workflows);
    const startedAt = clock();
    const callsBefore = deps.iamCalls?.total() ?? 0;

    const report = await credentialReport.fetchReport();
    const parsed = parseCredentialReport(report.csv);
    const selection = selectCandidates(parsed.users, config, startedAt, automationUserNames);
    for (const problem of parsed.problems) logger.warn('unreadable credential report row', { ...problem });

    const plan: (PlannedRotation & { executionName: string })[] = [];
    const started: RotationRef[] = [];
    const alreadyRunning: RotationRef[] = [];
    const blocked: BlockedRotation[] = [];
    const skipped: SkippedUser[] = [...selection.skipped];
    const failed: FailedUser[] = [];
    let notificationErrors = 0;

    const publish = async (notification: Parameters<Notifier['publish']>[0]) => {
      try {
        await notifier.publish(notification);
      } catch (error) {
        notificationErrors++;
        logger.error('could not publish notification', {
          type: notification.type,
          errorName: errorName(error),
          errorMessage: (error as Error).message,
        });
      }
    };

    /** Running rotations of the user, and the latest rotation of each of its inactive keys. */
    const previousRotations = async (
      userName: string,
      accessKeyId: string,
      keys: readonly AccessKeyRecord[],
    ): Promise<PreviousRotation[]> => {
      const toPrevious = (e: ExecutionSummary): PreviousRotation => ({
        executionName: e.name,
        accessKeyId: String((e.input as { accessKeyId?: unknown } | undefined)?.accessKeyId ?? ''),
        status: e.status,
        ...(e.stopDate ? { stoppedAt: e.stopDate } : {}),
      });
      const running = (await findRunning(workflows, 'rotation', userName, accountId)).map(toPrevious);
      const inactive = keys.filter((k) => k.status === 'Inactive' && k.accessKeyId !== accessKeyId);
      const latestOfInactive = await Promise.all(
        inactive.map(async (k) => {
          const latest = (await findRotation(workflows, userName, k.accessKeyId, accountId)).latest;
          return latest ? [{ ...toPrevious(latest), accessKeyId: k.accessKeyId }] : [];
        }),
      );
      return [...running, ...latestOfInactive.flat()];
    };

    const examine = async (candidate: ScanCandidate): Promise<void> => {
      const { userName } = candidate;
      const notFound = () =>
        skipped.push({ userName, code: 'user-not-found', reason: 'the user was deleted after the credential report' });
      try {
        let tags: Record<string, string>;
        try {
          tags = await iam.listTags(userName);
        } catch (error) {
          if (error instanceof UserNotFoundError || isNoSuchEntity(error)) return void notFound();
          throw error;
        }
        const tagSkip = checkTags(candidate, tags, config, automationUserNames);
        if (tagSkip) return void skipped.push(tagSkip);

        let keys;
        try {
          keys = await iam.listAccessKeys(userName);
        } catch (error) {
          if (error instanceof UserNotFoundError) return void notFound();
          throw error;
        }
        let decision = planCandidate(candidate, keys, config, startedAt);
        if (decision.kind === 'skip') return void skipped.push(decision.skipped);

        const accessKeyId = decision.kind === 'rotate' ? decision.rotation.accessKeyId : decision.blocked.accessKeyId;
        // Checked before acting on "blocked": while a rotation waits for cutover the user holds the
        // old and the new key, both active, which is progress and not a reason to alarm anybody.
        // An attempt that ended earlier (blocked, failed, rolled back) does not stop a new attempt.
        const lookup = await findRotation(workflows, userName, accessKeyId, accountId);
        if (lookup.latest?.status === 'RUNNING') {
          return void alreadyRunning.push({ userName, accessKeyId, executionName: lookup.latest.name });
        }
        // A rotation that ended `continued` (still waiting for cutover when its execution had run
        // the checks it may) holds two active keys on purpose: resume it as its next attempt.
        if (decision.kind === 'blocked' && continuedOutputOf(lookup.latest)?.oldAccessKeyId === accessKeyId) {
          decision = { kind: 'rotate', rotation: resumedRotation(userName, accessKeyId, keys, startedAt, config) };
        }
        // Two active keys, the second created while the previous attempt ran: probably a key that
        // attempt created and lost; the next attempt's Prepare recognises and removes it.
        const latest = lookup.latest;
        if (decision.kind === 'blocked' && decision.blocked.code === 'two-active-keys' && latest?.stopDate) {
          const window = { executionName: latest.name, startedAt: latest.startDate, stoppedAt: latest.stopDate };
          decision = planCandidate(candidate, keys, config, startedAt, [window]);
          if (decision.kind === 'skip') return void skipped.push(decision.skipped);
        }
        if (decision.kind === 'rotate') {
          const hold = holdForPreviousRotation(
            userName,
            accessKeyId,
            keys,
            await previousRotations(userName, accessKeyId, keys),
            config,
            startedAt,
          );
          if (hold) return void skipped.push(hold);
        }
        const ref: RotationRef = {
          userName,
          accessKeyId,
          executionName: lookup.nextName ?? rotationExecutionName(userName, accessKeyId, 1, accountId),
        };

        if (decision.kind === 'blocked') {
          blocked.push(decision.blocked);
          if (!dryRun)
            await publish({ type: 'rotation.blocked', ...decision.blocked, requestedBy: 'scan', ...ownerFields(tags, config) });
          return;
        }
        if (plan.length >= cap.limit) {
          return void skipped.push({
            userName,
            accessKeyId,
            code: 'deferred',
            reason: `${cap.name} (${cap.limit}) reached; the next scan takes it`,
          });
        }
        plan.push({ ...decision.rotation, executionName: ref.executionName });
        if (dryRun) return;

        const result = await startRotation(
          workflows,
          config,
          { userName, accessKeyId, requestedBy: 'scan', trigger: 'scheduled', ...(accountId ? { accountId } : {}) },
          lookup,
        );
        if (result.started) {
          started.push({ ...ref, executionName: result.executionName });
          logger.info('rotation started by scan', { ...ref, executionName: result.executionName });
        } else {
          alreadyRunning.push({ ...ref, executionName: result.executionName });
        }
      } catch (error) {
        failed.push({ userName, errorName: errorName(error), message: (error as Error).message });
        logger.error('scan could not examine user', {
          userName,
          errorName: errorName(error),
          errorMessage: (error as Error).message,
        });
      }
    };

    // Oldest keys first (approximately: a few are examined at once), so a capped scan rotates the riskiest keys.
    const oldestFirst = [...selection.candidates].sort(
      (a, b) => Math.max(...b.staleSlots.map((x) => x.ageMs)) - Math.max(...a.staleSlots.map((x) => x.ageMs)),
    );
    await forEachLimited(oldestFirst, deps.concurrency ?? 4, examine);

    // ---- Phase: lifecycle signals (expiry, inactivity), functions/scan/signals-phase.ts ----------
    const signals = deps.signals
      ? await runSignalsPhase({
          users: parsed.users,
          deps: deps.signals,
          config,
          now: startedAt,
          dryRun,
          automationUserNames,
          notifier,
          logger,
        })
      : undefined;
    notificationErrors += signals?.notificationErrors ?? 0;
    // ---- end of phase: lifecycle signals ------------------------------------------------------
    // --- Unused keys (issue 10): a phase of its own, after the rotations, in ./unused-keys. ---
    // Single-account scans only: a retirement started without the member account would name the
    // hub's user of the same name (organization mode retires nothing yet; README "Organization mode").
    const unusedKeys =
      deps.accountId !== undefined
        ? undefined
        : await retireUnusedKeys(
            { iam, workflows, config, automationUserNames, logger },
            {
              users: parsed.users,
              now: startedAt,
              dryRun,
              rotationsPlanned: plan.length,
              leaveAlone: usersLeftToRotation({ plan, alreadyRunning, skipped, failed }),
            },
          );
    // --- end of unused keys ---

    const finishedAt = clock();
    const iamCalls = deps.iamCalls ? deps.iamCalls.total() - callsBefore : undefined;
    const result: Omit<ScanSummary, 'notificationErrors'> = {
      dryRun,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      ...(report.generatedAt ? { reportGeneratedAt: report.generatedAt.toISOString() } : {}),
      scannedUsers: selection.scannedUsers,
      upToDate: selection.upToDate,
      candidates: selection.candidates.length,
      plan: plan.sort(byUser),
      started: started.sort(byUser),
      alreadyRunning: alreadyRunning.sort(byUser),
      blocked: blocked.sort(byUser),
      skipped: skipped.sort(byUser),
      failed: failed.sort(byUser),
      reportProblems: parsed.problems,
      ...(iamCalls !== undefined ? { iamCalls } : {}),
      ...(signals ? { signals } : {}),
      ...(unusedKeys ? { unusedKeys } : {}),
    };
    if (!dryRun) await publish(scanCompletedNotification(result));
    const summary: ScanSummary = { ...result, notificationErrors };

    logger.info('scan completed', {
      dryRun,
      scannedUsers: summary.scannedUsers,
      candidates: summary.candidates,
      started: started.length,
      alreadyRunning: alreadyRunning.length,
      blocked: blocked.length,
      skipped: skipped.length,
      failed: failed.length,
      reportProblems: parsed.problems.length,
      ...(iamCalls !== undefined ? { iamCalls } : {}),
    });
    return summary;
  };
}

function resumedRotation(
  userName: string,
  accessKeyId: string,
  keys: readonly AccessKeyRecord[],
  now: Date,
  config: LifecycleConfig,
): PlannedRotation {
  const key = keys.find((k) => k.accessKeyId === accessKeyId);
  const createdAt = key ? keyCreatedAt(key) : now;
  const ageMs = now.getTime() - createdAt.getTime();
  return {
    userName,
    accessKeyId,
    keyCreatedAt: createdAt.toISOString(),
    keyAgeDays: Math.floor(((ageMs * config.timeScale) / 86_400_000) * 10) / 10,
  };
}

function countBy(items: readonly SkippedUser[]): Partial<Record<SkipCode, number>> {
  const counts: Partial<Record<SkipCode, number>> = {};
  for (const item of items) counts[item.code] = (counts[item.code] ?? 0) + 1;
  return counts;
}

function capped<T>(items: readonly T[]): { items: T[]; more: number } {
  return { items: items.slice(0, NOTIFY_LIST_MAX), more: Math.max(0, items.length - NOTIFY_LIST_MAX) };
}

/** The `scan.completed` message: counts, plus capped lists of what people may need to act on. */
export function scanCompletedNotification(summary: Omit<ScanSummary, 'notificationErrors'>) {
  return {
    type: 'scan.completed' as const,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    ...(summary.reportGeneratedAt ? { reportGeneratedAt: summary.reportGeneratedAt } : {}),
    scannedUsers: summary.scannedUsers,
    upToDate: summary.upToDate,
    candidates: summary.candidates,
    started: capped(summary.started.map(({ userName, accessKeyId }) => ({ userName, accessKeyId }))),
    alreadyRunning: summary.alreadyRunning.length,
    blocked: capped(summary.blocked),
    skipped: summary.skipped.length,
    skippedByCode: countBy(summary.skipped),
    failed: capped(summary.failed),
    reportProblems: capped(summary.reportProblems),
    ...(summary.signals ? { signals: signalsNotificationPart(summary.signals, NOTIFY_LIST_MAX) } : {}),
    ...(summary.unusedKeys
      ? {
          unusedKeys: {
            started: capped(summary.unusedKeys.started.map(({ userName, accessKeyId }) => ({ userName, accessKeyId }))),
            alreadyRunning: summary.unusedKeys.alreadyRunning.length,
            skipped: summary.unusedKeys.skipped.length,
            failed: capped(summary.unusedKeys.failed),
          },
        }
      : {}),
  };
}

export type ScanHandler = ReturnType<typeof makeScanHandler>;
