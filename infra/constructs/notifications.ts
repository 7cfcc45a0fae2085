/**
 * The one notification topic: structured JSON messages with a `type` field (never secrets), plus the
 * alarms of the stack. Encrypted with its own customer managed key, because CloudWatch alarms (and
 * later EventBridge) cannot publish to a topic encrypted with the AWS managed aws/sns key.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface NotificationsProps {
  /**
   * Display name of the topic (the sender name of e-mail subscriptions).
   * @default 'iam-user-lifecycle'
   */
  readonly displayName?: string;
  /**
   * What happens to the topic's KMS key when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly keyRemovalPolicy?: RemovalPolicy;
}

/** Metric options of the alarms: occurrences summed over five minutes. */
export const FIVE_MINUTE_SUM = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM } as const;

export class Notifications extends Construct {
  /** The notification topic (SSE-KMS, SSL-only topic policy). */
  readonly topic: sns.Topic;
  /** The key the topic is encrypted with (rotation on). */
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: NotificationsProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);

    this.key = new kms.Key(this, 'Key', {
      description: 'iam-user-lifecycle: encrypts the notification topic',
      enableKeyRotation: true,
      removalPolicy: props.keyRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: props.displayName ?? 'iam-user-lifecycle',
      masterKey: this.key,
      // Adds a topic policy statement denying every request not sent over TLS.
      enforceSSL: true,
    });

    // The stack's own CloudWatch alarms notify this topic.
    this.allowServiceToPublish(
      'cloudwatch.amazonaws.com',
      stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    );
  }

  /**
   * An alarm in `scope` that fires on the first occurrence of `metric` (use FIVE_MINUTE_SUM) and
   * notifies this topic. `description` tells the person reading it what to do.
   */
  alarmOnAny(scope: Construct, id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(scope, id, {
      alarmDescription: description,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    return alarm;
  }

  /**
   * Lets a Lambda role (or any principal of this account) publish: sns:Publish on this topic, and
   * the KMS data-key calls SNS makes on the publisher's behalf for server-side encryption, only
   * through SNS.
   */
  grantPublish(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishNotifications',
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptNotificationsViaSns',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }

  /**
   * Lets an AWS service of this account publish (CloudWatch alarms; EventBridge rules later): a topic
   * policy statement limited to `sourceArn` in this account, and use of the key for encryption.
   */
  allowServiceToPublish(servicePrincipal: string, sourceArn: string): void {
    const account = Stack.of(this).account;
    const serviceName = servicePrincipal.split('.')[0] ?? servicePrincipal;
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `Allow${serviceName.charAt(0).toUpperCase()}${serviceName.slice(1).replace(/[^A-Za-z0-9]/g, '')}ToPublish`,
        actions: ['sns:Publish'],
        principals: [new iam.ServicePrincipal(servicePrincipal)],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': sourceArn },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        principals: [new iam.ServicePrincipal(servicePrincipal)],
        resources: ['*'],
      }),
    );
  }
}
