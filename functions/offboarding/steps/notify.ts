/** Failure notification of the offboarding workflow (NotifyFailed). Changes nothing but the topic. */
import { ValidationError } from '../../shared/errors';
import type { NotificationType } from '../../shared/notifier';
import { isAccountId } from '../../shared/organization-config';
import { failureFields } from '../../shared/steps';
import type { OffboardingStepDeps, StepRunner } from './context';

const NOTIFY_TYPES = new Set<NotificationType>(['offboarding.failed']);

export interface NotifyInput {
  readonly type: NotificationType;
  readonly executionName?: string;
  readonly state?: {
    readonly userName?: unknown;
    readonly accountId?: unknown;
    readonly action?: string;
    readonly offboardingExecutionName?: string;
    readonly disable?: { readonly disabledAt?: string };
  };
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

/** Needs only the topic: the Notify Lambda is built without IAM, S3, Step Functions or Secrets Manager. */
export function makeNotify(ctx: { readonly step: StepRunner; readonly deps: Pick<OffboardingStepDeps, 'notifier'> }) {
  const { notifier } = ctx.deps;
  return async function notify(input: NotifyInput): Promise<{ notified: NotificationType }> {
    return ctx.step('notify', async () => {
      if (!NOTIFY_TYPES.has(input?.type)) {
        throw new ValidationError(`notify: unsupported notification type ${String(input?.type)}`);
      }
      const s = input.state ?? {};
      await notifier.publish({
        type: input.type,
        ...(typeof s.userName === 'string' ? { userName: s.userName } : {}),
        // Organization mode: Validate's state (or the execution input) names the account.
        ...(isAccountId(s.accountId) ? { accountId: s.accountId } : {}),
        ...(input.executionName ? { executionName: input.executionName } : {}),
        ...(s.action ? { action: s.action } : {}),
        ...(s.offboardingExecutionName ? { offboardingExecutionName: s.offboardingExecutionName } : {}),
        ...(s.disable ? { disabledAt: s.disable.disabledAt } : {}),
        ...(input.error ? failureFields(input.error) : {}),
      });
      return { notified: input.type };
    });
  };
}
