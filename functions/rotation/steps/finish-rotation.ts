/** FinishRotation: deletes the old key after the grace period, or reports the rollback. */
import { rotationTiming, secretNameFor } from '../../shared/config';
import { SafetyCheckError, ValidationError } from '../../shared/errors';
import { ownerFields } from '../../shared/notification-attributes';
import { planFinish } from '../domain';
import { finishRetirement, isRetirement } from '../retire-steps';
import {
  makeConfirm,
  stepRunner,
  type FinishResult,
  type RotationDeps,
  type RotationState,
  type RotationStepDeps,
} from './context';

export function makeFinishRotation(deps: RotationStepDeps & Pick<RotationDeps, 'workflows'>) {
  const { iam, notifier, config, clock, logger } = deps;
  const step = stepRunner(logger);
  const confirm = makeConfirm(deps);

  async function finishRotation(state: RotationState): Promise<FinishResult> {
    return step('finishRotation', async () => {
      const { execution, user } = await confirm(state);
      const retire = isRetirement(state, execution);
      const newKey = state.newKey;
      if (!retire && !newKey) throw new ValidationError('finishRotation needs newKey');
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
      if (retire || !newKey) return finishRetirement(deps, state, user);
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
          ...ownerFields(user.tags, config),
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
        ...ownerFields(user.tags, config),
      });
      logger.info('rotation completed', { userName: state.userName, deletedAccessKeyId: state.oldAccessKeyId });
      return { outcome: 'completed', ...base };
    });
  }

  return finishRotation;
}
