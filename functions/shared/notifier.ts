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
  | 'rotation.abandoned'
  | 'rotation.completed'
  | 'rotation.failed'
  | 'rotation.key-removed'
  | 'rotation.foreign-key'
  | 'rotation.continued'
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

/**
 * What a leaked AWS secret access key looks like: 40 characters of its base64-like alphabet, with
 * upper and lower case letters and digits (a random 40-character key lacks one of them only about
 * once in five thousand). Identifiers such as long user names rarely mix all three in one run.
 */
const SECRET_LIKE = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

function looksLikeSecret(candidate: string): boolean {
  return /[A-Z]/.test(candidate) && /[a-z]/.test(candidate) && /[0-9]/.test(candidate);
}

export function containsSecretLikeValue(text: string): boolean {
  return [...text.matchAll(SECRET_LIKE)].some((m) => looksLikeSecret(m[0]));
}

/**
 * Last line of defence before a message leaves: secret-like runs are replaced, except where they
 * are part of the user's own name (IAM allows 64-character names).
 */
export function redactSecretLikeValues(text: string, keep: readonly string[] = []): string {
  return text.replace(SECRET_LIKE, (match) =>
    looksLikeSecret(match) && !keep.some((k) => k.includes(match)) ? '[REDACTED]' : match,
  );
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
