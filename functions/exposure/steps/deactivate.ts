/** DeactivateExposedKey: at once, no cutover wait (the replacement, if any, is stored already). */
import { makeConfirm, stepRunner, type ExposureDeps, type ExposureState } from './context';

export function makeDeactivateExposedKey(deps: ExposureDeps) {
  const step = stepRunner(deps.logger);
  const confirm = makeConfirm(deps);

  return async function deactivateExposedKey(state: ExposureState): Promise<NonNullable<ExposureState['deactivation']>> {
    return step('deactivateExposedKey', async () => {
      await confirm(state);
      // Idempotent: Inactive again is a no-op; a key already deleted is reported, not an error.
      const changed = await deps.iam.setAccessKeyStatus(state.userName, state.accessKeyId, 'Inactive');
      const now = deps.clock();
      deps.logger.info('exposed key deactivated', { userName: state.userName, accessKeyId: state.accessKeyId });
      return {
        deactivatedAt: now.toISOString(),
        alreadyGone: !changed,
        deleteAfter: new Date(now.getTime() + state.timing.gracePeriodSeconds * 1000).toISOString(),
      };
    });
  };
}
