/**
 * Assess: the first step. Fixes the user (IAM UserId), the exact exposed key and what the response
 * will do (planExposure). Changes nothing. The start time and the grace period come from Step
 * Functions and the deployed config, never from the input.
 */
import { rotationTiming, secretNameFor } from '../../shared/config';
import { isAccountId } from '../../shared/organization-config';
import { requireString } from '../../shared/steps';
import { decideScope, offboardingPhaseOf } from '../../shared/scope';
import { notifyOnlyPlan, planExposure, quarantinePolicies } from '../domain';
import { stepRunner, type ExposureDeps, type ExposureRequest, type ExposureState } from './context';

export function makeAssess(deps: ExposureDeps) {
  const { iam, config, logger } = deps;
  const step = stepRunner(logger);

  return async function assess(request: ExposureRequest): Promise<ExposureState> {
    return step('assess', async () => {
      const userName = requireString(request?.userName, 'userName');
      const accessKeyId = requireString(request.accessKeyId, 'accessKeyId');
      const execution = await deps.guard.assertLive('exposure', request.executionId, userName);
      const input = (execution.input ?? {}) as {
        accessKeyId?: unknown;
        reason?: unknown;
        source?: unknown;
        eventId?: unknown;
        accountId?: unknown;
      };
      const user = await iam.getUser(userName, { tagsFromGetUser: true });
      const scope = decideScope(user, config, deps.automationUserNames);
      // The keys and policies of a user out of scope or protected are not read (the roles may not):
      // its key was found by the starter, and the answer is notify-only whatever they are.
      const managed = scope.kind === 'managed';
      let plan = managed
        ? planExposure(await iam.listAccessKeys(userName), accessKeyId, scope.kind, execution.startDate)
        : notifyOnlyPlan(scope.kind);
      // A user being offboarded keeps its credentials disabled: contain and deactivate, never add a key.
      if (plan.kind === 'respond' && plan.replace && offboardingPhaseOf(user.tags) !== undefined) {
        plan = { kind: 'respond', replace: false, note: 'no replacement: the user is being offboarded' };
      }
      const quarantine = managed ? quarantinePolicies(await iam.listAttachedPolicies(userName)) : [];
      logger.info('exposure assessed', { userName, accessKeyId, plan: plan.kind });
      return {
        status: plan.kind,
        userName,
        ...(isAccountId(input.accountId) ? { accountId: input.accountId } : {}),
        userId: user.userId,
        accessKeyId,
        oldAccessKeyId: accessKeyId,
        executionId: request.executionId,
        executionName: request.executionName,
        startedAt: execution.startDate.toISOString(),
        reason: typeof input.reason === 'string' ? input.reason.slice(0, 500) : '',
        source: typeof input.source === 'string' ? input.source : 'api',
        ...(typeof input.eventId === 'string' ? { eventId: input.eventId } : {}),
        replace: plan.kind === 'respond' && plan.replace,
        note: plan.note,
        quarantinePolicies: quarantine,
        secretName: secretNameFor(config, userName),
        timing: { gracePeriodSeconds: rotationTiming(config).gracePeriodSeconds },
      };
    });
  };
}
