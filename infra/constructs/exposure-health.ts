/**
 * The AWS Health trigger of the exposure response: an EventBridge rule on `aws.health` events of the
 * RISK service under the five codes AWS uses for exposed keys (functions/exposure/health.ts), whose
 * target Lambda (functions/exposure/lambdas/health.ts) starts one response per exposed key. Delivery
 * failures (EventBridge could not invoke) and handler failures (after Lambda's async retries) both
 * land in one dead-letter queue, whose alarm notifies the topic.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EXPOSURE_EVENT_CODES } from '../../functions/exposure/health';
import { acknowledge, iam5Resource } from '../nag';
import { LifecycleFunction, type LifecycleFunctionSettings } from './lifecycle-function';
import type { ManagedUserAccess } from './managed-user-access';
import type { Notifications } from './notifications';
import type { WorkflowIdentity } from './workflow-identity';

export const EXPOSURE_HEALTH_ENTRY = 'functions/exposure/lambdas/health.ts';
export const EXPOSURE_HEALTH_HANDLER = 'onHealthEvent';

/** The rule's pattern: AWS Health, service RISK, any of the five exposure codes. */
export function exposureHealthEventPattern(): events.EventPattern {
  return {
    source: ['aws.health'],
    detailType: ['AWS Health Event'],
    detail: { service: ['RISK'], eventTypeCode: [...EXPOSURE_EVENT_CODES] },
  };
}

export interface ExposureHealthRuleProps {
  readonly functionSettings: LifecycleFunctionSettings;
  readonly userAccess: ManagedUserAccess;
  readonly notifications: Notifications;
  readonly stateMachine: sfn.StateMachine;
  readonly identity: WorkflowIdentity;
}

export class ExposureHealthRule extends Construct {
  readonly function: LifecycleFunction;
  readonly rule: events.Rule;
  /** Events EventBridge could not deliver and invocations that failed after every retry. */
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ExposureHealthRuleProps) {
    super(scope, id);
    const { userAccess } = props;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.deadLetterQueue, {
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the AWS Health rule target and of the Health Lambda; a dead-letter ' +
        'queue of its own would only move the same messages. Its alarm notifies the topic on the first message.',
    });

    this.function = new LifecycleFunction(this, 'Handler', {
      ...props.functionSettings,
      entry: EXPOSURE_HEALTH_ENTRY,
      handler: EXPOSURE_HEALTH_HANDLER,
      description: 'exposure: AWS Health exposed-key events -> one exposure response per key',
    });
    this.function.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
    const role = this.function.role;

    // The key's owner: GetAccessKeyLastUsed answers UserName (managed users, then any user, read-only).
    userAccess.grant(role, { read: ['iam:GetAccessKeyLastUsed'] });
    grantFindKeyOwnerAnyUser(role, userAccess);
    grantStartExposure(this.function, props.stateMachine, props.identity);

    this.rule = new events.Rule(this, 'Rule', {
      description: 'iam-user-lifecycle: AWS Health exposed-credential events (all five RISK codes) to the exposure response',
      eventPattern: exposureHealthEventPattern(),
      targets: [
        new targets.LambdaFunction(this.function.function, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    this.deadLetterAlarm = props.notifications.alarmOnAny(
      this,
      'DeadLetterAlarm',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      'An AWS Health exposed-key event could not be handled (its response was not started). Read the message in the ' +
        'dead-letter queue, start the response by hand (POST /exposures or iam-lifecycle react --event), then delete it.',
    );
  }
}

/**
 * Read-only iam:GetAccessKeyLastUsed on every user, for a role that already reads managed users
 * (userAccess.grant, with the protection Deny statements): a key's owner may live outside the
 * managed path, and its exposure is then reported (notify-only) instead of failing with
 * AccessDenied. Nothing is added when the managed path is "/" (every user already).
 */
export function grantFindKeyOwnerAnyUser(role: iam.IRole, userAccess: ManagedUserAccess): void {
  const anyUser = Stack.of(role).formatArn({
    service: 'iam',
    region: '',
    resource: 'user',
    resourceName: '*',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  if (userAccess.managedUserArns.includes(anyUser)) return;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'FindKeyOwnerAnyUser', actions: ['iam:GetAccessKeyLastUsed'], resources: [anyUser] }),
  );
  acknowledge(role, {
    id: iam5Resource(role, anyUser),
    reason:
      'Read-only iam:GetAccessKeyLastUsed on every user: an exposure report names only the key, and its owner may live ' +
      'outside the managed path (then the response is notify-only). No write is allowed outside the managed path.',
  });
}

/**
 * Lets a starter (the Health target, the API) start exposure responses and see one already
 * running: StartExecution on the exposure state machine, DescribeExecution on its executions
 * (functions/shared/workflows.ts looks before it starts), and its ARN in EXPOSURE_STATE_MACHINE_ARN.
 */
export function grantStartExposure(fn: LifecycleFunction, stateMachine: sfn.StateMachine, identity: WorkflowIdentity): void {
  const role = fn.role;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'StartExposureResponses',
      actions: ['states:StartExecution'],
      resources: [stateMachine.stateMachineArn],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DescribeExposureResponses',
      actions: ['states:DescribeExecution'],
      resources: [identity.executionArnPattern],
    }),
  );
  acknowledge(role, {
    id: iam5Resource(role, identity.executionArnPattern),
    reason:
      'Execution names are derived from the exposed key at run time (expose-<user>-<keyId>); the wildcard is limited ' +
      'to executions of the exposure state machine, read-only (DescribeExecution: is a response for this key running?).',
  });
  fn.function.addEnvironment('EXPOSURE_STATE_MACHINE_ARN', stateMachine.stateMachineArn);
}
