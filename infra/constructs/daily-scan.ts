/**
 * The daily scan: an EventBridge Scheduler schedule (config.scanSchedule) invokes the scan Lambda of
 * functions/scan/lambda.ts, which reads the credential report and starts one rotation per key that
 * is too old. An alarm reports scan errors (the schedule invokes asynchronously, so a failed scan
 * would otherwise go unnoticed).
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { ScheduleTargetBase, StepFunctionsStartExecution, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { acknowledge, iam5Resource } from '../nag';
import { Construct } from 'constructs';
import { applyAccountGrants, scanGrants } from './account-grants';
import { LifecycleFunction, type LifecycleFunctionSettings } from './lifecycle-function';
import type { ManagedUserAccess } from './managed-user-access';
import type { Offboarding } from './offboarding';
import { FIVE_MINUTE_SUM, type Notifications } from './notifications';
import { executionArnPattern } from './state-machine-definition';
import { APPROVALS_ROOT } from '../../functions/offboarding/approval-keys';
import { SIGNAL_MARKS_ROOT } from '../../functions/scan/signals';

/** What the schedule sends the scan Lambda. */
export const SCHEDULED_SCAN_INPUT = { dryRun: false } as const;

/**
 * Invokes a Lambda function from a schedule with `lambda:InvokeFunction` on its exact ARN (the stock
 * LambdaInvoke target also grants `<arn>:*`, every version and alias, which the schedule never needs).
 */
export class ExactLambdaInvoke extends ScheduleTargetBase implements scheduler.IScheduleTarget {
  constructor(
    private readonly func: IFunction,
    props: ScheduleTargetBaseProps,
  ) {
    super(props, func.functionArn);
  }

  protected addTargetActionToRole(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'InvokeTarget', actions: ['lambda:InvokeFunction'], resources: [this.func.functionArn] }),
    );
  }
}

export interface DailyScanProps {
  /** Environment and log settings shared by every Lambda of the stack. */
  readonly functionSettings: LifecycleFunctionSettings;
  /** IAM permissions on managed users (path/tag scope, protected-user Deny statements). */
  readonly userAccess: ManagedUserAccess;
  /** The notification topic: the scan reports to it, the errors alarm notifies it. */
  readonly notifications: Notifications;
  /** The rotation workflow the scan starts. */
  readonly rotationStateMachine: sfn.StateMachine;
  /**
   * The offboarding capability: with it the scan acts on lifecycle signals (expiry, inactivity:
   * functions/scan/signals-phase.ts), starting offboardings or filing approval requests, and records
   * sent reminders in its bucket. Without it the scan rotates only.
   */
  readonly offboarding?: Offboarding;
  /** EventBridge Scheduler expression, `rate(...)` or `cron(...)` (config.scanSchedule), evaluated in UTC. */
  readonly scheduleExpression: string;
  /**
   * Whether the schedule is enabled. Disable it to deploy the stack and start rotations by hand first.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Scan timeout: the credential report can take a while to generate in large accounts.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /**
   * Organization mode: the schedule starts this state machine (the organization scan, with an empty
   * input) instead of invoking the scan Lambda, which stays for the CLI and the API.
   * @default the scan Lambda
   */
  readonly scheduledStateMachine?: sfn.IStateMachine;
}

/** Entry of the scan Lambda (export `handler`). */
export const SCAN_ENTRY = 'functions/scan/lambda.ts';

