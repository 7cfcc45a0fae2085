/**
 * Start, cancel and inspect offboardings: what the HTTP API and the CLI call. Pure over injected
 * adapters and the WorkflowPort, so it drives Step Functions when deployed and the local runner in
 * local mode. Bad requests throw named errors and change nothing.
 *
 * Naming: one execution per user and attempt, `offboard-<userName>-<userId>[-<attempt>]`. A second
 * request while one runs gets the running one back; a later attempt (after a cancel or a failure)
 * takes the next number; a re-created user of the same name has another UserId, so another name.
 */
import {
  checkObservationDays as checkDaysInBounds,
  MAX_OBSERVATION_DAYS_LIMIT,
  offboardingTiming,
  type LifecycleConfig,
} from '../shared/config';
import { UserNotFoundError, ValidationError, WorkflowConflictError } from '../shared/errors';
import type { IamUsers } from '../shared/iam/users';
import { assertExactSpelling, assertManaged } from '../shared/scope';
import type { SnapshotStore } from '../shared/snapshot-store';
import { findAttempts, type Attempt, type ExecutionStatus, type ExecutionSummary, type WorkflowPort } from '../shared/workflows';
import {
  MAX_OFFBOARDING_ATTEMPTS,
  OFFBOARDING_TAG,
  offboardingExecutionName,
  RECORDS_ROOT,
  recordKeys,
  restoreExecutionName,
  type RestoreNote,
} from './domain';
import { checkReason, checkUserName } from './requests';
import type { DecisionRecord, FinalRecord, OffboardRequest, RestoreRequest, StatusRecord } from './steps/context';

export interface OffboardingServiceDeps {
  readonly iam: Pick<IamUsers, 'findUser'>;
  readonly records: Pick<SnapshotStore, 'get' | 'create' | 'listChildren'>;
  readonly workflows: WorkflowPort;
  readonly config: LifecycleConfig;
  readonly clock?: () => Date;
  /** The automation's own IAM user names: always protected. */
  readonly automationUserNames?: readonly string[];
  /**
   * Organization mode: the account `iam` acts in; execution names and inputs carry it, and
   * `records` is that account's view of the bucket (`accounts/<accountId>/...`).
   */
  readonly accountId?: string;
}

export interface StartOffboardingRequest {
  readonly userName: string;
  readonly reason: string;
  /** Who asked: `cli`, `api:<principal>`, ... */
  readonly requestedBy?: string;
  /** Overrides config.offboardingObservationDays for this user. */
  readonly observationDays?: number;
  /** The approved request (two-person rule) this offboarding carries out; Validate checks it. */
  readonly approvalId?: string;
}

export interface StartOffboardingResult {
  readonly executionName: string;
  readonly executionArn: string;
  /** false when an offboarding of this user was already running: `existing` is that one. */
  readonly started: boolean;
  readonly existing?: ExecutionSummary;
  readonly userId: string;
  readonly observationSeconds: number;
}

export interface CancelOffboardingOptions {
  readonly requestedBy?: string;
  readonly reason?: string;
}

export interface CancelOffboardingResult {
  readonly offboardingExecutionName: string;
  readonly restoreExecutionName: string;
  /** false when a restore of this offboarding already ran or runs: `existing` is that one. */
  readonly started: boolean;
  readonly existing?: ExecutionSummary;
}

export type OffboardingPhase =
  | 'not-offboarded'
  | 'starting'
  | 'disabling'
  | 'disabled'
  | 'deleting'
  | 'completed'
  | 'refused'
  | 'cancelling'
  | 'cancelled'
  | 'failed'
  | 'stopped';

/**
 * The status view: the progress fields of the status record (./handlers StatusRecord, e.g.
 * `deleteAfter`, when deletion is due), plus what the execution and the user tell.
 */
export interface OffboardingStatus extends Pick<
  StatusRecord,
  | 'snapshotKey'
  | 'snapshotTakenAt'
  | 'disabledAt'
  | 'deleteAfter'
  | 'disabled'
  | 'checks'
  | 'lastCheckAt'
  | 'reenabledCount'
  | 'deletingSince'
  | 'deletedAt'
  | 'finalRecordKey'
