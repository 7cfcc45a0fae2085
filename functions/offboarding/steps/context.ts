/**
 * What the offboarding steps share: their dependencies, the execution input and state shapes, the
 * records they write, and the helpers every state-changing step runs first (execution guard, same
 * user, still managed). Each step lives in its own file next to this one; ../handlers assembles them.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LifecycleConfig } from '../../shared/config';
import { classifyError, ValidationError } from '../../shared/errors';
import type { ExecutionGuard } from '../../shared/execution-guard';
import type { IamUsers } from '../../shared/iam/users';
import type { IamUser } from '../../shared/iam/records';
import type { Notifier } from '../../shared/notifier';
import { redactSecretLikeValues } from '../../shared/redact';
import { assertManaged } from '../../shared/scope';
import type { SecretStore } from '../../shared/secret-store';
import type { RecordDigest, SnapshotStore } from '../../shared/snapshot-store';
import { requireString } from '../../shared/steps';
import { makeExecutionContext } from '../execution-context';
import type { ExecutionSummary, WorkflowPort } from '../../shared/workflows';
import type {
  CredentialState,
  DeactivatedIds,
  Finding,
  OffboardingTimingInput,
  RestoreAction,
  RestoreNote,
  SnapshotCounts,
  TeardownStep,
} from '../domain';
import type { ActivityCheck } from '../activity';
import { UserReplacedError } from '../errors';

/** The final record's account of the activity check (see ../activity). */
export interface ActivityRecord {
  readonly postponements: number;
  readonly maxPostponements: number;
  readonly lastActivityAt?: string;
  readonly checks: readonly ActivityCheck[];
}

/**
 * What every offboarding step but Notify calls. Only Snapshot and DeleteUser touch secrets: they
 * take {@link OffboardingDeps}, the others are built without a Secrets Manager client.
 */
export interface OffboardingStepDeps {
  readonly iam: IamUsers;
  readonly records: SnapshotStore;
  readonly notifier: Notifier;
  readonly config: LifecycleConfig;
  readonly clock: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The automation's own IAM user names: always protected. */
  readonly automationUserNames?: readonly string[];
  /**
   * ARN of the stack's customer managed deny policy (OFFBOARDING_DENY_POLICY_ARN); a getter where it
   * is created after the handlers (local runs create it in the emulator on `ready()`).
   */
  readonly denyPolicyArn: string | (() => string);
  /**
   * The workflows (a getter: locally the runner is built after the handlers). Used to confirm a
   * step runs in a live execution and to read what earlier steps returned from the history.
   */
  readonly workflows: () => WorkflowPort;
  /** @default a WorkflowExecutionGuard over `workflows` */
  readonly guard?: ExecutionGuard;
  /** Organization mode: the account the clients above act in (execution names carry it). */
  readonly accountId?: string;
}

/** Every step's dependencies (the local runner and the tests build all steps over these). */
export interface OffboardingDeps extends OffboardingStepDeps {
  readonly secrets: Pick<SecretStore, 'exists' | 'deleteSecret'>;
}

// ---- execution input and state --------------------------------------------------------------

/** Execution input of an offboarding (built by ../service). Durations are never part of it. */
export interface OffboardRequest {
  readonly action: 'offboard';
  readonly userName: string;
  /** The user's immutable id when the request was made; a re-created user is refused. */
  readonly userId?: string;
  readonly reason: string;
  readonly requestedBy?: string;
  /** Whole days within config.offboardingObservationDays.min/max; the configured default when absent. */
  readonly observationDays?: number;
  /** Under `offboardingApproval: "required"`: the approved request this offboarding carries out. */
  readonly approvalId?: string;
  /** Organization mode: the account the user lives in (12 digits). */
  readonly accountId?: string;
}

/** Execution input of a restore (cancel), built by ../service. */
export interface RestoreRequest {
  readonly action: 'restore';
  readonly userName: string;
  readonly userId: string;
  /** The offboarding execution being cancelled. */
  readonly offboardingExecutionName: string;
  readonly requestedBy?: string;
  readonly reason?: string;
  /** Organization mode: the account the user lives in (12 digits). */
  readonly accountId?: string;
}

/** Task input with the execution's name, id and start time from the context object. */
export interface WithContext<T> {
  readonly request: T;
  readonly executionName: string;
  readonly startedAt: string;
  readonly executionId?: string;
}

