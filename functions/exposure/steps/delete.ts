/**
 * DeleteExposedKey: after the grace period. The exact exposed key only; it is deleted even if a
 * person set it Active again (an exposed key is never given back: there is no rollback).
 */
import { rotationTiming } from '../../shared/config';
import { SafetyCheckError } from '../../shared/errors';
import { makeConfirm, stepRunner, type ExposureDeps, type ExposureState } from './context';

export function makeDeleteExposedKey(deps: ExposureDeps) {
  const step = stepRunner(deps.logger);
  const confirm = makeConfirm(deps);

  return async function deleteExposedKey(state: ExposureState) {
    return step('deleteExposedKey', async () => {
      const { execution } = await confirm(state);
      // The grace period from the deployed config, counted from the execution's start.
      const due = execution.startDate.getTime() + rotationTiming(deps.config).gracePeriodSeconds * 1000;
      if (deps.clock().getTime() < due) {
        throw new SafetyCheckError(`the grace period of ${state.accessKeyId} has not ended; nothing was deleted`);
      }
      const keys = await deps.iam.listAccessKeys(state.userName);
      const key = keys.find((k) => k.accessKeyId === state.accessKeyId);
      const deleted = key ? await deps.iam.deleteAccessKey(state.userName, state.accessKeyId) : false;
      await deps.notifier.publish({
        type: 'exposure.completed',
        userName: state.userName,
        accessKeyId: state.accessKeyId,
        deleted,
        ...(key?.status === 'Active' ? { note: 'the key had been set Active again; it was deleted anyway' } : {}),
        executionName: state.executionName,
      });
      return { deleted, wasActive: key?.status === 'Active' };
    });
  };
}
