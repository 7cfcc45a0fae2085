/**
 * The offboarding workflow's steps (statemachines/offboarding.asl.json). Each is a thin function
 * over the rules in ./domain with its AWS adapters, notifier and clock injected; ./lambda wires them
 * to the deployed Lambdas and tests bind the same functions to the Task states locally.
 *
 * Every step is idempotent: it reads what is there now and does only what is missing, so a retry
 * after a crash at any point converges. What flows between steps (the execution history) holds user
 * names, ids, dates and counts; the full snapshot stays in S3 and no secret ever passes through.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { secretNameFor, type LifecycleConfig } from '../shared/config';
import { classifyError, ValidationError, WorkflowConflictError } from '../shared/errors';
import { failureFields, requireString, runStep } from '../shared/steps';
import type { IamUser, IamUserAdmin } from '../shared/iam-user-admin';
import {
  containsSecretLikeValue,
  redactSecretLikeValues,
  type Notification,
  type NotificationType,
  type Notifier,
} from '../shared/notifier';
import { assertManaged, decideScope } from '../shared/scope';
import type { SecretStore } from '../shared/secret-store';
import type { SnapshotStore } from '../shared/snapshot-store';
import {
  checkOffboardingTiming,
  checkRestoreTiming,
  CONSOLE_PASSWORD_NOTE,
  countSnapshot,
  countTeardown,
  DENY_POLICY_NAME,
  denyPolicyDocument,
  describeFinding,
  isValidUserName,
  OFFBOARDING_TAG,
  OFFBOARDING_TAG_KEYS,
  offboardingTags,
  planRestore,
  planTeardown,
  recordKeys,
  scheduleObservation,
  usableCredentials,
  type CredentialState,
  type Finding,
  type OffboardingTimingInput,
  type RestoreAction,
  type RestoreNote,
  type RestoreTiming,
  type SnapshotCounts,
  type TeardownStep,
  type UserSnapshot,
} from './domain';
import { OffboardingCancelledError, UserReplacedError } from './errors';

export const OFFBOARDING_ASL_FILE = 'offboarding.asl.json';

export interface OffboardingDeps {
  readonly iam: IamUserAdmin;
  readonly records: SnapshotStore;
  readonly secrets: Pick<SecretStore, 'exists' | 'deleteSecret'>;
  readonly notifier: Notifier;
  readonly config: LifecycleConfig;
  readonly clock: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The automation's own IAM user names: always protected. */
  readonly automationUserNames?: readonly string[];
}

// ---- execution input and state --------------------------------------------------------------

/** Execution input of an offboarding (built by ./service). */
export interface OffboardRequest {
  readonly action: 'offboard';
  readonly userName: string;
  /** The user's immutable id when the request was made; a re-created user is refused. */
  readonly userId?: string;
  readonly reason: string;
  readonly requestedBy?: string;
  readonly observationDays?: number;
  readonly timing: OffboardingTimingInput;
}

/** Execution input of a restore (cancel), built by ./service. */
export interface RestoreRequest {
  readonly action: 'restore';
  readonly userName: string;
  readonly userId: string;
  /** The offboarding execution being cancelled: its records hold the snapshot. */
  readonly offboardingExecutionName: string;
  readonly requestedBy?: string;
  readonly reason?: string;
  readonly timing: RestoreTiming;
}

/** Task input with the execution's name and start time from the context object. */
export interface WithContext<T> {
  readonly request: T;
  readonly executionName: string;
  readonly startedAt: string;
}

export type BlockCode = 'unknown-user' | 'user-replaced' | 'protected-user' | 'out-of-scope';

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
  readonly userId: string;
  readonly executionName: string;
  readonly startedAt: string;
  readonly reason: string;
  readonly requestedBy: string;
  readonly timing: OffboardingTimingInput;
  readonly snapshot?: SnapshotRef;
  readonly disable?: DisableResult;
  readonly observation?: ObservationState;
  readonly teardown?: TeardownResult;
}