/** Input of a state-changing step: the state, and `$$.Execution.Id` for the execution guard. */
export interface StepInput {
  readonly state: OffboardingState;
  readonly executionId: string;
}

export type BlockCode =
  'unknown-user' | 'user-replaced' | 'protected-user' | 'out-of-scope' | 'approval-required' | 'unknown-execution-name';

export interface BlockedResult {
  readonly status: 'blocked';
  readonly action: 'offboard';
  readonly userName: string;
  readonly code: BlockCode;
  readonly reason: string;
}

export interface OffboardingState {
  readonly status: 'ready';
  readonly action: 'offboard';
  readonly userName: string;
  /** Organization mode: the account the user lives in. */
  readonly accountId?: string;
  readonly userId: string;
  readonly executionName: string;
  readonly startedAt: string;
  readonly reason: string;
  readonly requestedBy: string;
  /** Computed by Validate from the deployed config (steps recompute it; the history shows it). */
  readonly timing: OffboardingTimingInput;
  readonly snapshot?: SnapshotRef;
  readonly disable?: DisableResult;
  readonly observation?: ObservationState;
  readonly teardown?: TeardownResult;
}

/** Validate's answer to a restore: how long to wait for stopped steps, from the deployed config. */
export interface RestorePreparation {
  readonly status: 'ready';
  readonly settleSeconds: number;
}

export interface SnapshotRef extends RecordDigest {
  readonly key: string;
  readonly takenAt: string;
  /** true when an earlier attempt of this step had already stored it. */
  readonly reused: boolean;
  readonly counts: SnapshotCounts;
}

/** What Disable switched off (by id), and the deny policy it attached. */
export interface DisabledItems {
  readonly consolePasswordDeleted: boolean;
  /** Every credential of the user after Disable (all Inactive). */
  readonly accessKeyIds: readonly string[];
  readonly sshPublicKeyIds: readonly string[];
  readonly signingCertificateIds: readonly string[];
  readonly serviceSpecificCredentialIds: readonly string[];
  /** Exactly the ids this offboarding switched from Active to Inactive: what a cancel reactivates. */
  readonly deactivated: DeactivatedIds;
  readonly denyPolicyArn: string;
}

export interface DisableResult {
  readonly disabledAt: string;
  readonly deleteAfter: string;
  readonly firstCheckInSeconds: number;
  readonly disabled: DisabledItems;
  /** Whether the offboarding tags could be set (best effort: a user may already have 50 tags). */
  readonly tagged: boolean;
}

export interface ReenableEvent {
  readonly at: string;
  readonly findings: readonly Finding[];
}

/**
 * A re-enable the CloudTrail reactions (functions/reactions) undid within seconds of the event,
 * recorded under `<records prefix>reenabled/<eventID>.json`; the final record lists them.
 */
export interface ReactedReenable {
  readonly at: string;
  readonly eventID: string;
  readonly eventName: string;
  readonly eventTime: string;
  /** The CloudTrail userIdentity of who did it (type, ARN, principal, session issuer, source IP). */
  readonly by: Readonly<Record<string, string>>;
  readonly findings: readonly Finding[];
  readonly disabledAgain: boolean;
}

/** Where those records live, next to the offboarding's other records. */
export const REACTED_REENABLE_FOLDER = 'reenabled/';

export interface ObservationState {
  readonly deleteAfter: string;
  readonly checks: number;
  readonly nextCheckInSeconds: number;
  readonly due: boolean;
  readonly reenabledCount: number;
  readonly lastCheckAt?: string;
  /** The latest re-enables (at most 10 are carried, to keep the state small). */
  readonly reenabled?: readonly ReenableEvent[];
  /** Set when the user vanished (or the name was re-used by another user) during observation. */
  readonly userGone?: 'deleted' | 'replaced';
}

export interface TeardownResult extends RecordDigest {
  readonly deletedAt: string;
  readonly finalRecordKey: string;
  readonly removed: Readonly<Record<string, number>>;
  readonly userAlreadyGone: boolean;
  readonly userReplaced: boolean;
}

