/**
 * Notifications: one SNS topic, structured JSON messages with a `type` field. The payload types
 * carry user names, key ids and reasons only; `assertNoSecret` is a last line of defence.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { messageAttributesOf } from './notification-attributes';
import { redactSecretLikeValues } from './redact';

// Re-exported: callers that need only these import ./redact and keep the SNS client out of their bundle.
export { containsSecretLikeValue, redactSecretLikeValues } from './redact';

export type NotificationType =
  | 'rotation.blocked'
  | 'rotation.started'
  | 'rotation.cutover-overdue'
  | 'rotation.key-deactivated'
  | 'rotation.rolled-back'
  | 'rotation.abandoned'
  | 'rotation.completed'
  | 'rotation.failed'
  | 'rotation.key-removed'
  | 'rotation.foreign-key'
  | 'rotation.continued'
  | 'scan.completed'
  | 'organization-scan.completed'
  | 'user.expiring'
  | 'user.inactive'
  | 'offboarding.started'
  | 'offboarding.blocked'
  | 'offboarding.disabled'
  | 'offboarding.reenabled'
  | 'offboarding.activity-seen'
  | 'offboarding.cancelled'
  | 'offboarding.completed'
  | 'offboarding.failed'
  | 'key.out-of-band'
  | 'scope.changed'
  | 'privilege.escalated'
  | 'mfa.removed'
  | 'key.exposed'
  | 'exposure.completed'
  | 'exposure.failed';

export interface Notification {
  readonly type: NotificationType;
  readonly userName?: string;
  /** The user's Owner tag (ownerTagKey), when the publisher read the user's tags: the `owner` attribute. */
  readonly owner?: string;
  /** The user's Purpose tag (purposeTagKey), in the message only. */
  readonly purpose?: string;
  /** Organization mode: the member account; the `accountId` attribute. */
  readonly accountId?: string;
  readonly [field: string]: unknown;
}

export interface Notifier {
  publish(notification: Notification): Promise<void>;
}

export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(notification: Notification): Promise<void> {
    const message = redactSecretLikeValues(
      JSON.stringify({ ...notification, at: new Date().toISOString(), source: 'iam-user-lifecycle' }),
      notification.userName ? [notification.userName] : [],
    );
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Message: message,
        Subject: `iam-user-lifecycle: ${notification.type}`.slice(0, 100),
        // type, severity, userName, owner, accountId (./notification-attributes): for filter policies.
        MessageAttributes: messageAttributesOf(notification),
      }),
    );
  }
}

/** Keeps notifications in memory (local runs and tests) and optionally forwards them. */
export class RecordingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  constructor(private readonly forward?: Notifier) {}
  async publish(notification: Notification): Promise<void> {
    this.sent.push(notification);
    if (this.forward) await this.forward.publish(notification);
  }
}

/**
 * Organization mode: every notification of a workflow acting in a member account names that
 * account (`accountId`). Without an account (single-account mode) the notifier is unchanged.
 */
export function notifierForAccount(notifier: Notifier, accountId: string | undefined): Notifier {
  if (accountId === undefined) return notifier;
  return { publish: (notification) => notifier.publish({ ...notification, accountId }) };
}