export class DailyScan extends Construct {
  /** The scan Lambda (export `handler` of functions/scan/lambda.ts). */
  readonly function: LifecycleFunction;
  /** The EventBridge Scheduler schedule. */
  readonly schedule: scheduler.Schedule;
  /** The role EventBridge Scheduler assumes to invoke the scan (invoke that one function only). */
  readonly schedulerRole: iam.Role;
  /** Alarms when a scan invocation fails; notifies the topic. */
  readonly errorsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DailyScanProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.function = new LifecycleFunction(this, 'Scan', {
      ...props.functionSettings,
      entry: SCAN_ENTRY,
      handler: 'handler',
      description: 'scan: find access keys due for rotation and start their rotations',
      timeout: props.timeout ?? Duration.minutes(5),
      extraEnvironment: {
        ROTATION_STATE_MACHINE_ARN: props.rotationStateMachine.stateMachineArn,
        ...(props.offboarding
          ? {
              OFFBOARDING_STATE_MACHINE_ARN: props.offboarding.stateMachine.stateMachineArn,
              SNAPSHOT_BUCKET: props.offboarding.bucket.bucketName,
            }
          : {}),
      },
    });
    const role = this.function.role;
    applyAccountGrants(role, scanGrants({ offboards: props.offboarding !== undefined }), props.userAccess, undefined);
    if (props.offboarding) grantSignals(role, props.offboarding);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StartRotations',
        actions: ['states:StartExecution'],
        resources: [props.rotationStateMachine.stateMachineArn],
      }),
    );
    // The attempts of a key's rotation are found by listing executions (Step Functions forgets
    // closed ones after 90 days, so probing attempt names one by one could stop too early).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListRotations',
        actions: ['states:ListExecutions'],
        resources: [props.rotationStateMachine.stateMachineArn],
      }),
    );
    // Before starting, the scan looks up the execution named rotate-<user>-<keyId> (running: skip;
    // ended: report it), and after ExecutionAlreadyExists it describes the existing one.
    const rotationExecutions = executionArnPattern(props.rotationStateMachine);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeRotations',
        actions: ['states:DescribeExecution'],
        resources: [rotationExecutions],
      }),
    );
    acknowledge(role, {
      id: iam5Resource(role, rotationExecutions),
      reason:
        'Execution names are derived from the user and key at run time (rotate-<user>-<keyId>); the wildcard is ' +
        'limited to executions of the rotation state machine, and only for states:DescribeExecution (read-only).',
    });
    props.notifications.grantPublish(role);

    const scheduleGroupArn = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule-group',
      resourceName: 'default',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: 'iam-user-lifecycle: EventBridge Scheduler invokes the scan',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': scheduleGroupArn } },
      }),
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'iam-user-lifecycle: daily scan for access keys due for rotation',
      schedule: scheduler.ScheduleExpression.expression(props.scheduleExpression),
      enabled: props.enabled ?? true,
      target: props.scheduledStateMachine
        ? new StepFunctionsStartExecution(props.scheduledStateMachine, {
            role: this.schedulerRole,
            input: scheduler.ScheduleTargetInput.fromObject({}),
          })
        : new ExactLambdaInvoke(this.function.function, {
            role: this.schedulerRole,
            input: scheduler.ScheduleTargetInput.fromObject(SCHEDULED_SCAN_INPUT),
          }),
    });

    this.errorsAlarm = props.notifications.alarmOnAny(
      this,
      'ErrorsAlarm',
      this.function.function.metricErrors(FIVE_MINUTE_SUM),
      'The access key scan failed, so no rotation was started by it. Read the scan function logs; the next ' +
        'scheduled run retries.',
    );
  }
}

/**
 * What the lifecycle-signals phase needs beyond the rotation scan: every user's tags in pages of
 * 1000 (GetAccountAuthorizationDetails, which IAM only grants on "*"), starting and finding
 * offboardings, the approval requests it files, and its write-once reminder markers.
 */
function grantSignals(role: iam.IRole, offboarding: Offboarding): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'AllUserTags', actions: ['iam:GetAccountAuthorizationDetails'], resources: ['*'] }),
  );
  acknowledge(role, {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Only read-only actions IAM defines no resource type for are granted on "*": iam:GenerateCredentialReport and ' +
      "iam:GetCredentialReport (key ages and last-used dates) and iam:GetAccountAuthorizationDetails (every user's " +
      'tags, which the expiry check needs, 1000 users per call). None returns a secret.',
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'StartOffboardings',
      actions: ['states:StartExecution', 'states:ListExecutions'],
      resources: [offboarding.stateMachine.stateMachineArn],
    }),
  );
  const offboardingExecutions = executionArnPattern(offboarding.stateMachine);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DescribeOffboardings',
      actions: ['states:DescribeExecution'],
      resources: [offboardingExecutions],
    }),
  );
  acknowledge(role, {
    id: iam5Resource(role, offboardingExecutions),
    reason:
      'Offboarding execution names are derived from the user at run time (offboard-<user>-<userId>[-n]); the wildcard ' +
      'is limited to executions of the offboarding state machine, for states:DescribeExecution (read-only).',
  });
  // Approval requests (approvals/<user>/<id>/request.json) and reminder markers (signals/<user>/...).
  offboarding.grantRecordPatterns(
    role,
    'SignalRecords',
    [`${APPROVALS_ROOT}*`, `${SIGNAL_MARKS_ROOT}*`],
    'Approval requests (approvals/<user>/<id>/request.json) and reminder markers (signals/<user>/<reminder>.json) ' +
      'are keyed by user name at run time; the wildcard is limited to those two prefixes, get and create only.',
  );
  // The pending request of a user is found by listing approvals/<user>/, and a missing object must
  // read as 404 (not 403) for "no reminder sent yet".
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'ListSignalRecords', actions: ['s3:ListBucket'], resources: [offboarding.bucket.bucketArn] }),
  );
}