> {
  readonly userName: string;
  readonly userExists: boolean;
  readonly userId?: string;
  readonly phase: OffboardingPhase;
  /** The `iam-lifecycle:offboarding` tag of the user, when it exists. */
  readonly offboardingTag?: string;
  readonly executionName?: string;
  readonly executionStatus?: ExecutionStatus;
  readonly startedAt?: string;
  readonly stoppedAt?: string;
  readonly reason?: string;
  readonly requestedBy?: string;
  readonly cancel?: {
    readonly restoreExecutionName: string;
    readonly status?: ExecutionStatus;
    readonly requestedAt?: string;
    readonly requestedBy?: string;
    readonly cancelledAt?: string;
    readonly consolePasswordRestored?: false;
    readonly notRestored?: readonly RestoreNote[];
  };
  readonly error?: { readonly name?: string; readonly cause?: string };
}

/** Step Functions Standard executions run at most a year; leave room for the steps around the wait. */
export const MAX_OBSERVATION_DAYS = MAX_OBSERVATION_DAYS_LIMIT;
/** Attempts per user (or restores per offboarding) before a person must look; each lookup is one DescribeExecution. */
const MAX_ATTEMPTS = MAX_OFFBOARDING_ATTEMPTS;

/** Executions named by attempt number: 1, 2, ... until the first name never used. */
async function attempts(
  workflows: WorkflowPort,
  nameOf: (attempt: number) => string,
  what: string,
): Promise<{ found: Attempt[]; nextName: string }> {
  const { found, nextName } = await findAttempts(workflows, 'offboarding', nameOf, MAX_ATTEMPTS);
  if (nextName === undefined) {
    throw new WorkflowConflictError(`${what} has been attempted ${MAX_ATTEMPTS} times; a person must look`, nameOf(MAX_ATTEMPTS));
  }
  return { found, nextName };
}

function offboardingAttempts(workflows: WorkflowPort, userName: string, userId: string, accountId?: string) {
  return attempts(workflows, (n) => offboardingExecutionName(userName, userId, n, accountId), `offboarding of ${userName}`);
}

/** The execution input's `accountId` field (organization mode), or nothing. */
function accountField(deps: Pick<OffboardingServiceDeps, 'accountId'>): { accountId?: string } {
  return deps.accountId !== undefined ? { accountId: deps.accountId } : {};
}

function restoreAttempts(workflows: WorkflowPort, offboardingName: string) {
  return attempts(workflows, (n) => restoreExecutionName(offboardingName, n), `restoring ${offboardingName}`);
}

/** A whole number of days within config.offboardingObservationDays.min/max (the steps check it again). */
function checkObservationDays(config: LifecycleConfig, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  return checkDaysInBounds(config, value);
}

function inputOf(summary: ExecutionSummary): Partial<OffboardRequest> {
  return typeof summary.input === 'object' && summary.input !== null ? (summary.input as Partial<OffboardRequest>) : {};
}

function outputStatus(summary: ExecutionSummary): string | undefined {
  const output = summary.output as { status?: unknown } | undefined;
  return typeof output?.status === 'string' ? output.status : undefined;
}

// ---- start ------------------------------------------------------------------------------------

