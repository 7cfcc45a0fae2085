/**
 * The rotation workflow's steps. Each is a thin function over the domain rules in ./domain with its
 * AWS adapters, notifier and clock injected; ./lambda wires them to the deployed Lambdas and the
 * local runner binds the same functions to the Task states of statemachines/key-rotation.asl.json.
 *
 * What flows between steps (the execution history) holds user names, key ids, dates and reasons.
 * The secret access key exists only inside createAndStore, on its way to Secrets Manager.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { cutoverCheckLimit, rotationTiming, secretNameFor, type LifecycleConfig, type RotationTiming } from '../shared/config';
import { KeyStateError, SafetyCheckError, UserNotFoundError, ValidationError } from '../shared/errors';
import { NotInLiveExecutionError, type ExecutionGuard } from '../shared/execution-guard';
import { durationAllowsAnotherCheck } from '../shared/execution-limits';
import { failureFields, requireString, runStep } from '../shared/steps';
import type { IamUsers } from '../shared/iam/users';
import { keyCreatedAt, type AccessKeyRecord, type IamUser, type NewAccessKey } from '../shared/iam/records';
import type { Notification, NotificationType, Notifier } from '../shared/notifier';
import { decideScope, offboardingPhaseOf } from '../shared/scope';
import { requestTokenFor, type SecretStore } from '../shared/secret-store';
import type { Attempt, ExecutionSummary, WorkflowPort } from '../shared/workflows';
import {
  decideCutover,
  keysToCheckForUse,
  planCreation,
  planFinish,
  planPreparation,
  type BlockCode,
  type CutoverDecision,
  type OrphanEvidence,
} from './domain';
import { earlierAttemptWindows } from './attempts';
import { continuedOutputOf, findRotation, isRotationTrigger, type RotationTrigger } from './start';

export interface RotationDeps {
  readonly iam: IamUsers;
  readonly secrets: SecretStore;
  readonly notifier: Notifier;
  readonly config: LifecycleConfig;
  readonly clock: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The automation's own IAM user names: always protected. */
  readonly automationUserNames?: readonly string[];
  /** Confirms a step runs inside a live rotation execution for its user (safety rule 8). */
  readonly guard: ExecutionGuard;
  /**
   * Reads earlier attempts of a rotation: a `continued` one is resumed, and a key an earlier attempt
   * created and lost is recognised. A getter: locally the runner is built after the handlers.
   */
  readonly workflows: () => WorkflowPort;
}

/** CreateAccessKey tries per createAndStore when each meets the two-key limit after a lost answer. */
const MAX_CREATE_RECONCILES = 3;

function isLimitExceeded(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === 'LimitExceededException' || name === 'LimitExceeded';
}

/** The fields a rotation's execution input may carry; anything else (timing above all) is refused. */
const INPUT_FIELDS = new Set(['userName', 'accessKeyId', 'requestedBy', 'trigger']);

export interface RotationRequest {
  readonly userName: string;
  readonly accessKeyId: string;
  /** From the context object: `$$.Execution.Id`, `$$.Execution.Name` and `$$.Execution.StartTime`. */
  readonly executionId: string;
  readonly executionName: string;
  readonly startedAt: string;
}

export interface RotationState {
  /** `resumed`: a new attempt of a rotation that ended `continued`; its new key exists already. */
  readonly status: 'ready' | 'resumed';
  readonly userName: string;
  /** IAM's UserId when prepared: later steps refuse a user re-created under the same name. */
  readonly userId: string;
  /** `$$.Execution.Id` of this execution: later steps confirm it is live and for this user and key. */
  readonly executionId: string;
  readonly trigger: RotationTrigger;
  /** The attempt this one resumes (its output carried the keys and the original start and deadline). */
  readonly resumedFrom?: string;
  readonly oldAccessKeyId: string;
  readonly oldKeyUsedBefore: boolean;
  readonly oldKeyLastUsedAt?: string;
  readonly oldKeyCreatedAt?: string;
  readonly removedInactiveKeyId?: string;
  /** A never-used, never-stored key an earlier attempt of this rotation created and lost. */
  readonly removedOrphanKeyId?: string;
  readonly secretName: string;
  readonly executionName: string;
  readonly startedAt: string;
  readonly deadlineAt: string;
  readonly requestedBy: string;
  /** Computed by Prepare from the deployed config, for the Wait states; steps recompute from config. */
  readonly timing: RotationTiming;
  readonly newKey?: NewKeyRef;
  readonly cutover?: CutoverState;
  readonly deactivation?: { readonly deactivatedAt: string; readonly deleteAfter: string; readonly alreadyGone: boolean };
}