export interface SnapshotRef {
  readonly key: string;
  readonly takenAt: string;
  /** true when an earlier attempt of this step had already stored it. */
  readonly reused: boolean;
  readonly counts: SnapshotCounts;
}

/** Which credentials are off after Disable (all of the user's, by id) and the deny policy's cut-off. */
export interface DisabledItems {
  readonly consolePasswordDeleted: boolean;
  readonly accessKeyIds: readonly string[];
  readonly sshPublicKeyIds: readonly string[];
  readonly signingCertificateIds: readonly string[];
  readonly serviceSpecificCredentialIds: readonly string[];
  readonly denyPolicyName: string;
  /** Temporary credentials issued before this time are denied. */
  readonly sessionsIssuedBefore: string;
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

export interface TeardownResult {
  readonly deletedAt: string;
  readonly finalRecordKey: string;
  readonly removed: Readonly<Record<string, number>>;
  readonly userAlreadyGone: boolean;
  readonly userReplaced: boolean;
}

export interface RestoreResult {
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
  readonly restored: readonly RestoreAction[];
  readonly notRestored: readonly RestoreNote[];
  readonly consolePassword: { readonly existedBefore: boolean; readonly restored: false; readonly note?: string };
}

export type FinalRecord = CompletedRecord | CancelledRecord;

// ---- helpers ----------------------------------------------------------------------------------

/** A reason is free text that goes into notifications and history, so it is bounded and checked. */
export function checkReason(value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw new ValidationError('reason is required');
  if (value.length > 1000) throw new ValidationError('reason must be at most 1000 characters');
  if (containsSecretLikeValue(value)) throw new ValidationError('reason contains something that looks like a secret key');
  return value.trim();
}

export function checkUserName(value: unknown): string {
  if (!isValidUserName(value)) {
    throw new ValidationError('userName must be an IAM user name (1-64 of A-Z a-z 0-9 + = , . @ _ -)');
  }
  return value;
}

function checkRequestedBy(value: unknown): string {
  if (value === undefined) return 'unknown';
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new ValidationError('requestedBy must be a string of 1-256 characters');
  }
  return value;
}

function isSecretScheduledForDeletion(error: unknown): boolean {
  const e = error as Error | undefined;
  return e?.name === 'InvalidRequestException' && /marked (for )?delet/i.test(e.message);
}

const NOTIFY_TYPES = new Set<NotificationType>(['offboarding.failed']);

// ---- the steps --------------------------------------------------------------------------------