export async function startOffboarding(
  deps: OffboardingServiceDeps,
  request: StartOffboardingRequest,
): Promise<StartOffboardingResult> {
  const userName = checkUserName(request?.userName);
  const reason = checkReason(request.reason);
  const observationDays = checkObservationDays(deps.config, request.observationDays);
  if (request.requestedBy !== undefined && (typeof request.requestedBy !== 'string' || request.requestedBy.length === 0)) {
    throw new ValidationError('requestedBy must be a non-empty string');
  }
  const requestedBy = request.requestedBy ?? 'unknown';

  const user = await deps.iam.findUser(userName);
  if (!user) throw new UserNotFoundError(userName);
  assertExactSpelling(userName, user.userName);
  assertManaged(user, deps.config, deps.automationUserNames);

  const timing = offboardingTiming(deps.config, observationDays);
  const { found, nextName } = await offboardingAttempts(deps.workflows, userName, user.userId, deps.accountId);
  const latest = found.at(-1);
  if (latest?.summary.status === 'RUNNING') {
    // Same user, same intent: hand back the running one, unless the caller asked for another period.
    const runningDays = inputOf(latest.summary).observationDays;
    if (observationDays !== undefined && runningDays !== observationDays) {
      throw new WorkflowConflictError(
        `user ${userName} is already being offboarded (${latest.name}) with ` +
          `${runningDays === undefined ? 'the configured' : `a ${runningDays}-day`} observation period; cancel it first to change it`,
        latest.name,
      );
    }
    return {
      executionName: latest.name,
      executionArn: latest.summary.executionArn,
      started: false,
      existing: latest.summary,
      userId: user.userId,
      observationSeconds: timing.observationSeconds,
    };
  }
  if (latest) {
    const restore = (await restoreAttempts(deps.workflows, latest.name)).found.at(-1);
    if (restore?.summary.status === 'RUNNING') {
      throw new WorkflowConflictError(
        `a cancel is restoring user ${userName} (${restore.name}); start again once it has finished`,
        restore.name,
      );
    }
  }

  const input: OffboardRequest = {
    action: 'offboard',
    userName,
    userId: user.userId,
    reason,
    requestedBy,
    ...(observationDays !== undefined ? { observationDays } : {}),
    ...(request.approvalId !== undefined ? { approvalId: request.approvalId } : {}),
    ...accountField(deps),
  };
  const result = await deps.workflows.start('offboarding', nextName, input);
  return {
    executionName: nextName,
    executionArn: result.executionArn,
    started: result.started,
    ...(result.existing ? { existing: result.existing } : {}),
    userId: user.userId,
    observationSeconds: timing.observationSeconds,
  };
}

// ---- cancel -----------------------------------------------------------------------------------

/**
 * Stops the user's offboarding and starts the restore. Accepted only while the offboarding runs in
 * its disable or observation phase; refused for a failed, finished or refused one, and once
 * deletion has begun. Cancel and delete each claim the outcome with a write-once record, so exactly
 * one of them wins; the cancel record names the restore execution, and only that one may restore.
 * (A restore that failed may be started again: the offboarding was stopped by this cancel.)
 */
