/** CreateAndStoreKey: creates the new key and stores it in Secrets Manager (the only step that sees the secret). */
import { secretNameFor } from '../../shared/config';
import { KeyStateError } from '../../shared/errors';
import { keyCreatedAt, type NewAccessKey } from '../../shared/iam/records';
import { requestTokenFor } from '../../shared/secret-store';
import type { ExecutionSummary } from '../../shared/workflows';
import { keysToCheckForUse, planCreation } from '../domain';
import {
  iso,
  makeConfirm,
  ownerOf,
  stepRunner,
  type NewKeyRef,
  type RotationDeps,
  type RotationState,
  type RotationStepDeps,
} from './context';

/** CreateAccessKey tries per createAndStore when each meets the two-key limit after a lost answer. */
const MAX_CREATE_RECONCILES = 3;

function isLimitExceeded(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === 'LimitExceededException' || name === 'LimitExceeded';
}

export function makeCreateAndStore(deps: RotationStepDeps & Pick<RotationDeps, 'secrets'>) {
  return makeCreateAndStoreWith<RotationState>(deps, makeConfirm(deps));
}

/** What createAndStore reads of its state: the user, the key being replaced and the execution's name. */
export type CreateAndStoreState = Pick<RotationState, 'userName' | 'oldAccessKeyId' | 'executionName' | 'owner' | 'purpose'>;

/**
 * The same create-and-store for another workflow (the exposure response) with that workflow's own
 * safety check: `confirm` must refuse unless the step runs in a live execution of it for this user,
 * and answer the execution (its start date bounds the keys this step may call its own).
 */
export function makeCreateAndStoreWith<S extends CreateAndStoreState>(
  deps: Omit<RotationStepDeps, 'guard'> & Pick<RotationDeps, 'secrets'>,
  confirm: (state: S) => Promise<{ execution: ExecutionSummary }>,
) {
  const { iam, secrets, notifier, config, clock, logger } = deps;
  const step = stepRunner(logger);

  async function createAndStore(state: S): Promise<NewKeyRef> {
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
              ...ownerOf(state),
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

  return createAndStore;
}
