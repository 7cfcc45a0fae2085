/**
 * What every workflow of the stack gets alike: a Standard state machine from its ASL file with the
 * step functions' ARNs substituted, logs (level ALL) and X-Ray tracing, permission to invoke exactly
 * its step functions, and an alarm on failed executions that notifies the topic.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag';
import type { LifecycleFunction } from './lifecycle-function';
import { FIVE_MINUTE_SUM, type Notifications } from './notifications';
import { aslDefinition, aslDefinitionWithNumbers } from './state-machine-definition';

export interface WorkflowStateMachineProps {
  /**
   * Fixed state machine name (see workflow-identity.ts): its ARN is then known to the step functions.
   * @default a name CloudFormation generates
   */
  readonly stateMachineName?: string;
  /** ASL file, relative to the repository root. */
  readonly aslFile: string;
  /** ASL placeholder name (without `${}`) -> the function bound to it. */
  readonly steps: Readonly<Record<string, LifecycleFunction>>;
  readonly comment: string;
  /** Statement id of the invoke permission, e.g. `InvokeRotationSteps`. */
  readonly invokeSid: string;
  /** What a person reading the alarm should do. */
  readonly alarmDescription: string;
  readonly notifications: Notifications;
  readonly logRetention: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** @default false (state data holds no secrets, but keep history lean unless debugging) */
  readonly includeExecutionData?: boolean;
  /** Placeholders written into the definition as numbers at synth (aslDefinitionWithNumbers). @default none */
  readonly numbers?: Readonly<Record<string, number>>;
}

export interface WorkflowStateMachine {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  readonly failedExecutionsAlarm: cloudwatch.Alarm;
  /** Executions that hit Step Functions' one-year limit (a rotation left waiting for cutover). */
  readonly timedOutExecutionsAlarm: cloudwatch.Alarm;
}

/** Creates the resources in `scope` (ids StateMachineLogs, StateMachine, FailedExecutionsAlarm). */
export function createWorkflowStateMachine(scope: Construct, props: WorkflowStateMachineProps): WorkflowStateMachine {
  const logGroup = new logs.LogGroup(scope, 'StateMachineLogs', {
    retention: props.logRetention,
    removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
  });
  const functions = Object.values(props.steps);
  const substitutions = Object.fromEntries(
    Object.entries(props.steps).map(([placeholder, f]) => [placeholder, f.function.functionArn]),
  );
  const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
    ...(props.numbers
      ? aslDefinitionWithNumbers(props.aslFile, substitutions, { ...props.numbers })
      : aslDefinition(props.aslFile, substitutions)),
    stateMachineType: sfn.StateMachineType.STANDARD,
    ...(props.stateMachineName ? { stateMachineName: props.stateMachineName } : {}),
    comment: props.comment,
    tracingEnabled: true,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: props.includeExecutionData ?? false },
  });
  // The ASL invokes the unqualified function ARNs, so no "<arn>:*" (versions, aliases) as grantInvoke would add.
  stateMachine.addToRolePolicy(
    new iam.PolicyStatement({
      sid: props.invokeSid,
      actions: ['lambda:InvokeFunction'],
      resources: functions.map((f) => f.function.functionArn),
    }),
  );
  acknowledge(stateMachine.role, {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Added by CDK for execution logging and X-Ray tracing: the CloudWatch Logs log-delivery actions ' +
      '(logs:CreateLogDelivery, logs:PutResourcePolicy, ...) and xray:PutTraceSegments/PutTelemetryRecords/' +
      `GetSampling* support no resource-level permissions. The role can otherwise only invoke its ${functions.length} step functions.`,
  });

  const failedExecutionsAlarm = props.notifications.alarmOnAny(
    scope,
    'FailedExecutionsAlarm',
    stateMachine.metricFailed(FIVE_MINUTE_SUM),
    props.alarmDescription,
  );
  const timedOutExecutionsAlarm = props.notifications.alarmOnAny(
    scope,
    'TimedOutExecutionsAlarm',
    stateMachine.metricTimedOut(FIVE_MINUTE_SUM),
    'An execution reached the Step Functions time limit (one year) without finishing, e.g. a rotation whose ' +
      'cutover never happened under cutoverDeadlineAction "notify". Look at the user and decide by hand.',
  );
  return { stateMachine, logGroup, failedExecutionsAlarm, timedOutExecutionsAlarm };
}