export async function cancelOffboarding(
  deps: OffboardingServiceDeps,
  userNameInput: string,
  options: CancelOffboardingOptions = {},
): Promise<CancelOffboardingResult> {
  const userName = checkUserName(userNameInput);
  const requestedBy = options.requestedBy ?? 'unknown';
  const reason = options.reason === undefined ? undefined : checkReason(options.reason);
  const clock = deps.clock ?? (() => new Date());

  const user = await deps.iam.findUser(userName);
  if (user) assertExactSpelling(userName, user.userName);
  if (!user) {
    const latest = await latestStatusRecord(deps, userName);
    if (latest?.phase === 'completed' || latest?.phase === 'deleting') {
      throw new WorkflowConflictError(
        `user ${userName} was deleted by offboarding ${latest.executionName}${latest.deletedAt ? ` at ${latest.deletedAt}` : ''}; there is nothing to cancel`,
        latest.executionName,
      );
    }
    throw new UserNotFoundError(userName);
  }

  const latest = (await offboardingAttempts(deps.workflows, userName, user.userId, deps.accountId)).found.at(-1);
  if (!latest) throw new WorkflowConflictError(`user ${userName} is not being offboarded; there is nothing to cancel`, '');
  const offboardingName = latest.name;
  if (latest.summary.status === 'SUCCEEDED' && outputStatus(latest.summary) === 'blocked') {
    throw new WorkflowConflictError(
      `offboarding ${offboardingName} was refused and changed nothing; there is nothing to cancel`,
      offboardingName,
    );
  }

  const restores = await restoreAttempts(deps.workflows, offboardingName);
  const done = restores.found.find((r) => r.summary.status === 'RUNNING' || r.summary.status === 'SUCCEEDED');
  if (done) {
    return { offboardingExecutionName: offboardingName, restoreExecutionName: done.name, started: false, existing: done.summary };
  }
  const keys = recordKeys(userName, offboardingName);
  if (latest.summary.status !== 'RUNNING') {
    const decision = await deps.records.get<DecisionRecord>(keys.decision);
    // ABORTED by an earlier cancel whose restore failed: the user must not stay disabled, try again.
    // Stopped by that cancel, or (the cancel's StopExecution never happened) ended by its own
    // decision check in StoppedByCancel: either way the restore is still owed.
    const cancelledEarlier =
      decision?.decision === 'cancel' &&
      (latest.summary.status === 'ABORTED' ||
        (latest.summary.status === 'SUCCEEDED' && outputStatus(latest.summary) !== 'completed'));
    if (!cancelledEarlier) {
      throw new WorkflowConflictError(
        `offboarding ${offboardingName} is ${latest.summary.status.toLowerCase()}, not in its disable or observation phase; ` +
          'only a running offboarding can be cancelled',
        offboardingName,
      );
    }
  } else {
    const status = await deps.records.get<StatusRecord>(keys.status);
    if (status?.phase === 'deleting' || status?.phase === 'completed') {
      throw new WorkflowConflictError(
        `user ${userName} is past observation: deletion began at ${status.deletingSince ?? status.updatedAt} (${offboardingName}); cancel is no longer possible`,
        offboardingName,
      );
    }
  }

  const claim = await deps.records.create<DecisionRecord>(keys.decision, {
    decision: 'cancel',
    at: clock().toISOString(),
    by: requestedBy,
    executionName: restores.nextName,
  });
  if (claim.value.decision === 'delete') {
    throw new WorkflowConflictError(
      `user ${userName} is past observation: deletion began at ${claim.value.at} (${offboardingName}); cancel is no longer possible`,
      offboardingName,
    );
  }
  if (latest.summary.status === 'RUNNING') {
    await deps.workflows.stop('offboarding', offboardingName, {
      error: 'OffboardingCancelled',
      cause: `cancel requested by ${requestedBy}; restoring the user (${restores.nextName})`,
    });
  }
  const input: RestoreRequest = {
    action: 'restore',
    userName,
    userId: user.userId,
    offboardingExecutionName: offboardingName,
    requestedBy,
    ...(reason ? { reason } : {}),
    ...accountField(deps),
  };
  const result = await deps.workflows.start('offboarding', restores.nextName, input);
  return {
    offboardingExecutionName: offboardingName,
    restoreExecutionName: restores.nextName,
    started: result.started,
    ...(result.existing ? { existing: result.existing } : {}),
  };
}

// ---- status -----------------------------------------------------------------------------------

/** The newest status record of a user (by start time), from the records in S3. */
async function latestStatusRecord(deps: OffboardingServiceDeps, userName: string): Promise<StatusRecord | undefined> {
  const names = await deps.records.listChildren(`${RECORDS_ROOT}${userName}/`);
  const statuses = await Promise.all(names.map((name) => deps.records.get<StatusRecord>(recordKeys(userName, name).status)));
  return statuses
    .filter((s): s is StatusRecord => s !== undefined)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .at(-1);
}

function phaseOf(
  summary: ExecutionSummary | undefined,
  status: StatusRecord | undefined,
  decision?: DecisionRecord,
): OffboardingPhase {
  if (!summary) return status?.phase === 'completed' ? 'completed' : status?.phase === 'cancelled' ? 'cancelled' : 'stopped';
  switch (summary.status) {
    case 'RUNNING':
      switch (status?.phase) {
        case undefined:
          return 'starting';
        case 'snapshotted':
          return 'disabling';
        case 'disabled':
          return 'disabled';
        case 'deleting':
          return 'deleting';
        case 'completed':
          return 'completed';
        case 'cancelled':
          return 'cancelled';
      }
      return 'starting';
    case 'SUCCEEDED': {
      const out = outputStatus(summary);
      if (out === 'blocked') return 'refused';
      if (out === 'completed') return 'completed';
      return 'cancelling';
    }
    case 'ABORTED':
      return decision?.decision === 'cancel' ? 'cancelling' : 'stopped';
    default:
      return 'failed';
  }
}

/**
 * Where the user's offboarding stands. Sources: the execution (running or how it ended), the status
 * and final records in S3 (timestamps, what was disabled, when deletion is due) and the user's tag.
 */
