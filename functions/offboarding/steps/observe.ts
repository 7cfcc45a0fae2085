/**
 * Step 4, CheckStillDisabled: during observation, anything re-enabled (a key, a password, an SSH key,
 * a certificate, a service credential, the deny policy detached) is switched off again and notified.
 * The deletion time comes from Disable's recorded output and the check interval from the config.
 */
import { ValidationError } from '../../shared/errors';
import { assertManaged } from '../../shared/scope';
import {
  describeFinding,
  OFFBOARDING_TAG_KEYS,
  offboardingTags,
  recordKeys,
  scheduleObservation,
  usableCredentials,
} from '../domain';
import { switchOff } from './disable';
import {
  requireState,
  type DisableResult,
  type ObservationState,
  type ReenableEvent,
  type StatusRecord,
  type OffboardingStepDeps,
  type StepContext,
  type StepInput,
} from './context';

export function makeCheckStillDisabled(ctx: StepContext<OffboardingStepDeps>) {
  const { iam, records, notifier, clock, logger, config, automationUserNames } = ctx.deps;

  return async function checkStillDisabled(input: StepInput): Promise<ObservationState> {
    return ctx.step('checkStillDisabled', async () => {
      const state = requireState(input?.state, 'checkStillDisabled');
      const previous = state.observation;
      if (!previous) throw new ValidationError('checkStillDisabled needs the observation state');
      const { userName, executionName } = state;
      const { input: request } = await ctx.live(input.executionId, state);
      const timing = ctx.timingOf(request);
      const disabledBy = await ctx.recorded<DisableResult>(executionName, 'Disable', 'disable');
      if (!disabledBy) throw new ValidationError('checkStillDisabled runs only after this execution disabled the user');
      const now = clock();
      const deleteAfter = new Date(disabledBy.deleteAfter);
      const base = {
        deleteAfter: disabledBy.deleteAfter,
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
      // Refuse to change a user that became protected or left the managed scope meanwhile.
      assertManaged(user, config, automationUserNames);

      const current = await ctx.readCredentialState(userName);
      const findings = usableCredentials(current);
      let observation: ObservationState = { ...base, due: false, nextCheckInSeconds: 0 };
      if (findings.length > 0) {
        await switchOff(ctx, userName, current);
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
          deleteAfter: disabledBy.deleteAfter,
        });
        logger.warn('re-enabled credentials disabled again', {
          userName,
          executionName,
          findings: findings.map(describeFinding),
        });
      }
      const tagsMissing = OFFBOARDING_TAG_KEYS.some((key) => !(key in user.tags));
      if (tagsMissing) await ctx.tagBestEffort(userName, offboardingTags('disabled', executionName, disabledBy.deleteAfter));

      const schedule = scheduleObservation(now, deleteAfter, timing.checkIntervalSeconds);
      observation = { ...observation, due: schedule.due, nextCheckInSeconds: schedule.nextCheckInSeconds };
      await records.put(recordKeys(userName, executionName).status, {
        ...ctx.baseStatus({ ...state, disable: disabledBy, observation }),
        phase: 'disabled',
      } satisfies StatusRecord);
      return observation;
    });
  };
}