export function makeOffboardingHandlers(deps: OffboardingDeps) {
  const { iam, records, secrets, notifier, config, clock, logger } = deps;

  const step = <T>(name: string, fn: () => Promise<T>) => runStep(logger, `offboarding step ${name}`, fn);

  /** The user, only if it is still the one the workflow started with. */
  async function sameUser(userName: string, userId: string): Promise<IamUser> {
    const user = await iam.getUser(userName);
    if (user.userId !== userId) throw new UserReplacedError(userName, userId, user.userId);
    return user;
  }

  async function readCredentialState(userName: string): Promise<CredentialState> {
    const [loginProfile, accessKeys, sshPublicKeys, signingCertificates, serviceSpecificCredentials, deny] = await Promise.all([
      iam.getLoginProfile(userName),
      iam.listAccessKeys(userName),
      iam.listSshPublicKeys(userName),
      iam.listSigningCertificates(userName),
      iam.listServiceSpecificCredentials(userName),
      iam.getInlinePolicy(userName, DENY_POLICY_NAME),
    ]);
    return {
      ...(loginProfile ? { loginProfile } : {}),
      accessKeys,
      sshPublicKeys,
      signingCertificates,
      serviceSpecificCredentials,
      ...(deny !== undefined ? { denyPolicyDocument: deny } : {}),
    };
  }

  /**
   * Switches off everything usable. The deny policy goes first: it cuts off live sessions at once.
   * Each action is attempted even if an earlier one failed (a failed deny policy must not keep keys
   * active); the first failure is thrown at the end, and a retry redoes whatever is still on.
   */
  async function switchOff(userName: string, state: CredentialState, disabledAt: Date): Promise<void> {
    const failures: unknown[] = [];
    const attempt = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        failures.push(error);
      }
    };
    await attempt(() => iam.putInlinePolicy(userName, DENY_POLICY_NAME, denyPolicyDocument(disabledAt)));
    for (const finding of usableCredentials(state)) {
      const id = finding.id ?? '';
      switch (finding.kind) {
        case 'login-profile':
          await attempt(() => iam.deleteLoginProfile(userName));
          break;
        case 'access-key':
          await attempt(() => iam.setAccessKeyStatus(userName, id, 'Inactive'));
          break;
        case 'ssh-public-key':
          await attempt(() => iam.setSshPublicKeyStatus(userName, id, 'Inactive'));
          break;
        case 'signing-certificate':
          await attempt(() => iam.setSigningCertificateStatus(userName, id, 'Inactive'));
          break;
        case 'service-specific-credential':
          await attempt(() => iam.setServiceCredentialStatus(userName, id, 'Inactive'));
          break;
        case 'deny-policy':
          break; // put above, unconditionally, with the new cut-off time
      }
    }
    if (failures.length > 0) throw failures[0];
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
      updatedAt: clock().toISOString(),
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

  function requireState(state: OffboardingState, stepName: string): OffboardingState {
    if (state?.status !== 'ready') throw new ValidationError(`${stepName} needs the state of a validated offboarding`);
    requireString(state.userName, 'userName');
    requireString(state.userId, 'userId');
    requireString(state.executionName, 'executionName');
    return state;
  }

  // 1. Validate ------------------------------------------------------------------------------

  async function validate(input: WithContext<OffboardRequest>): Promise<OffboardingState | BlockedResult> {
    return step('validate', async () => {
      const request = input?.request;
      const userName = checkUserName(request?.userName);
      const reason = checkReason(request.reason);
      const requestedBy = checkRequestedBy(request.requestedBy);
      const timing = checkOffboardingTiming(request.timing);
      const executionName = requireString(input.executionName, 'executionName');
      const startedAt = new Date(requireString(input.startedAt, 'startedAt')).toISOString();

      const blocked = async (code: BlockCode, why: string): Promise<BlockedResult> => {
        logger.warn('offboarding refused', { userName, code, reason: why });
        await notifier.publish({ type: 'offboarding.blocked', userName, code, reason: why, executionName });
        return { status: 'blocked', action: 'offboard', userName, code, reason: why };
      };

      const user = await iam.findUser(userName);
      if (!user) return blocked('unknown-user', `user ${userName} does not exist`);
      if (request.userId !== undefined && request.userId !== user.userId) {
        return blocked('user-replaced', `user ${userName} was re-created after the request (id ${request.userId} is gone)`);
      }
      const scope = decideScope(user, config, deps.automationUserNames);
      if (scope.kind === 'protected') return blocked('protected-user', `user ${userName} is protected (${scope.why})`);
      if (scope.kind === 'out-of-scope') return blocked('out-of-scope', `user ${userName} is not managed (${scope.why})`);

      logger.info('offboarding validated', { userName, userId: user.userId, executionName });
      return {
        status: 'ready',
        action: 'offboard',
        userName,
        userId: user.userId,
        executionName,
        startedAt,
        reason,
        requestedBy,
        timing,
      };
    });
  }

  // 2. Snapshot ------------------------------------------------------------------------------

  async function snapshot(input: OffboardingState): Promise<SnapshotRef> {
    return step('snapshot', async () => {
      const state = requireState(input, 'snapshot');
      const { userName, executionName } = state;
      const keys = recordKeys(userName, executionName);
      // A retry must not re-read a user an earlier attempt may already have started to change.
      let stored = await records.get<UserSnapshot>(keys.snapshot);
      const reused = stored !== undefined;
      if (!stored) {
        const inventory = await iam.inventory(userName, {
          policyDocuments: true,
          accessKeyLastUsed: true,
          publicKeyBodies: true,
        });
        if (inventory.user.userId !== state.userId) throw new UserReplacedError(userName, state.userId, inventory.user.userId);
        const secretName = secretNameFor(config, userName);
        const prior = inventory.user.tags[OFFBOARDING_TAG];
        const snap: UserSnapshot = {
          schemaVersion: 1,
          takenAt: clock().toISOString(),
          executionName,
          reason: state.reason,
          requestedBy: state.requestedBy,
          ...inventory,
          secret: { name: secretName, exists: await secrets.exists(secretName) },
          ...(prior ? { priorOffboardingState: prior } : {}),
        };
        stored = (await records.create(keys.snapshot, snap)).value;
      }
      const ref: SnapshotRef = { key: keys.snapshot, takenAt: stored.takenAt, reused, counts: countSnapshot(stored) };
      await records.put(keys.status, {
        ...baseStatus({ ...state, snapshot: ref }),
        phase: 'snapshotted',
      } satisfies StatusRecord);
      await notifier.publish({
        type: 'offboarding.started',
        userName,
        executionName,
        reason: state.reason,
        requestedBy: state.requestedBy,
        observationSeconds: state.timing.observationSeconds,
        snapshot: ref.counts,
      });
      logger.info('snapshot stored', { userName, executionName, reused });
      return ref;
    });
  }

  // 3. Disable -------------------------------------------------------------------------------

  async function disable(input: OffboardingState): Promise<DisableResult> {
    return step('disable', async () => {
      const state = requireState(input, 'disable');
      const { userName, executionName } = state;
      if (!state.snapshot) throw new ValidationError('disable needs the snapshot: nothing is changed before it is stored');
      const keys = recordKeys(userName, executionName);
      const decision = await records.get<DecisionRecord>(keys.decision);
      if (decision?.decision === 'cancel') throw new OffboardingCancelledError(userName, executionName);
      await sameUser(userName, state.userId);

      const now = clock();
      const deleteAfter = new Date(now.getTime() + state.timing.observationSeconds * 1000);
      await switchOff(userName, await readCredentialState(userName), now);
      const after = await readCredentialState(userName);
      const stillOn = usableCredentials(after);
      if (stillOn.length > 0) {
        // Someone switched something on between our calls; the retry (or the first check) catches it.
        logger.warn('credentials changed while disabling', { userName, findings: stillOn.map(describeFinding) });
      }
      const disabled: DisabledItems = {
        consolePasswordDeleted: state.snapshot.counts.consolePassword,
        accessKeyIds: after.accessKeys.map((k) => k.accessKeyId),
        sshPublicKeyIds: after.sshPublicKeys.map((k) => k.sshPublicKeyId),
        signingCertificateIds: after.signingCertificates.map((c) => c.certificateId),
        serviceSpecificCredentialIds: after.serviceSpecificCredentials.map((c) => c.serviceSpecificCredentialId),
        denyPolicyName: DENY_POLICY_NAME,
        sessionsIssuedBefore: now.toISOString(),
      };
      const tagged = await tagBestEffort(userName, offboardingTags('disabled', executionName, deleteAfter.toISOString()));
      const result: DisableResult = {
        disabledAt: now.toISOString(),
        deleteAfter: deleteAfter.toISOString(),
        firstCheckInSeconds: scheduleObservation(now, deleteAfter, state.timing.checkIntervalSeconds).nextCheckInSeconds || 1,
        disabled,
        tagged,
      };
      await records.put(keys.status, { ...baseStatus({ ...state, disable: result }), phase: 'disabled' } satisfies StatusRecord);
      await notifier.publish({
        type: 'offboarding.disabled',
        userName,
        executionName,
        disabledAt: result.disabledAt,
        deleteAfter: result.deleteAfter,
        consolePasswordDeleted: disabled.consolePasswordDeleted,
        accessKeyIds: disabled.accessKeyIds,
        sshPublicKeyIds: disabled.sshPublicKeyIds,
        signingCertificateIds: disabled.signingCertificateIds,
        serviceSpecificCredentialIds: disabled.serviceSpecificCredentialIds,
        denyPolicy: DENY_POLICY_NAME,
      });
      logger.info('user disabled', { userName, executionName, deleteAfter: result.deleteAfter });
      return result;
    });
  }

  // 4. Observe -------------------------------------------------------------------------------

  async function checkStillDisabled(input: OffboardingState): Promise<ObservationState> {
    return step('checkStillDisabled', async () => {
      const state = requireState(input, 'checkStillDisabled');
      const previous = state.observation;
      if (!previous || !state.disable) throw new ValidationError('checkStillDisabled needs the disable result');
      const { userName, executionName } = state;
      const now = clock();
      const deleteAfter = new Date(previous.deleteAfter);
      const base = {
        deleteAfter: previous.deleteAfter,
        checks: previous.checks + 1,
        lastCheckAt: now.toISOString(),
        reenabledCount: previous.reenabledCount,
        ...(previous.reenabled ? { reenabled: previous.reenabled } : {}),
      };

      const user = await iam.findUser(userName);
      if (!user || user.userId !== state.userId) {
        // Gone outside the workflow: nothing left to watch; DeleteUser records it and removes the secret.
        const userGone = user ? 'replaced' : 'deleted';
        logger.warn('user vanished during observation', { userName, executionName, userGone });
        return { ...base, due: true, nextCheckInSeconds: 0, userGone };
      }

      const current = await readCredentialState(userName);
      const findings = usableCredentials(current);
      let observation: ObservationState = { ...base, due: false, nextCheckInSeconds: 0 };
      if (findings.length > 0) {
        // The new cut-off time also revokes sessions issued while something was re-enabled.
        await switchOff(userName, current, now);
        const event: ReenableEvent = { at: now.toISOString(), findings };
        observation = {
          ...observation,
          reenabledCount: previous.reenabledCount + 1,
          reenabled: [...(previous.reenabled ?? []), event].slice(-10),
        };
        await notifier.publish({
          type: 'offboarding.reenabled',
          userName,
          executionName,
          findings: findings.map(describeFinding),
          disabledAgainAt: now.toISOString(),
          deleteAfter: previous.deleteAfter,
        });
        logger.warn('re-enabled credentials disabled again', {
          userName,
          executionName,
          findings: findings.map(describeFinding),
        });
      }
      const tagsMissing = OFFBOARDING_TAG_KEYS.some((key) => !(key in user.tags));
      if (tagsMissing) await tagBestEffort(userName, offboardingTags('disabled', executionName, previous.deleteAfter));

      const schedule = scheduleObservation(now, deleteAfter, state.timing.checkIntervalSeconds);
      observation = { ...observation, due: schedule.due, nextCheckInSeconds: schedule.nextCheckInSeconds };
      await records.put(recordKeys(userName, executionName).status, {
        ...baseStatus({ ...state, observation }),
        phase: 'disabled',
      } satisfies StatusRecord);
      return observation;
    });
  }

  // 5. Delete --------------------------------------------------------------------------------

  async function runTeardownStep(userName: string, s: TeardownStep): Promise<StepOutcome> {
    const done = (changed: boolean): StepOutcome => ({
      op: s.op,
      ...('id' in s ? { id: s.id } : {}),
      result: changed ? 'removed' : 'already-gone',
    });
    switch (s.op) {
      case 'DeleteLoginProfile':
        return done(await iam.deleteLoginProfile(userName));
      case 'DeleteAccessKey':
        return done(await iam.deleteAccessKey(userName, s.id));
      case 'DeleteSigningCertificate':
        return done(await iam.deleteSigningCertificate(userName, s.id));
      case 'DeleteSSHPublicKey':
        return done(await iam.deleteSshPublicKey(userName, s.id));
      case 'DeleteServiceSpecificCredential':
        return done(await iam.deleteServiceCredential(userName, s.id));
      case 'DeactivateMFADevice':
        return done(await iam.deactivateMfaDevice(userName, s.id));
      case 'DeleteVirtualMFADevice':
        return done(await iam.deleteVirtualMfaDevice(s.id));
      case 'DeleteUserPolicy':
        return done(await iam.deleteInlinePolicy(userName, s.id));
      case 'DetachUserPolicy':
        return done(await iam.detachPolicy(userName, s.id));
      case 'RemoveUserFromGroup':
        return done(await iam.removeFromGroup(userName, s.id));
      case 'DeleteUserPermissionsBoundary':
        return done(await iam.deletePermissionsBoundary(userName));
      case 'DeleteSecret':
        try {
          return done(await secrets.deleteSecret(s.id));
        } catch (error) {
          // An earlier attempt already scheduled it for deletion.
          if (isSecretScheduledForDeletion(error)) return { op: s.op, id: s.id, result: 'scheduled-for-deletion' };
          throw error;
        }
      case 'DeleteUser':
        return done(await iam.deleteUser(userName));
    }
  }

  async function deleteUser(input: OffboardingState): Promise<TeardownResult> {
    return step('deleteUser', async () => {
      const state = requireState(input, 'deleteUser');
      const { userName, executionName } = state;
      const keys = recordKeys(userName, executionName);
      // Claim the outcome before touching anything: if a cancel got there first, stop here.
      const claim = await records.create<DecisionRecord>(keys.decision, {
        decision: 'delete',
        at: clock().toISOString(),
        by: 'observation-ended',
        executionName,
      });
      if (claim.value.decision === 'cancel') throw new OffboardingCancelledError(userName, executionName);
      await records.put(keys.status, {
        ...baseStatus(state),
        phase: 'deleting',
        deletingSince: claim.value.at,
      } satisfies StatusRecord);

      const secretName = secretNameFor(config, userName);
      const user = await iam.findUser(userName);
      const userReplaced = user !== undefined && user.userId !== state.userId;
      let plan: TeardownStep[];
      if (!user) {
        // Deleted by an earlier attempt or by someone else: only our secret can be left.
        plan = [{ op: 'DeleteSecret', id: secretName }];
      } else if (userReplaced) {
        // The name now belongs to another user: touch nothing of it, not even the secret of that name.
        logger.warn('user was replaced before deletion; leaving the new user alone', { userName, executionName });
        plan = [];
      } else {
        await tagBestEffort(userName, offboardingTags('deleting', executionName, state.disable?.deleteAfter ?? ''));
        plan = planTeardown(await iam.inventory(userName), secretName);
      }
      const firstPlan = (await records.create(keys.teardownPlan, { plannedAt: clock().toISOString(), steps: plan })).value;

      const outcomes: StepOutcome[] = [];
      for (const s of plan) outcomes.push(await runTeardownStep(userName, s));

      const deletedAt = clock().toISOString();
      const record: CompletedRecord = {
        outcome: 'completed',
        userName,
        userId: state.userId,
        executionName,
        startedAt: state.startedAt,
        reason: state.reason,
        requestedBy: state.requestedBy,
        ...(state.snapshot ? { snapshotKey: state.snapshot.key } : {}),
        ...(state.disable ? { disabledAt: state.disable.disabledAt, deleteAfter: state.disable.deleteAfter } : {}),
        deletedAt,
        reenabledCount: state.observation?.reenabledCount ?? 0,
        removed: firstPlan.steps,
        lastAttempt: outcomes,
        userAlreadyGone: !user,
        userReplaced,
      };
      // The first complete record wins: a retry after it was written keeps the original.
      const final = (await records.create<FinalRecord>(keys.finalRecord, record)).value;
      await records.put(keys.status, {
        ...baseStatus(state),
        phase: 'completed',
        deletingSince: claim.value.at,
        deletedAt: final.outcome === 'completed' ? final.deletedAt : deletedAt,
        finalRecordKey: keys.finalRecord,
      } satisfies StatusRecord);
      const removed = countTeardown(firstPlan.steps);
      await notifier.publish({
        type: 'offboarding.completed',
        userName,
        executionName,
        deletedAt,
        removed,
        userAlreadyGone: !user,
        userReplaced,
      });
      logger.info('user deleted', { userName, executionName, removed });
      return { deletedAt, finalRecordKey: keys.finalRecord, removed, userAlreadyGone: !user, userReplaced };
    });
  }

  // 6. Restore (cancel) ----------------------------------------------------------------------

  async function applyRestore(userName: string, action: RestoreAction): Promise<void> {
    switch (action.op) {
      case 'put-inline-policy':
        return iam.putInlinePolicy(userName, action.policyName, action.document);
      case 'attach-policy':
        return iam.attachPolicy(userName, action.policyArn);
      case 'add-to-group':
        return iam.addToGroup(userName, action.groupName);
      case 'put-permissions-boundary':
        return iam.putPermissionsBoundary(userName, action.policyArn);
      case 'set-status':
        switch (action.kind) {
          case 'access-key':
            await iam.setAccessKeyStatus(userName, action.id, action.status);
            return;
          case 'ssh-public-key':
            await iam.setSshPublicKeyStatus(userName, action.id, action.status);
            return;
          case 'signing-certificate':
            await iam.setSigningCertificateStatus(userName, action.id, action.status);
            return;
          case 'service-specific-credential':
            await iam.setServiceCredentialStatus(userName, action.id, action.status);
            return;
        }
        return;
      case 'delete-deny-policy':
        await iam.deleteInlinePolicy(userName, DENY_POLICY_NAME);
        return;
      case 'tag':
        return iam.tagUser(userName, action.tags);
      case 'untag':
        await iam.untagUser(userName, action.keys);
        return;
    }
  }

  async function restore(input: WithContext<RestoreRequest>): Promise<RestoreResult> {
    return step('restore', async () => {
      const request = input?.request;
      const userName = checkUserName(request?.userName);
      const userId = requireString(request.userId, 'userId');
      const offboardingName = requireString(request.offboardingExecutionName, 'offboardingExecutionName');
      const requestedBy = checkRequestedBy(request.requestedBy);
      checkRestoreTiming(request.timing);
      const restoreName = requireString(input.executionName, 'executionName');
      const keys = recordKeys(userName, offboardingName);

      // The service claims "cancel" before stopping the offboarding; claiming again here keeps a
      // hand-started restore from racing a deletion.
      const claim = await records.create<DecisionRecord>(keys.decision, {
        decision: 'cancel',
        at: clock().toISOString(),
        by: requestedBy,
        executionName: restoreName,
      });
      if (claim.value.decision === 'delete') {
        throw new WorkflowConflictError(
          `user ${userName} has been in deletion since ${claim.value.at}; it cannot be restored`,
          offboardingName,
        );
      }

      const snap = await records.get<UserSnapshot>(keys.snapshot);
      const user = await sameUser(userName, userId);
      // Restoring grants group memberships and policies; IAM cannot scope some of those by user, so
      // the code refuses a user that became protected or left the managed scope meanwhile.
      assertManaged(user, config, deps.automationUserNames);
      const current = await iam.inventory(userName, { policyDocuments: true });
      const plan = snap
        ? planRestore(snap, current)
        : {
            // No snapshot: the offboarding stopped before Disable could run. Remove any trace of it.
            actions: [
              ...(current.inlinePolicies.some((p) => p.policyName === DENY_POLICY_NAME)
                ? [{ op: 'delete-deny-policy' as const }]
                : []),
              ...(OFFBOARDING_TAG_KEYS.some((k) => k in current.user.tags)
                ? [{ op: 'untag' as const, keys: OFFBOARDING_TAG_KEYS.filter((k) => k in current.user.tags) }]
                : []),
            ],
            notes: [],
          };
      for (const action of plan.actions) await applyRestore(userName, action);

      const cancelledAt = clock().toISOString();
      const hadPassword = snap?.loginProfile !== undefined;
      const record: CancelledRecord = {
        outcome: 'cancelled',
        userName,
        userId,
        executionName: offboardingName,
        restoreExecutionName: restoreName,
        cancelledAt,
        requestedBy,
        ...(request.reason ? { reason: request.reason } : {}),
        snapshotKey: keys.snapshot,
        snapshotFound: snap !== undefined,
        restored: plan.actions,
        notRestored: plan.notes,
        consolePassword: { existedBefore: hadPassword, restored: false, ...(hadPassword ? { note: CONSOLE_PASSWORD_NOTE } : {}) },
      };
      await records.create<FinalRecord>(keys.finalRecord, record);
      const status = await records.get<StatusRecord>(keys.status);
      if (status) {
        await records.put(keys.status, {
          ...status,
          phase: 'cancelled',
          updatedAt: cancelledAt,
          cancelledAt,
          restoreExecutionName: restoreName,
          finalRecordKey: keys.finalRecord,
        } satisfies StatusRecord);
      }
      const notification: Notification = {
        type: 'offboarding.cancelled',
        userName,
        executionName: offboardingName,
        restoreExecutionName: restoreName,
        requestedBy,
        restoredActions: plan.actions.length,
        consolePasswordRestored: false,
        ...(hadPassword ? { consolePasswordNote: CONSOLE_PASSWORD_NOTE } : {}),
        notRestored: plan.notes.map((n) => n.detail),
      };
      await notifier.publish(notification);
      logger.info('offboarding cancelled and user restored', { userName, offboardingName, actions: plan.actions.length });
      return {
        cancelledAt,
        finalRecordKey: keys.finalRecord,
        snapshotFound: snap !== undefined,
        actions: plan.actions.length,
        notes: plan.notes.map((n) => n.kind),
        consolePasswordRestored: hadPassword ? false : 'not-applicable',
      };
    });
  }

  // Failure notification -----------------------------------------------------------------------

  async function notify(input: {
    type: NotificationType;
    executionName?: string;
    state?: {
      userName?: unknown;
      action?: string;
      offboardingExecutionName?: string;
      disable?: { disabledAt?: string };
    };
    error?: { Error?: string; Cause?: string };
  }): Promise<{ notified: NotificationType }> {
    return step('notify', async () => {
      if (!NOTIFY_TYPES.has(input?.type)) {
        throw new ValidationError(`notify: unsupported notification type ${String(input?.type)}`);
      }
      const s = input.state ?? {};
      await notifier.publish({
        type: input.type,
        ...(typeof s.userName === 'string' ? { userName: s.userName } : {}),
        ...(input.executionName ? { executionName: input.executionName } : {}),
        ...(s.action ? { action: s.action } : {}),
        ...(s.offboardingExecutionName ? { offboardingExecutionName: s.offboardingExecutionName } : {}),
        ...(s.disable ? { disabledAt: s.disable.disabledAt } : {}),
        ...(input.error ? failureFields(input.error) : {}),
      });
      return { notified: input.type };
    });
  }

  return { validate, snapshot, disable, checkStillDisabled, deleteUser, restore, notify };
}

export type OffboardingHandlers = ReturnType<typeof makeOffboardingHandlers>;

/** Task state name in offboarding.asl.json -> step. The local runner binds these. */
export function offboardingTaskBindings(handlers: OffboardingHandlers) {
  return {
    Validate: handlers.validate,
    Snapshot: handlers.snapshot,
    Disable: handlers.disable,
    CheckStillDisabled: handlers.checkStillDisabled,
    DeleteUser: handlers.deleteUser,
    RestoreUser: handlers.restore,
    NotifyFailed: handlers.notify,
  };
}
