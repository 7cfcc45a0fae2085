/** The notifier of a Lambda that publishes: SNS to NOTIFICATION_TOPIC_ARN (required). */
import { SNSClient } from '@aws-sdk/client-sns';
import { clientConfig } from '../aws-target';
import { SnsNotifier, type Notifier } from '../notifier';
import { requiredEnv, type Runtime } from '../runtime';

export function notifierFor(rt: Pick<Runtime, 'target' | 'env'>): Notifier {
  return new SnsNotifier(new SNSClient(clientConfig(rt.target)), requiredEnv(rt.env, 'NOTIFICATION_TOPIC_ARN'));
}
