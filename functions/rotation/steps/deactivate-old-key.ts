/** DeactivateOldKey: deactivates the old key once the cutover is decided and the new key is stored. */
import { rotationTiming, secretNameFor } from '../../shared/config';
import { SafetyCheckError, ValidationError } from '../../shared/errors';
import { ownerFields } from '../../shared/notification-attributes';
import { deactivateUnusedKey, isRetirement } from '../retire-steps';
import { makeConfirm, stepRunner, type RotationDeps, type RotationState } from './context';

export function makeDeactivateOldKey(deps: RotationDeps) {
  const { iam, secrets, notifier, config, clock, logger } = deps;
  const step = stepRunner(logger);
  const confirm = makeConfirm(deps);

  async function deactivateOldKey(state: RotationState): Promise<NonNullable<RotationState['deactivation']>> {
    return step('deactivateOldKey', async () => {
      const { execution, user } = await confirm(state);
      if (isRetirement(state, execution)) return deactivateUnusedKey(deps, state, execution, user);
      const newKey = state.newKey;
      if (!newKey) throw new ValidationError('deactivateOldKey needs newKey');
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
        ...ownerFields(user.tags, config),
      });
      logger.info('old key deactivated', { userName: state.userName, accessKeyId: state.oldAccessKeyId, deleteAfter });
      return { deactivatedAt: now.toISOString(), deleteAfter, alreadyGone: old === undefined };
    });
  }

  return deactivateOldKey;
}
