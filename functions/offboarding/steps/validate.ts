/**
 * Step 1, Validate: refuse unknown, re-created, protected and out-of-scope users with a reason
 * (offboarding.blocked) and change nothing; compute the timing from the deployed config. For a
 * restore it only answers how long to wait for stopped steps (also from the config).
 */
import { checkObservationDays, offboardingTiming, type LifecycleConfig } from '../../shared/config';
import { ValidationError } from '../../shared/errors';
import { ownerFields } from '../../shared/notification-attributes';
import { decideScope, type ScopeSubject } from '../../shared/scope';
import { requireString } from '../../shared/steps';
import { approvalKeys, samePrincipal } from '../approval-keys';
import type { ApprovalRecord, ApprovalRequestRecord } from '../approval';
import { isOffboardingAttemptName, refuseInputTiming, restoreTiming } from '../domain';
import {
  checkReason,
  checkRequestedBy,
  checkUserName,
  type BlockCode,
  type BlockedResult,
  type OffboardingState,
  type OffboardRequest,
  type RestorePreparation,
  type RestoreRequest,
  type OffboardingStepDeps,
  type StepContext,
  type WithContext,
} from './context';

/**
 * Why this offboarding is not an approved request under the two-person rule, or undefined when it
 * is: the request and approval records (write-once, in the records bucket that only the stack's
 * roles may write) name this user and id, and the approver is not the requester. (Expiry is checked
 * when the request is approved, which starts the offboarding at once.)
 */
async function whyNotApproved(
  ctx: StepContext<OffboardingStepDeps>,
  userName: string,
  userId: string,
  approvalId: unknown,
  observationDays: unknown,
): Promise<string | undefined> {
  const { records } = ctx.deps;
  if (typeof approvalId !== 'string' || !/^offboard-\d{4}$/.test(approvalId)) {
    return `offboardingApproval is "required": an offboarding starts only from an approved request (approve-offboarding or POST /offboardings/${userName}/approval)`;
  }
  const keys = approvalKeys(userName, approvalId);
  const [request, approval] = await Promise.all([
    records.get<ApprovalRequestRecord>(keys.request),
    records.get<ApprovalRecord>(keys.approval),
  ]);
  if (!request || request.action !== 'offboard' || request.userName !== userName || request.userId !== userId) {
    return `no offboarding request ${approvalId} of ${userName} (id ${userId}) is recorded`;
  }
  if (!approval) return `request ${approvalId} of ${userName} has not been approved`;
  if (request.observationDays !== observationDays) {
    return `request ${approvalId} of ${userName} was approved for ${request.observationDays ?? 'the configured'} observation days, not ${String(observationDays ?? 'the configured')}`;
  }
  if (samePrincipal(approval.approvedBy, request.requestedBy)) {
    return `request ${approvalId} of ${userName} was approved by its own requester`;
  }
  return undefined;
}

/**
 * Why the user may not be offboarded (unknown, re-created since the request, protected, out of
 * scope), or undefined. Pure: Validate and the preview (../preview) ask the same question.
 */
export function targetRefusal(
  userName: string,
  user: (ScopeSubject & { readonly userId: string }) | undefined,
  config: Pick<LifecycleConfig, 'managedUsers' | 'protectedUsers'>,
  automationUserNames: readonly string[] = [],
  requestedUserId?: string,
): { readonly code: BlockCode; readonly reason: string } | undefined {
  if (!user) return { code: 'unknown-user', reason: `user ${userName} does not exist` };
  if (requestedUserId !== undefined && requestedUserId !== user.userId) {
    return { code: 'user-replaced', reason: `user ${userName} was re-created after the request (id ${requestedUserId} is gone)` };
  }
  const scope = decideScope(user, config, automationUserNames);
  if (scope.kind === 'protected') return { code: 'protected-user', reason: `user ${userName} is protected (${scope.why})` };
  if (scope.kind === 'out-of-scope') return { code: 'out-of-scope', reason: `user ${userName} is not managed (${scope.why})` };
  return undefined;
}

export function makeValidate(ctx: StepContext<OffboardingStepDeps>) {
  const { iam, config, logger, notifier } = ctx.deps;

  return async function validate(
    input: WithContext<OffboardRequest | RestoreRequest>,
  ): Promise<OffboardingState | BlockedResult | RestorePreparation> {
    return ctx.step('validate', async () => {
      const request = input?.request;
      refuseInputTiming(request);
      if (request?.action === 'restore') {
        // The restore step checks everything else (decision record, execution, user) before it acts.
        checkUserName(request.userName);
        return { status: 'ready', settleSeconds: restoreTiming(config.timeScale).settleSeconds };
      }
      if (request?.action !== 'offboard') throw new ValidationError('action must be "offboard" or "restore"');
      const userName = checkUserName(request.userName);
      const reason = checkReason(request.reason);
      const requestedBy = checkRequestedBy(request.requestedBy);
      const timing = offboardingTiming(config, checkObservationDays(config, request.observationDays));
      const executionName = requireString(input.executionName, 'executionName');
      const startedAt = new Date(requireString(input.startedAt, 'startedAt')).toISOString();

      // Refusals name the user's Owner and Purpose tags once the user has been read.
      const seen: { tags?: Readonly<Record<string, string>> } = {};
      const blocked = async (code: BlockCode, why: string): Promise<BlockedResult> => {
        logger.warn('offboarding refused', { userName, code, reason: why });
        await notifier.publish({
          type: 'offboarding.blocked',
          userName,
          code,
          reason: why,
          executionName,
          ...ownerFields(seen.tags, config),
        });
        return { status: 'blocked', action: 'offboard', userName, code, reason: why };
      };

      // The clients were built for the account the execution input names: they must agree.
      if (request.accountId !== ctx.deps.accountId) {
        throw new ValidationError(
          'the execution input names another account than the one this step acts in; nothing was changed',
        );
      }
      const user = await iam.findUser(userName);
      seen.tags = user?.tags;
      const refusal = targetRefusal(userName, user, config, ctx.deps.automationUserNames, request.userId);
      if (refusal || !user) return blocked(refusal?.code ?? 'unknown-user', refusal?.reason ?? `user ${userName} does not exist`);
      if (config.offboardingApproval === 'required') {
        // A StartExecution that skipped the API or CLI must not skip the two-person rule.
        const why = await whyNotApproved(ctx, userName, user.userId, request.approvalId, request.observationDays);
        if (why !== undefined) return blocked('approval-required', why);
      }
      // Only the service's numbered names: an offboarding started under any other name would be
      // invisible to status and cancel (they look for those names).
      if (!isOffboardingAttemptName(executionName, userName, user.userId, ctx.deps.accountId)) {
        return blocked(
          'unknown-execution-name',
          `execution ${executionName} is not named as the service names offboardings of ${userName} (offboard-<user>-<id>[-n]); start it through the API or CLI`,
        );
      }

      logger.info('offboarding validated', { userName, userId: user.userId, executionName });
      return {
        status: 'ready',
        action: 'offboard',
        userName,
        ...(ctx.deps.accountId !== undefined ? { accountId: ctx.deps.accountId } : {}),
        userId: user.userId,
        executionName,
        startedAt,
        reason,
        requestedBy,
        timing,
      };
    });
  };
}