export interface RestoreResult extends RecordDigest {
  readonly cancelledAt: string;
  readonly finalRecordKey: string;
  readonly snapshotFound: boolean;
  readonly actions: number;
  readonly notes: readonly RestoreNote['kind'][];
  readonly consolePasswordRestored: boolean | 'not-applicable';
}

/** status.json next to the snapshot: the latest phase, for the status API. Overwritten (versioned). */
export interface StatusRecord {
  readonly phase: 'snapshotted' | 'disabled' | 'deleting' | 'completed' | 'cancelled';
  readonly updatedAt: string;
  readonly userName: string;
  readonly userId: string;
  readonly executionName: string;
  readonly startedAt: string;
  readonly reason: string;
  readonly requestedBy: string;
  readonly snapshotKey?: string;
  readonly snapshotTakenAt?: string;
  readonly disabledAt?: string;
  readonly deleteAfter?: string;
  readonly disabled?: DisabledItems;
  readonly checks?: number;
  readonly lastCheckAt?: string;
  readonly reenabledCount?: number;
  readonly reenabled?: readonly ReenableEvent[];
  readonly deletingSince?: string;
  readonly deletedAt?: string;
  readonly finalRecordKey?: string;
  readonly cancelledAt?: string;
  readonly restoreExecutionName?: string;
}

/** decision.json: written once, by whichever of "delete" (end of observation) and "cancel" is first. */
export interface DecisionRecord {
  readonly decision: 'delete' | 'cancel';
  readonly at: string;
  readonly by: string;
  /** For "cancel": the restore execution the service started (only that one may restore). */
  readonly executionName: string;
}

export interface StepOutcome {
  readonly op: string;
  readonly id?: string;
  readonly result: 'removed' | 'already-gone' | 'scheduled-for-deletion';
}

export interface CompletedRecord {
  readonly outcome: 'completed';
  readonly userName: string;
  readonly userId: string;
  readonly executionName: string;
  readonly startedAt: string;
  readonly reason: string;
  readonly requestedBy: string;
  readonly snapshotKey?: string;
  readonly disabledAt?: string;
  readonly deleteAfter?: string;
  readonly deletedAt: string;
  readonly reenabledCount: number;
  /** Re-enables the CloudTrail reactions undid (who, when, what), when there were any. */
  readonly reenabledByReactions?: readonly ReactedReenable[];
  /** What the activity check before deletion looked up, found and decided (issue 10), check by check. */
  readonly activityBeforeDeletion?: ActivityRecord;
  /** Everything there was to remove when deletion began (the first attempt's plan). */
  readonly removed: readonly TeardownStep[];
  /** What the attempt that finished did (earlier attempts may have removed the rest). */
  readonly lastAttempt: readonly StepOutcome[];
  readonly userAlreadyGone: boolean;
  readonly userReplaced: boolean;
}

export interface CancelledRecord {
  readonly outcome: 'cancelled';
  readonly userName: string;
  readonly userId: string;
  readonly executionName: string;
  readonly restoreExecutionName: string;
  readonly cancelledAt: string;
  readonly requestedBy: string;
  readonly reason?: string;
  readonly snapshotKey: string;
  readonly snapshotFound: boolean;
  /** Where the reactivated ids came from: Disable's recorded output, or the verified snapshot. */
  readonly deactivatedFrom: 'disable-output' | 'snapshot' | 'none';
  readonly restored: readonly RestoreAction[];
  /** Anything the cancel could not do, and what changed during observation (reported, not reverted). */
  readonly notRestored: readonly RestoreNote[];
  readonly consolePassword: { readonly existedBefore: boolean; readonly restored: false; readonly note?: string };
}

export type FinalRecord = CompletedRecord | CancelledRecord;

// ---- checks -----------------------------------------------------------------------------------

// checkReason, checkUserName and checkRequestedBy live in ../requests (the API checks requests
// without bundling any step); re-exported here for the steps.
export { checkReason, checkRequestedBy, checkUserName } from '../requests';

export function requireState(state: OffboardingState | undefined, stepName: string): OffboardingState {
  if (state?.status !== 'ready') throw new ValidationError(`${stepName} needs the state of a validated offboarding`);
  requireString(state.userName, 'userName');
  requireString(state.userId, 'userId');
  requireString(state.executionName, 'executionName');
  return state;
}

// ---- the shared context -----------------------------------------------------------------------

