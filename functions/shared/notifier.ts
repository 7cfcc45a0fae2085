/**
 * Notifications: one SNS topic, structured JSON messages with a `type` field. The payload types
 * carry user names, key ids and reasons only; `assertNoSecret` is a last line of defence.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

export type NotificationType =
  | 'rotation.blocked'
  | 'rotation.started'
  | 'rotation.cutover-overdue'
  | 'rotation.key-deactivated'
  | 'rotation.rolled-back'
  | 'rotation.completed'
  | 'rotation.failed'
  | 'scan.completed'
  | 'offboarding.started'
  | 'offboarding.blocked'
  | 'offboarding.disabled'
  | 'offboarding.reenabled'
  | 'offboarding.cancelled'
  | 'offboarding.completed'
  | 'offboarding.failed';

export interface Notification {
  readonly type: NotificationType;
  readonly userName?: string;
  readonly [field: string]: unknown;
}

export interface Notifier {
  publish(notification: Notification): Promise<void>;
}

/** 40 characters of the secret-access-key alphabet: what a leaked AWS secret looks like. */
const SECRET_LIKE = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/;

export function containsSecretLikeValue(text: string): boolean {
  return SECRET_LIKE.test(text);
}

export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(notification: Notification): Promise<void> {
    const message = JSON.stringify({ ...notification, at: new Date().toISOString(), source: 'iam-user-lifecycle' });
    if (containsSecretLikeValue(message)) {
      // Never ship something that looks like a secret; say that something was withheld instead.
      throw new Error(`refusing to publish ${notification.type}: payload contains a secret-like value`);
    }
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Message: message,
        Subject: `iam-user-lifecycle: ${notification.type}`.slice(0, 100),
        MessageAttributes: { type: { DataType: 'String', StringValue: notification.type } },
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