export interface BlockedResult {
  readonly status: 'blocked';
  readonly userName: string;
  readonly accessKeyId: string;
  readonly code: BlockCode;
  readonly reason: string;
}

export interface NewKeyRef {
  readonly accessKeyId: string;
  readonly secretVersionId: string;
  readonly createdAt: string;
  readonly reused: boolean;
}

export interface CutoverState {
  readonly decision: CutoverDecision;
  readonly reason: string;
  readonly checks: number;
  readonly checkedAt: string;
  readonly oldKeyLastUsedAt?: string;
  readonly newKeyLastUsedAt?: string;
  readonly lastOverdueNoticeAt?: string;
}

export interface FinishResult {
  readonly outcome: 'completed' | 'rolled-back';
  readonly userName: string;
  readonly retiredAccessKeyId: string;
  readonly currentAccessKeyId: string;
  readonly finishedAt: string;
}

const NOTIFY_TYPES = new Set<NotificationType>(['rotation.started', 'rotation.failed', 'rotation.cutover-overdue']);

function iso(date: Date | undefined): string | undefined {
  return date ? date.toISOString() : undefined;
}

export function makeRotationHandlers(deps: RotationDeps) {
  const { iam, secrets, notifier, config, clock, logger } = deps;
  const step = <T>(name: string, fn: () => Promise<T>) => runStep(logger, `rotation step ${name}`, fn);

  /** Facts on the user's other active key, or undefined when earlier attempts cannot be read. */
  async function orphanEvidence(
    attempts: readonly Attempt[],
    userName: string,
    accessKeyId: string,
    executionName: string,
    keys: readonly AccessKeyRecord[],
  ): Promise<OrphanEvidence | undefined> {
    const earlierAttempts = earlierAttemptWindows(attempts, userName, executionName);
    if (earlierAttempts.length === 0) return undefined;
    const others = keys.filter((k) => k.accessKeyId !== accessKeyId && k.status === 'Active');
    const lastUsedAt: Record<string, Date | undefined> = {};
    for (const k of others) lastUsedAt[k.accessKeyId] = await iam.lastUsed(k.accessKeyId);
    const secretName = secretNameFor(config, userName);
    const stored = await secrets.currentKey(secretName);
    const keyIdsInSecret = await secrets.keyIdsInAnyVersion(secretName);
    return { earlierAttempts, storedAccessKeyId: stored?.accessKeyId, keyIdsInSecret, lastUsedAt };
  }

  /**
   * Safety rule 8, for every state-changing step: the step runs inside a live rotation execution
   * for this user and this exact old key, and the user is still the one Prepare saw (same IAM
   * UserId), managed and unprotected. A direct invoke of a step Lambda is refused here.
   */
  async function confirm(state: RotationState): Promise<{ execution: ExecutionSummary; user: IamUser }> {
    const userName = requireString(state?.userName, 'userName');
    const oldAccessKeyId = requireString(state.oldAccessKeyId, 'oldAccessKeyId');
    const execution = await deps.guard.assertLive('rotation', state.executionId, userName);
    if ((execution.input as { accessKeyId?: unknown } | undefined)?.accessKeyId !== oldAccessKeyId) {
      throw new NotInLiveExecutionError('rotation', String(state.executionId), 'the execution rotates another key');
    }
    const user = await iam.getUser(userName, { tagsFromGetUser: true });
    if (!state.userId || user.userId !== state.userId) {
      throw new SafetyCheckError(
        `user ${userName} is not the user this rotation prepared (IAM user id changed); nothing was changed`,
      );
    }
    const scope = decideScope(user, config, deps.automationUserNames);
    if (scope.kind === 'protected')
      throw new SafetyCheckError(`user ${userName} is protected (${scope.why}); nothing was changed`);
    if (scope.kind === 'out-of-scope') {
      throw new SafetyCheckError(`user ${userName} is not managed any more (${scope.why}); nothing was changed`);
    }
    return { execution, user };
  }

  async function prepare(request: RotationRequest): Promise<RotationState | BlockedResult> {
    return step('prepare', async () => {
      const userName = requireString(request?.userName, 'userName');
      const accessKeyId = requireString(request?.accessKeyId, 'accessKeyId');
      const executionName = requireString(request.executionName, 'executionName');
      // Durations come from the deployed config only (safety rule 8), never from the input.
      const timing = rotationTiming(config);
      const execution = await deps.guard.assertLive('rotation', request.executionId, userName);
      if (execution.name !== executionName) {
        throw new NotInLiveExecutionError('rotation', String(request.executionId), 'the execution name does not match');
      }
      const executionId = request.executionId;
      const startedAt = new Date(requireString(request.startedAt, 'startedAt'));

      const blocked = async (code: BlockCode, reason: string): Promise<BlockedResult> => {
        logger.warn('rotation blocked', { userName, accessKeyId, code, reason });
        await notifier.publish({ type: 'rotation.blocked', userName, accessKeyId, code, reason, executionName });
        return { status: 'blocked', userName, accessKeyId, code, reason };
      };

      // The execution's own input (from DescribeExecution), not what the Task was handed.
      const input = (execution.input ?? {}) as Record<string, unknown>;
      if ('timing' in input) {
        return blocked(
          'invalid-request',
          'an execution input may not carry timing: waits, deadlines and grace periods come from the deployed config',
        );
      }
      const unknown = Object.keys(input).filter((key) => !INPUT_FIELDS.has(key));
      if (unknown.length > 0) return blocked('invalid-request', `unknown input field(s): ${unknown.join(', ')}`);
      if (input.accessKeyId !== accessKeyId) return blocked('invalid-request', 'the execution input names another key');
      if (!isRotationTrigger(input.trigger)) {
        return blocked('invalid-request', 'trigger must be "scheduled", "on-demand" or "exposure"');
      }
      let trigger: RotationTrigger = input.trigger;

      let user;
      try {
        user = await iam.getUser(userName, { tagsFromGetUser: true });
      } catch (error) {
        if (error instanceof UserNotFoundError) return blocked('unknown-user', error.message);
        throw error;
      }
      if (user.userName !== userName) {
        return blocked(
          'invalid-request',
          `IAM spells this user "${user.userName}" (names are case-insensitive); use that exact name`,
        );
      }
      if (!user.userId) throw new SafetyCheckError(`IAM returned no user id for ${userName}`);
      const scope = decideScope(user, config, deps.automationUserNames);
      if (scope.kind === 'protected') return blocked('protected-user', `user ${userName} is protected (${scope.why})`);
      if (scope.kind === 'out-of-scope') return blocked('out-of-scope', `user ${userName} is not managed (${scope.why})`);
      const offboarding = offboardingPhaseOf(user.tags);
      if (offboarding !== undefined) {
        return blocked('being-offboarded', `user ${userName} is being offboarded (${offboarding}); its keys stay disabled`);
      }

      // What a prepared and a resumed rotation share; `start` is when the rotation (not this attempt) began.
      const stateStartedAt = (start: Date) => ({
        userName,
        userId: user.userId,
        executionId,
        trigger,
        oldAccessKeyId: accessKeyId,
        secretName: secretNameFor(config, userName),
        executionName,
        startedAt: start.toISOString(),
        deadlineAt: new Date(start.getTime() + timing.deadlineSeconds * 1000).toISOString(),
        requestedBy: typeof input.requestedBy === 'string' ? input.requestedBy : 'unknown',
        timing,
      });
      const keys = await iam.listAccessKeys(userName);
      let plan = planPreparation(keys, accessKeyId, config.removeInactiveKeyToMakeRoom);
      let resumed: RotationState | undefined;
      const twoActiveKeys = plan.kind === 'blocked' && plan.code === 'two-active-keys';
      // Both ways out of "two active keys" read the earlier attempts of this rotation: list them once.
      const { attempts } = twoActiveKeys ? await findRotation(deps.workflows(), userName, accessKeyId) : { attempts: [] };
      if (twoActiveKeys) {
        // Two active keys are expected exactly when the previous attempt of this rotation ended
        // `continued`: the other key is that attempt's new key and the secret holds it.
        const previous = previousContinued(attempts, userName, accessKeyId, executionName);
        if (previous) {
          const stored = await secrets.currentKey(secretNameFor(config, userName));
          const other = keys.filter((k) => k.accessKeyId !== accessKeyId);
          const newKey = other[0];
          if (
            previous.output.userId === user.userId &&
            other.length === 1 &&
            newKey?.accessKeyId === previous.output.newAccessKeyId &&
            newKey.status === 'Active' &&
            stored?.accessKeyId === newKey.accessKeyId
          ) {
            // An exposure rotation stays one: rollback must stay refused in every attempt.
            if (previous.output.trigger === 'exposure') trigger = 'exposure';
            const original = new Date(previous.output.startedAt);
            const carried = previous.output.state;
            resumed = {
              ...stateStartedAt(original),
              status: 'resumed',
              resumedFrom: previous.name,
              oldKeyUsedBefore: carried?.oldKeyUsedBefore ?? true,
              ...(carried?.oldKeyCreatedAt ? { oldKeyCreatedAt: carried.oldKeyCreatedAt } : {}),
              ...(carried?.oldKeyLastUsedAt ? { oldKeyLastUsedAt: carried.oldKeyLastUsedAt } : {}),
              newKey: {
                accessKeyId: newKey.accessKeyId,
                secretVersionId: stored.versionId,
                createdAt: keyCreatedAt(newKey).toISOString(),
                reused: true,
              },
              cutover: {
                decision: 'waiting',
                reason: `resumed from ${previous.name}`,
                checks: 0,
                checkedAt: clock().toISOString(),
                ...(carried?.cutover?.lastOverdueNoticeAt ? { lastOverdueNoticeAt: carried.cutover.lastOverdueNoticeAt } : {}),
              },
            };
          }
        }
      }
      if (resumed) {
        logger.info('rotation resumed', { userName, oldAccessKeyId: accessKeyId, resumedFrom: resumed.resumedFrom });
        return resumed;
      }
      if (twoActiveKeys) {
        // Perhaps a key an earlier attempt of this rotation created and lost: look before refusing.
        const evidence = await orphanEvidence(attempts, userName, accessKeyId, executionName, keys);
        if (evidence) plan = planPreparation(keys, accessKeyId, config.removeInactiveKeyToMakeRoom, evidence);
      }
      if (plan.kind === 'blocked') return blocked(plan.code, plan.reason);
      // Never write into a secret this stack did not create: refuse before any key changes.
      const foreign = await secrets.foreignReason(secretNameFor(config, userName), userName);
      if (foreign !== undefined) {
        return blocked(
          'foreign-secret',
          `secret ${secretNameFor(config, userName)} was not created by iam-user-lifecycle (${foreign})`,
        );
      }
      if (plan.removeInactiveKeyId) {
        await notifier.publish({
          type: 'rotation.key-removed',
          userName,
          accessKeyId: plan.removeInactiveKeyId,
          oldAccessKeyId: accessKeyId,
          why: 'make-room',
          reason: `inactive key ${plan.removeInactiveKeyId} is deleted to make room for the new key (removeInactiveKeyToMakeRoom)`,
          executionName,
        });
        await iam.deleteAccessKey(userName, plan.removeInactiveKeyId);
        logger.info('deleted inactive key to make room', { userName, accessKeyId: plan.removeInactiveKeyId });
      }
      if (plan.removeOrphanKeyId) {
        await notifier.publish({
          type: 'rotation.key-removed',
          userName,
          accessKeyId: plan.removeOrphanKeyId,
          oldAccessKeyId: accessKeyId,
          why: 'orphan-of-earlier-attempt',
          reason: `key ${plan.removeOrphanKeyId} was created during an earlier attempt of this rotation, never used and never stored (its CreateAccessKey answer was lost): nobody holds its secret, so it is deleted`,
          executionName,
        });
        await iam.deleteAccessKey(userName, plan.removeOrphanKeyId);
        logger.warn('deleted a key an earlier attempt created but never stored', {
          userName,
          accessKeyId: plan.removeOrphanKeyId,
        });
      }
      const oldKeyLastUsedAt = await iam.lastUsed(accessKeyId);
      const state: RotationState = {
        ...stateStartedAt(startedAt),
        status: 'ready',
        oldKeyUsedBefore: oldKeyLastUsedAt !== undefined,
        oldKeyCreatedAt: keyCreatedAt(keys.find((k) => k.accessKeyId === accessKeyId)!).toISOString(),
        ...(oldKeyLastUsedAt ? { oldKeyLastUsedAt: oldKeyLastUsedAt.toISOString() } : {}),
        ...(plan.removeInactiveKeyId ? { removedInactiveKeyId: plan.removeInactiveKeyId } : {}),
        ...(plan.removeOrphanKeyId ? { removedOrphanKeyId: plan.removeOrphanKeyId } : {}),
      };
      logger.info('rotation prepared', { userName, oldAccessKeyId: accessKeyId, oldKeyUsedBefore: state.oldKeyUsedBefore });
      return state;
    });
  }

  /** The attempt just before this one, when it ended `continued` for the same old key. */
  function previousContinued(attempts: readonly Attempt[], userName: string, accessKeyId: string, executionName: string) {
    const current = attempts.find((a) => a.name === executionName);
    const previous = attempts.filter((a) => current === undefined || a.attempt < current.attempt).at(-1);
    if (!previous) return undefined;
    const output = continuedOutputOf(previous.summary);
    if (!output || output.oldAccessKeyId !== accessKeyId || output.userName !== userName) return undefined;
    // The original start cannot be later than the attempt that carried it.
    if (!(new Date(output.startedAt).getTime() <= previous.summary.startDate.getTime() + 1000)) return undefined;
    return { name: previous.name, output };
  }

  async function createAndStore(state: RotationState): Promise<NewKeyRef> {
    return step('createAndStore', async () => {
      const { execution } = await confirm(state);
      const { userName, oldAccessKeyId } = state;
      // From the config and Step Functions, never from the state handed in: a forged secret name or
      // start would make this rotation's stored key look unstored (and deletable).
      const secretName = secretNameFor(config, userName);
      const startedAt = execution.startDate;
      const stored = await secrets.currentKey(secretName);
      // Plans from the keys as they are now. A key this rotation may call its own is first checked
      // for use: a used key is somebody else's, reported and never deleted.
      const reconcile = async () => {
        const keys = await iam.listAccessKeys(userName);
        const lastUsedAt: Record<string, Date | undefined> = {};
        for (const id of keysToCheckForUse(keys, oldAccessKeyId, stored?.accessKeyId, startedAt)) {
          lastUsedAt[id] = await iam.lastUsed(id);
        }
        const plan = planCreation(keys, oldAccessKeyId, stored?.accessKeyId, startedAt, lastUsedAt);
        if (plan.kind === 'refuse') {
          if (plan.foreignKeyId) {
            await notifier.publish({
              type: 'rotation.foreign-key',
              userName,
              accessKeyId: plan.foreignKeyId,
              oldAccessKeyId,
              reason: plan.reason,
              executionName: state.executionName,
            });
          }
          throw new KeyStateError(plan.reason);
        }
        if (plan.kind === 'delete-unstored-then-create') {
          await iam.deleteAccessKey(userName, plan.accessKeyId);
          logger.warn('deleted a key this rotation created but never stored (lost answer or earlier attempt)', {
            userName,
            accessKeyId: plan.accessKeyId,
          });
        }
        return { keys, plan };
      };

      const { keys, plan } = await reconcile();
      if (plan.kind === 'already-stored') {
        const key = keys.find((k) => k.accessKeyId === plan.accessKeyId);
        logger.info('new key already stored by an earlier attempt', { userName, accessKeyId: plan.accessKeyId });
        return {
          accessKeyId: plan.accessKeyId,
          secretVersionId: stored?.versionId ?? '',
          createdAt: iso(key ? keyCreatedAt(key) : undefined) ?? clock().toISOString(),
          reused: true,
        };
      }

      // CreateAccessKey is not idempotent: when its answer is lost the SDK retries, and the retry
      // meets IAM's two-key limit because the first call did create a key. That key fills the slot
      // and nobody holds its secret: reconcile (delete it) and create again, a bounded number of times.
      const createKey = async (): Promise<NewAccessKey> => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await iam.createAccessKey(userName);
          } catch (error) {
            if (!isLimitExceeded(error) || attempt >= MAX_CREATE_RECONCILES) throw error;
            logger.warn('CreateAccessKey hit the two-key limit: an earlier answer was probably lost; reconciling', {
              userName,
              attempt,
            });
            const again = await reconcile();
            if (again.plan.kind !== 'delete-unstored-then-create') throw error;
          }
        }
      };
      const created = await createKey();
      try {
        const ref = await secrets.storeKey(secretName, userName, created, requestTokenFor(state.executionName));
        logger.info('new key created and stored', { userName, accessKeyId: created.accessKeyId, secretName });
        return {
          accessKeyId: created.accessKeyId,
          secretVersionId: ref.versionId,
          createdAt: created.createdAt.toISOString(),
          reused: false,
        };
      } catch (error) {
        // Do not leak an unstored key, unless the store did land and only its answer was lost. Only
        // delete when a successful read shows another key stored: when in doubt, leave the key to the
        // next attempt, whose planCreation tells "already stored" from "created but not stored".
        let nowStored;
        try {
          nowStored = await secrets.currentKey(secretName);
        } catch (readError) {
          logger.error('could not tell whether the new key was stored; leaving it to the next attempt', {
            userName,
            accessKeyId: created.accessKeyId,
            errorName: (readError as Error).name,
          });
          throw error;
        }
        if (nowStored?.accessKeyId === created.accessKeyId) {
          return {
            accessKeyId: created.accessKeyId,
            secretVersionId: nowStored.versionId,
            createdAt: created.createdAt.toISOString(),
            reused: false,
          };
        }
        await iam.deleteAccessKey(userName, created.accessKeyId).catch((cleanupError: Error) => {
          logger.error('could not delete unstored key; the next attempt will', {
            userName,
            accessKeyId: created.accessKeyId,
            errorName: cleanupError.name,
          });
        });
        throw error;
      }
    });
  }

  async function checkCutover(state: RotationState): Promise<CutoverState> {
    return step('checkCutover', async () => {
      if (!state.newKey) throw new ValidationError('checkCutover needs newKey');
      const { execution, user } = await confirm(state);
      const timing = rotationTiming(config);
      const now = clock();
      const previous = state.cutover;
      // An offboarding that started meanwhile has disabled both keys on purpose: stop waiting.
      const offboarding = offboardingPhaseOf(user.tags);
      if (offboarding !== undefined) {
        const reason = `user ${state.userName} is being offboarded (${offboarding}); the rotation stops and leaves its keys to the offboarding`;
        await notifier.publish({
          type: 'rotation.abandoned',
          userName: state.userName,
          oldAccessKeyId: state.oldAccessKeyId,
          newAccessKeyId: state.newKey.accessKeyId,
          reason,
        });
        logger.warn('rotation abandoned: user is being offboarded', { userName: state.userName });
        return { decision: 'abandoned', reason, checks: (previous?.checks ?? 0) + 1, checkedAt: now.toISOString() };
      }
      const [oldUsed, newUsed] = await Promise.all([iam.lastUsed(state.oldAccessKeyId), iam.lastUsed(state.newKey.accessKeyId)]);
      const verdict = decideCutover({
        now,
        rotationStartedAt: new Date(state.startedAt),
        timing,
        oldKeyUsedBefore: state.oldKeyUsedBefore,
        ...(oldUsed ? { oldKeyLastUsedAt: oldUsed } : {}),
        ...(newUsed ? { newKeyLastUsedAt: newUsed } : {}),
        ...(previous?.lastOverdueNoticeAt ? { lastOverdueNoticeAt: new Date(previous.lastOverdueNoticeAt) } : {}),
        ...(state.oldKeyCreatedAt ? { oldKeyCreatedAt: new Date(state.oldKeyCreatedAt) } : {}),
      });
      let lastOverdueNoticeAt = previous?.lastOverdueNoticeAt;
      if (verdict.decision === 'overdue-notify' || verdict.decision === 'overdue-deactivate') {
        await notifier.publish({
          type: 'rotation.cutover-overdue',
          userName: state.userName,
          oldAccessKeyId: state.oldAccessKeyId,
          newAccessKeyId: state.newKey.accessKeyId,
          secretName: state.secretName,
          deadlineAt: state.deadlineAt,
          action: verdict.decision === 'overdue-deactivate' ? 'deactivating the old key now' : 'waiting; a person should look',
          reason: verdict.reason,
        });
        lastOverdueNoticeAt = now.toISOString();
      }
      const checks = (previous?.checks ?? 0) + 1;
      let decision: CutoverDecision = verdict.decision;
      let reason = verdict.reason;
      // Still waiting: end this execution well before Step Functions' history and duration limits;
      // the next scan resumes the rotation as a new attempt for the same keys (./start).
      if (
        (decision === 'waiting' || decision === 'overdue-notify') &&
        (checks >= cutoverCheckLimit(config) || !durationAllowsAnotherCheck(execution.startDate, now, timing))
      ) {
        decision = 'continue-later';
        reason = `${verdict.reason}; this execution ran ${checks} checks and ends here, the next scan resumes it for the same keys`;
        await notifier.publish({
          type: 'rotation.continued',
          userName: state.userName,
          oldAccessKeyId: state.oldAccessKeyId,
          newAccessKeyId: state.newKey.accessKeyId,
          executionName: state.executionName,
          startedAt: state.startedAt,
          deadlineAt: state.deadlineAt,
          reason,
        });
      }
      logger.info('cutover checked', { userName: state.userName, decision, reason });
      return {
        decision,
        reason,
        checks,
        checkedAt: now.toISOString(),
        ...(oldUsed ? { oldKeyLastUsedAt: oldUsed.toISOString() } : {}),
        ...(newUsed ? { newKeyLastUsedAt: newUsed.toISOString() } : {}),
        ...(lastOverdueNoticeAt ? { lastOverdueNoticeAt } : {}),
      };
    });
  }

  async function deactivateOldKey(state: RotationState): Promise<NonNullable<RotationState['deactivation']>> {
    return step('deactivateOldKey', async () => {
      const newKey = state.newKey;
      if (!newKey) throw new ValidationError('deactivateOldKey needs newKey');
      const { execution } = await confirm(state);
      // Only after this execution's own CheckCutover decided so (Step Functions' history, not the
      // state handed in): a direct invoke during the wait must not cut off a workload.
      const cutover = (await deps.workflows().stateOutput('rotation', execution.name, 'CheckCutover')) as
        { cutover?: { decision?: unknown } } | undefined;
      const decided = cutover?.cutover?.decision;
      if (decided !== 'confirmed' && decided !== 'overdue-deactivate') {
        throw new SafetyCheckError(
          `this rotation's last cutover check decided ${String(decided ?? 'nothing yet')}; not deactivating ${state.oldAccessKeyId}`,
        );
      }
      const secretName = secretNameFor(config, state.userName);
      // Safety rule 2: the replacement must be stored and active before the old key goes. Read from
      // the secret's metadata (the version createAndStore recorded is AWSCURRENT), never decrypted.
      const notCurrent = await secrets.whyNotCurrent(secretName, {
        accessKeyId: newKey.accessKeyId,
        versionId: newKey.secretVersionId,
      });
      if (notCurrent !== undefined) {
        throw new SafetyCheckError(
          `secret ${secretName} does not hold the new key ${newKey.accessKeyId} as AWSCURRENT (${notCurrent}); not deactivating ${state.oldAccessKeyId}`,
        );
      }
      const keys = await iam.listAccessKeys(state.userName);
      const current = keys.find((k) => k.accessKeyId === newKey.accessKeyId);
      if (current?.status !== 'Active') {
        throw new SafetyCheckError(`the new key ${newKey.accessKeyId} is not active; not deactivating ${state.oldAccessKeyId}`);
      }
      const now = clock();
      const deleteAfter = new Date(now.getTime() + rotationTiming(config).gracePeriodSeconds * 1000).toISOString();
      const old = keys.find((k) => k.accessKeyId === state.oldAccessKeyId);
      if (old?.status === 'Active')
        await iam.setAccessKeyStatus(state.userName, state.oldAccessKeyId, 'Inactive', { mustExist: true });
      await notifier.publish({
        type: 'rotation.key-deactivated',
        userName: state.userName,
        accessKeyId: state.oldAccessKeyId,
        currentAccessKeyId: newKey.accessKeyId,
        deleteAfter,
        alreadyGone: old === undefined,
      });
      logger.info('old key deactivated', { userName: state.userName, accessKeyId: state.oldAccessKeyId, deleteAfter });
      return { deactivatedAt: now.toISOString(), deleteAfter, alreadyGone: old === undefined };
    });
  }

  async function finishRotation(state: RotationState): Promise<FinishResult> {
    return step('finishRotation', async () => {
      const newKey = state.newKey;
      if (!newKey) throw new ValidationError('finishRotation needs newKey');
      const { execution } = await confirm(state);
      // Only once this execution's own deactivation is older than the configured grace period
      // (Step Functions' history): a direct invoke must not cut the rollback window short.
      const recorded = (await deps.workflows().stateOutput('rotation', execution.name, 'DeactivateOldKey')) as
        { deactivation?: { deactivatedAt?: unknown } } | undefined;
      const deactivatedAt = recorded?.deactivation?.deactivatedAt;
      const graceEnds =
        typeof deactivatedAt === 'string'
          ? new Date(deactivatedAt).getTime() + rotationTiming(config).gracePeriodSeconds * 1000
          : NaN;
      if (!(graceEnds <= clock().getTime() + 1000)) {
        throw new SafetyCheckError(
          `this rotation's old key ${state.oldAccessKeyId} is still inside its grace period (or was never deactivated by it); not deleting it`,
        );
      }
      const keys = await iam.listAccessKeys(state.userName);
      const plan = planFinish(keys, state.oldAccessKeyId);
      const base = {
        userName: state.userName,
        retiredAccessKeyId: state.oldAccessKeyId,
        currentAccessKeyId: newKey.accessKeyId,
        finishedAt: clock().toISOString(),
      };
      if (plan.kind === 'rolled-back') {
        await notifier.publish({
          type: 'rotation.rolled-back',
          userName: state.userName,
          accessKeyId: state.oldAccessKeyId,
          currentAccessKeyId: newKey.accessKeyId,
          reason: 'the old key was reactivated during the grace period; it is kept and the user now has two active keys',
        });
        logger.warn('old key reactivated during grace period: rotation rolled back', { userName: state.userName });
        return { outcome: 'rolled-back', ...base };
      }
      if (plan.kind === 'delete') await iam.deleteAccessKey(state.userName, state.oldAccessKeyId);
      await notifier.publish({
        type: 'rotation.completed',
        userName: state.userName,
        deletedAccessKeyId: state.oldAccessKeyId,
        currentAccessKeyId: newKey.accessKeyId,
        secretName: secretNameFor(config, state.userName),
      });
      logger.info('rotation completed', { userName: state.userName, deletedAccessKeyId: state.oldAccessKeyId });
      return { outcome: 'completed', ...base };
    });
  }

  /** Publishes the notifications the state machine sends itself (started, failed). */
  async function notify(input: {
    type: NotificationType;
    state?: Partial<RotationState>;
    error?: { Error?: string; Cause?: string };
  }) {
    return step('notify', async () => {
      if (!NOTIFY_TYPES.has(input?.type))
        throw new ValidationError(`notify: unsupported notification type ${String(input?.type)}`);
      const s = input.state ?? {};
      const notification: Notification = {
        type: input.type,
        ...(s.userName ? { userName: s.userName } : {}),
        ...(s.oldAccessKeyId ? { oldAccessKeyId: s.oldAccessKeyId } : {}),
        ...(s.newKey ? { newAccessKeyId: s.newKey.accessKeyId } : {}),
        ...(s.secretName ? { secretName: s.secretName } : {}),
        ...(s.deadlineAt ? { deadlineAt: s.deadlineAt } : {}),
        ...(s.executionName ? { executionName: s.executionName } : {}),
        ...(input.error ? failureFields(input.error) : {}),
      };
      await notifier.publish(notification);
      return { notified: input.type };
    });
  }

  return { prepare, createAndStore, checkCutover, deactivateOldKey, finishRotation, notify };
}

export type RotationHandlers = ReturnType<typeof makeRotationHandlers>;

/** Task state name in key-rotation.asl.json -> step. The local runner binds these. */
export function rotationTaskBindings(handlers: RotationHandlers) {
  return {
    Prepare: handlers.prepare,
    CreateAndStoreKey: handlers.createAndStore,
    NotifyStarted: handlers.notify,
    CheckCutover: handlers.checkCutover,
    DeactivateOldKey: handlers.deactivateOldKey,
    FinishRotation: handlers.finishRotation,
    NotifyFailed: handlers.notify,
  };
}
