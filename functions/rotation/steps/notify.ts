/** Notify: the notifications the state machine sends itself (started, failed). Changes nothing but the topic. */
import { ValidationError } from '../../shared/errors';
import { isAccountId } from '../../shared/organization-config';
import { failureFields } from '../../shared/steps';
import type { Notification, NotificationType } from '../../shared/notifier';
import { stepRunner, type RotationDeps, type RotationState } from './context';

const NOTIFY_TYPES = new Set<NotificationType>(['rotation.started', 'rotation.failed', 'rotation.cutover-overdue']);

export function makeNotify(deps: Pick<RotationDeps, 'notifier' | 'logger'>) {
  const { notifier, logger } = deps;
  const step = stepRunner(logger);

  /** Publishes the notifications the state machine sends itself (started, failed). */
  async function notify(input: {
    type: NotificationType;
    state?: Partial<RotationState>;
    error?: { Error?: string; Cause?: string };
  }) {
    return step('notify', async () => {
      if (!NOTIFY_TYPES.has(input?.type))
        throw new ValidationError(`notify: unsupported notification type ${String(input?.type)}`);
      const s = input.state ?? {};
      const notification: Notification = {
        type: input.type,
        ...(s.userName ? { userName: s.userName } : {}),
        // Organization mode: Prepare's state (or, before it, the execution input) names the account.
        ...(isAccountId(s.accountId) ? { accountId: s.accountId } : {}),
        ...(typeof s.owner === 'string' && s.owner ? { owner: s.owner } : {}),
        ...(typeof s.purpose === 'string' && s.purpose ? { purpose: s.purpose } : {}),
        ...(s.mode === 'retire' ? { why: 'unused' } : {}),
        ...(s.oldAccessKeyId ? { oldAccessKeyId: s.oldAccessKeyId } : {}),
        ...(s.newKey ? { newAccessKeyId: s.newKey.accessKeyId } : {}),
        ...(s.secretName ? { secretName: s.secretName } : {}),
        ...(s.deadlineAt ? { deadlineAt: s.deadlineAt } : {}),
        ...(s.executionName ? { executionName: s.executionName } : {}),
        ...(input.error ? failureFields(input.error) : {}),
      };
      await notifier.publish(notification);
      return { notified: input.type };
    });
  }

  return notify;
}