export async function offboardingStatus(deps: OffboardingServiceDeps, userNameInput: string): Promise<OffboardingStatus> {
  const userName = checkUserName(userNameInput);
  const user = await deps.iam.findUser(userName);
  if (user) assertExactSpelling(userName, user.userName);

  let executionName: string | undefined;
  let summary: ExecutionSummary | undefined;
  if (user) {
    const latest = (await offboardingAttempts(deps.workflows, userName, user.userId, deps.accountId)).found.at(-1);
    if (!latest) {
      return {
        userName,
        userExists: true,
        userId: user.userId,
        phase: 'not-offboarded',
        ...(user.tags[OFFBOARDING_TAG] ? { offboardingTag: user.tags[OFFBOARDING_TAG] } : {}),
      };
    }
    executionName = latest.name;
    summary = latest.summary;
  } else {
    const record = await latestStatusRecord(deps, userName);
    if (!record) throw new UserNotFoundError(userName);
    executionName = record.executionName;
    summary = await deps.workflows.describe('offboarding', executionName);
  }

  const keys = recordKeys(userName, executionName);
  const [status, decision, final] = await Promise.all([
    deps.records.get<StatusRecord>(keys.status),
    deps.records.get<DecisionRecord>(keys.decision),
    deps.records.get<FinalRecord>(keys.finalRecord),
  ]);
  const restore = (await restoreAttempts(deps.workflows, executionName)).found.at(-1);

  let phase = phaseOf(summary, status, decision);
  if (restore) {
    phase = restore.summary.status === 'RUNNING' ? 'cancelling' : restore.summary.status === 'SUCCEEDED' ? 'cancelled' : 'failed';
  } else if (final?.outcome === 'cancelled') {
    phase = 'cancelled';
  }
  const input = summary ? inputOf(summary) : {};
  const userId = user?.userId ?? status?.userId;
  const startedAt = status?.startedAt ?? summary?.startDate.toISOString();
  const reason = status?.reason ?? input.reason;
  const requestedBy = status?.requestedBy ?? input.requestedBy;
  const offboardingTag = user?.tags[OFFBOARDING_TAG];
  const cancelled = final?.outcome === 'cancelled' ? final : undefined;
  return {
    userName,
    userExists: user !== undefined,
    ...(userId ? { userId } : {}),
    phase,
    ...(offboardingTag ? { offboardingTag } : {}),
    executionName,
    ...(summary ? { executionStatus: summary.status } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(summary?.stopDate ? { stoppedAt: summary.stopDate.toISOString() } : {}),
    ...(reason ? { reason } : {}),
    ...(requestedBy ? { requestedBy } : {}),
    ...(status?.snapshotKey ? { snapshotKey: status.snapshotKey, snapshotTakenAt: status.snapshotTakenAt } : {}),
    ...(status?.disabledAt ? { disabledAt: status.disabledAt } : {}),
    ...(status?.deleteAfter ? { deleteAfter: status.deleteAfter } : {}),
    ...(status?.disabled ? { disabled: status.disabled } : {}),
    ...(status?.checks !== undefined ? { checks: status.checks } : {}),
    ...(status?.lastCheckAt ? { lastCheckAt: status.lastCheckAt } : {}),
    ...(status?.reenabledCount !== undefined ? { reenabledCount: status.reenabledCount } : {}),
    ...(status?.deletingSince ? { deletingSince: status.deletingSince } : {}),
    ...(final?.outcome === 'completed' ? { deletedAt: final.deletedAt } : {}),
    ...(final ? { finalRecordKey: keys.finalRecord } : {}),
    ...(restore || decision?.decision === 'cancel'
      ? {
          cancel: {
            restoreExecutionName: restore?.name ?? decision?.executionName ?? '',
            ...(restore ? { status: restore.summary.status } : {}),
            ...(decision?.decision === 'cancel' ? { requestedAt: decision.at, requestedBy: decision.by } : {}),
            ...(cancelled
              ? {
                  cancelledAt: cancelled.cancelledAt,
                  consolePasswordRestored: false as const,
                  notRestored: cancelled.notRestored,
                }
              : {}),
          },
        }
      : {}),
    ...(summary?.error || summary?.cause
      ? { error: { ...(summary.error ? { name: summary.error } : {}), ...(summary.cause ? { cause: summary.cause } : {}) } }
      : {}),
  };
}
