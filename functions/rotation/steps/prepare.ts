/** Prepare: checks the user, the key and the request; makes room for the new key or resumes a `continued` rotation. */
import { rotationTiming, secretNameFor } from '../../shared/config';
import { SafetyCheckError, UserNotFoundError } from '../../shared/errors';
import { NotInLiveExecutionError } from '../../shared/execution-guard';
import { requireString } from '../../shared/steps';
import { keyCreatedAt, type AccessKeyRecord } from '../../shared/iam/records';
import { decideScope, offboardingPhaseOf } from '../../shared/scope';
import type { Attempt } from '../../shared/workflows';
import { planPreparation, type BlockCode, type OrphanEvidence } from '../domain';
import { earlierAttemptWindows } from '../attempts';
import { continuedOutputOf, findRotation, isRotationTrigger, type RotationTrigger } from '../start';
import { ownerFields } from '../../shared/notification-attributes';
import { prepareRetirement } from '../retire-prepare';
import { stepRunner, type BlockedResult, type RotationDeps, type RotationRequest, type RotationState } from './context';

/** The fields a rotation's execution input may carry; anything else (timing above all) is refused. */
const INPUT_FIELDS = new Set(['userName', 'accessKeyId', 'requestedBy', 'trigger', 'accountId', 'mode']);

export function makePrepare(deps: RotationDeps) {
  const { iam, secrets, notifier, config, clock, logger } = deps;
  const step = stepRunner(logger);

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

      // Refusals name the user's Owner and Purpose tags once the user has been read.
      const seen: { tags?: Readonly<Record<string, string>> } = {};
      const blocked = async (code: BlockCode, reason: string): Promise<BlockedResult> => {
        logger.warn('rotation blocked', { userName, accessKeyId, code, reason });
        await notifier.publish({
          type: 'rotation.blocked',
          userName,
          accessKeyId,
          code,
          reason,
          executionName,
          ...ownerFields(seen.tags, config),
        });
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
      // The clients were built for the account the input names (../lambdas/wiring): they must agree.
      if (input.accountId !== deps.accountId) {
        return blocked('invalid-request', 'the execution input names another account than the one this step acts in');
      }
      if (!isRotationTrigger(input.trigger)) {
        return blocked('invalid-request', 'trigger must be "scheduled", "on-demand" or "exposure"');
      }
      let trigger: RotationTrigger = input.trigger;
      if (input.mode !== undefined && input.mode !== 'retire')
        return blocked('invalid-request', 'mode must be absent or "retire"');
      if (input.mode === 'retire' && trigger === 'exposure') {
        return blocked('invalid-request', 'an exposed key is replaced, never only retired');
      }

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
      seen.tags = user.tags;
      const scope = decideScope(user, config, deps.automationUserNames);
      if (scope.kind === 'protected') return blocked('protected-user', `user ${userName} is protected (${scope.why})`);
      if (scope.kind === 'out-of-scope') return blocked('out-of-scope', `user ${userName} is not managed (${scope.why})`);
      const offboarding = offboardingPhaseOf(user.tags);
      if (offboarding !== undefined) {
        return blocked('being-offboarded', `user ${userName} is being offboarded (${offboarding}); its keys stay disabled`);
      }

      // What a prepared and a resumed rotation share; `start` is when the rotation (not this attempt) began.
      const stateStartedAt = (start: Date) => ({
        mode: 'rotate' as const,
        userName,
        ...(deps.accountId !== undefined ? { accountId: deps.accountId } : {}),
        ...ownerFields(user.tags, config),
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
      if (input.mode === 'retire') {
        const base = { ...stateStartedAt(startedAt), mode: 'retire' as const };
        return prepareRetirement(deps, { userName, accessKeyId, executionName, base, blocked });
      }
      const keys = await iam.listAccessKeys(userName);
      let plan = planPreparation(keys, accessKeyId, config.removeInactiveKeyToMakeRoom);
      let resumed: RotationState | undefined;
      const twoActiveKeys = plan.kind === 'blocked' && plan.code === 'two-active-keys';
      // Both ways out of "two active keys" read the earlier attempts of this rotation: list them once.
      const { attempts } = twoActiveKeys
        ? await findRotation(deps.workflows(), userName, accessKeyId, deps.accountId)
        : { attempts: [] };
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

  return prepare;
}