export type StepContext<D extends OffboardingStepDeps = OffboardingDeps> = ReturnType<typeof makeStepContext<D>>;

export { stepRunner, type StepRunner } from '../execution-context';

export function makeStepContext<D extends OffboardingStepDeps = OffboardingDeps>(deps: D) {
  const { iam, config, logger } = deps;
  /** The deny policy's ARN; a step refuses to run without one. */
  function denyPolicyArn(): string {
    const arn = typeof deps.denyPolicyArn === 'function' ? deps.denyPolicyArn() : deps.denyPolicyArn;
    if (!arn || !/^arn:[\w-]+:iam::\d{12}:policy\//.test(arn)) {
      throw new ValidationError('the offboarding deny policy ARN is not configured (OFFBOARDING_DENY_POLICY_ARN)');
    }
    return arn;
  }
  const { guard, step, live, timingOf, recorded } = makeExecutionContext(deps);

  /** The user, only if it is still the one the workflow started with. */
  async function sameUser(userName: string, userId: string): Promise<IamUser> {
    const user = await iam.getUser(userName);
    if (user.userId !== userId) throw new UserReplacedError(userName, userId, user.userId);
    return user;
  }

  /** Same user, and still managed and unprotected (it may have been tagged protected meanwhile). */
  async function managedSameUser(userName: string, userId: string): Promise<IamUser> {
    const user = await sameUser(userName, userId);
    assertManaged(user, config, deps.automationUserNames);
    return user;
  }

  async function readCredentialState(userName: string): Promise<CredentialState> {
    const [loginProfile, accessKeys, sshPublicKeys, signingCertificates, serviceSpecificCredentials, attached] =
      await Promise.all([
        iam.getLoginProfile(userName),
        iam.listAccessKeys(userName),
        iam.listSshPublicKeys(userName),
        iam.listSigningCertificates(userName),
        iam.listServiceSpecificCredentials(userName),
        iam.listAttachedPolicies(userName),
      ]);
    return {
      ...(loginProfile ? { loginProfile } : {}),
      accessKeys,
      sshPublicKeys,
      signingCertificates,
      serviceSpecificCredentials,
      denyPolicyAttached: attached.some((p) => p.policyArn === denyPolicyArn()),
    };
  }

  /** Tags help people in the console; a user with 50 tags must not block the offboarding. */
  async function tagBestEffort(userName: string, tags: Record<string, string>): Promise<boolean> {
    try {
      await iam.tagUser(userName, tags);
      return true;
    } catch (error) {
      const classified = classifyError(error);
      logger.warn('could not tag the user; going on without the offboarding tags', {
        userName,
        errorName: classified.name,
        errorMessage: redactSecretLikeValues(classified.message),
      });
      return false;
    }
  }

  function baseStatus(state: OffboardingState) {
    return {
      updatedAt: deps.clock().toISOString(),
      userName: state.userName,
      userId: state.userId,
      executionName: state.executionName,
      startedAt: state.startedAt,
      reason: state.reason,
      requestedBy: state.requestedBy,
      ...(state.snapshot ? { snapshotKey: state.snapshot.key, snapshotTakenAt: state.snapshot.takenAt } : {}),
      ...(state.disable
        ? { disabledAt: state.disable.disabledAt, deleteAfter: state.disable.deleteAfter, disabled: state.disable.disabled }
        : {}),
      ...(state.observation
        ? {
            checks: state.observation.checks,
            reenabledCount: state.observation.reenabledCount,
            ...(state.observation.lastCheckAt ? { lastCheckAt: state.observation.lastCheckAt } : {}),
            ...(state.observation.reenabled ? { reenabled: state.observation.reenabled } : {}),
          }
        : {}),
    };
  }

  /** Object Lock retention of a final record written now (none when configured to 0). */
  function finalRecordRetention(): { retainUntil?: Date } {
    const days = config.finalRecordRetentionDays;
    return days > 0 ? { retainUntil: new Date(deps.clock().getTime() + days * 86_400_000) } : {};
  }

  return {
    deps,
    denyPolicyArn,
    step,
    sameUser,
    managedSameUser,
    live,
    timingOf,
    recorded,
    readCredentialState,
    tagBestEffort,
    baseStatus,
    finalRecordRetention,
    guard,
  };
}

export type { ExecutionSummary };
