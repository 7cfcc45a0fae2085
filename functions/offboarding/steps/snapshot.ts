/**
 * Step 2, Snapshot: record everything the user has in S3 before anything changes. The SHA-256 and
 * version id of what was written go into this step's output (the execution history), so later
 * steps and a cancel read back exactly this snapshot or refuse it.
 */
import { secretNameFor } from '../../shared/config';
import { IntegrityError } from '../../shared/errors';
import { countSnapshot, OFFBOARDING_TAG, recordKeys, type UserSnapshot } from '../domain';
import { UserReplacedError } from '../errors';
import { requireState, type SnapshotRef, type StatusRecord, type StepContext, type StepInput } from './context';

export function makeSnapshot(ctx: StepContext) {
  const { iam, records, secrets, notifier, config, clock, logger } = ctx.deps;

  return async function snapshot(input: StepInput): Promise<SnapshotRef> {
    return ctx.step('snapshot', async () => {
      const state = requireState(input?.state, 'snapshot');
      const { userName, executionName } = state;
      const { input: request } = await ctx.live(input.executionId, state);
      const timing = ctx.timingOf(request);
      await ctx.managedSameUser(userName, state.userId);
      const keys = recordKeys(userName, executionName);
      // A retry must not re-read a user an earlier attempt may already have started to change.
      let stored = await records.read<UserSnapshot>(keys.snapshot);
      const reused = stored !== undefined;
      if (stored && (stored.value.executionName !== executionName || stored.value.user?.userId !== state.userId)) {
        throw new IntegrityError(keys.snapshot, 'it belongs to another execution or user');
      }
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
        stored = await records.create(keys.snapshot, snap);
      }
      const ref: SnapshotRef = {
        key: keys.snapshot,
        takenAt: stored.value.takenAt,
        reused,
        counts: countSnapshot(stored.value),
        sha256: stored.sha256,
        ...(stored.versionId ? { versionId: stored.versionId } : {}),
      };
      await records.put(keys.status, {
        ...ctx.baseStatus({ ...state, snapshot: ref }),
        phase: 'snapshotted',
      } satisfies StatusRecord);
      await notifier.publish({
        type: 'offboarding.started',
        userName,
        executionName,
        reason: state.reason,
        requestedBy: state.requestedBy,
        observationSeconds: timing.observationSeconds,
        snapshot: ref.counts,
      });
      logger.info('snapshot stored', { userName, executionName, reused });
      return ref;
    });
  };
}
