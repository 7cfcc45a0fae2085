/**
 * The exposed-key response: the seven step Lambdas of functions/exposure/lambdas/* (each with its own
 * role holding only what its step calls), the state machine of statemachines/exposure.asl.json, the
 * stack-owned containment policy Contain attaches, and the AWS Health rule (./exposure-health.ts)
 * that starts one response per exposed key.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CONTAINMENT_STATEMENT } from '../../functions/exposure/domain';
import { acknowledge, iam5Resource } from '../nag';
import { ExposureHealthRule } from './exposure-health';
import { LifecycleFunction, type LifecycleFunctionSettings } from './lifecycle-function';
import type { ManagedUserAccess } from './managed-user-access';
import type { Notifications } from './notifications';
import type { SecretsKey } from './secrets-key';
import { grantExecutionCheck, type WorkflowIdentity } from './workflow-identity';

export { grantStartExposure } from './exposure-health';
import { createWorkflowStateMachine } from './workflow-state-machine';

export const EXPOSURE_ASL_FILE = 'statemachines/exposure.asl.json';

/** The exposure steps: handler export -> its own entry file and its ASL placeholder. */
export const EXPOSURE_STEPS = {
  assess: {
    entry: 'functions/exposure/lambdas/assess.ts',
    id: 'Assess',
    placeholder: 'AssessExposureFunctionArn',
    description: 'exposure: fix the user, the exposed key and the plan',
  },
  contain: {
    entry: 'functions/exposure/lambdas/contain.ts',
    id: 'Contain',
    placeholder: 'ContainExposureFunctionArn',
    description: "exposure: attach the stack's containment policy (denies the user's temporary credentials)",
  },
  createAndStore: {
    entry: 'functions/exposure/lambdas/create-and-store.ts',
    id: 'CreateAndStoreKey',
    placeholder: 'ExposureCreateAndStoreKeyFunctionArn',
    description: 'exposure: create the replacement key and store it in Secrets Manager',
  },
  deactivateExposedKey: {
    entry: 'functions/exposure/lambdas/deactivate-exposed-key.ts',
    id: 'DeactivateExposedKey',
    placeholder: 'DeactivateExposedKeyFunctionArn',
    description: 'exposure: deactivate the exposed key at once',
  },
  reportExposure: {
    entry: 'functions/exposure/lambdas/report.ts',
    id: 'ReportExposure',
    placeholder: 'ReportExposureFunctionArn',
    description: "exposure: key.exposed with the key's CloudTrail activity",
  },
  deleteExposedKey: {
    entry: 'functions/exposure/lambdas/delete-exposed-key.ts',
    id: 'DeleteExposedKey',
    placeholder: 'DeleteExposedKeyFunctionArn',
    description: 'exposure: delete the exposed key after the grace period',
  },
  notifyFailed: {
    entry: 'functions/exposure/lambdas/notify-failed.ts',
    id: 'NotifyFailed',
    placeholder: 'ExposureNotifyFailedFunctionArn',
    description: 'exposure: exposure.failed with what was done before the failure',
  },
} as const;

export type ExposureStep = keyof typeof EXPOSURE_STEPS;

export interface ExposureResponseProps {
  readonly functionSettings: LifecycleFunctionSettings;
  /** Fixed name and ARN of the exposure state machine (workflowIdentity(scope, 'exposure')). */
  readonly identity: WorkflowIdentity;
  readonly userAccess: ManagedUserAccess;
  readonly notifications: Notifications;
  readonly secrets: SecretsKey;
  /**
   * The rotation's create-and-store: both write the per-user secrets, whose resource policy denies
   * writes to anyone but the writers, so each is told both roles (SECRET_WRITER_ROLE_ARNS).
   */
  readonly rotationCreateAndStore: LifecycleFunction;
}

export class ExposureResponse extends Construct {
  readonly identity: WorkflowIdentity;
  readonly functions: Readonly<Record<ExposureStep, LifecycleFunction>>;
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  readonly failedExecutionsAlarm: cloudwatch.Alarm;
  /**
   * The stack-owned customer managed policy Contain attaches: it denies every request made with
   * temporary credentials of the user (aws:TokenIssueTime present). The Contain role may attach this
   * policy and no other (iam:PolicyARN condition); no role detaches it (a person does, see README).
   */
  readonly containmentPolicy: iam.ManagedPolicy;
  /** The AWS Health rule, its target Lambda and its dead-letter queue. */
  readonly health: ExposureHealthRule;

  constructor(scope: Construct, id: string, props: ExposureResponseProps) {
    super(scope, id);
    const { userAccess, notifications, secrets, identity } = props;
    this.identity = identity;

    this.containmentPolicy = new iam.ManagedPolicy(this, 'ContainmentPolicy', {
      description:
        'iam-user-lifecycle: attached to a user whose access key was exposed; denies every request made with ' +
        "the user's temporary credentials (long-term keys are not affected)",
      document: iam.PolicyDocument.fromJson({ Version: '2012-10-17', Statement: [CONTAINMENT_STATEMENT] }),
    });

    const make = (step: ExposureStep): LifecycleFunction =>
      new LifecycleFunction(this, EXPOSURE_STEPS[step].id, {
        ...props.functionSettings,
        entry: EXPOSURE_STEPS[step].entry,
        handler: step,
        description: EXPOSURE_STEPS[step].description,
        extraEnvironment: {
          EXPOSURE_STATE_MACHINE_ARN: identity.stateMachineArn,
          ...(step === 'contain' ? { EXPOSURE_CONTAINMENT_POLICY_ARN: this.containmentPolicy.managedPolicyArn } : {}),
        },
      });
    const functions = {
      assess: make('assess'),
      contain: make('contain'),
      createAndStore: make('createAndStore'),
      deactivateExposedKey: make('deactivateExposedKey'),
      reportExposure: make('reportExposure'),
      deleteExposedKey: make('deleteExposedKey'),
      notifyFailed: make('notifyFailed'),
    };
    this.functions = functions;

    // Exactly the calls each step makes (functions/exposure/steps/* via shared/iam/users.ts). Every
    // state-changing step re-reads the user (GetUser, ListUserTags when GetUser carries no tags).
    const user = ['iam:GetUser', 'iam:ListUserTags'];
    // Assess reads any user (to answer a protected or out-of-scope user with notify-only), and the
    // keys and attached policies of managed users only.
    userAccess.grant(functions.assess.role, {
      identifyAnyUser: true,
      read: [...user, 'iam:ListAccessKeys', 'iam:ListAttachedUserPolicies'],
    });
    // The only IAM write of Contain: attaching the stack's containment policy (a deny) and no other.
    userAccess.grant(functions.contain.role, {
      read: user,
      conditionalWrites: [
        {
          sid: 'AttachContainmentPolicyOnly',
          actions: ['iam:AttachUserPolicy'],
          conditions: { ArnEquals: { 'iam:PolicyARN': [this.containmentPolicy.managedPolicyArn] } },
        },
      ],
    });
    // The rotation's create-and-store, with the same grants as the rotation's step.
    userAccess.grant(functions.createAndStore.role, {
      read: [...user, 'iam:ListAccessKeys', 'iam:GetAccessKeyLastUsed'],
      write: ['iam:CreateAccessKey', 'iam:DeleteAccessKey'],
    });
    secrets.grantStore(functions.createAndStore.role);
    notifications.grantPublish(functions.createAndStore.role);
    const writers = `${props.rotationCreateAndStore.role.roleArn},${functions.createAndStore.role.roleArn}`;
    for (const fn of [props.rotationCreateAndStore, functions.createAndStore]) {
      fn.function.addEnvironment('SECRET_WRITER_ROLE_ARNS', writers);
    }
    userAccess.grant(functions.deactivateExposedKey.role, { read: user, write: ['iam:UpdateAccessKey'] });
    userAccess.grant(functions.deleteExposedKey.role, {
      read: [...user, 'iam:ListAccessKeys'],
      write: ['iam:DeleteAccessKey'],
    });
    notifications.grantPublish(functions.deleteExposedKey.role);
    notifications.grantPublish(functions.reportExposure.role);
    notifications.grantPublish(functions.notifyFailed.role);
    // The activity summary: LookupEvents by AccessKeyId. CloudTrail defines no resource for it.
    functions.reportExposure.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'LookupKeyActivity', actions: ['cloudtrail:LookupEvents'], resources: ['*'] }),
    );
    acknowledge(functions.reportExposure.role, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudtrail:LookupEvents supports no resource type (the Service Authorization Reference lists none), so "*" ' +
        'is the only accepted resource. Read-only: the step keeps event names, source IPs, regions and times.',
    });

    // Safety rule 8: every step but NotifyFailed confirms it runs inside a live exposure execution.
    for (const step of [
      'assess',
      'contain',
      'createAndStore',
      'deactivateExposedKey',
      'reportExposure',
      'deleteExposedKey',
    ] as const) {
      const role = functions[step].role;
      grantExecutionCheck(role, identity);
      acknowledge(role, {
        id: iam5Resource(role, identity.executionArnPattern),
        reason:
          'The step describes the execution that invoked it ($$.Execution.Id, named at run time); the wildcard is ' +
          'limited to executions of the exposure state machine, read-only (DescribeExecution).',
      });
    }

    const workflow = createWorkflowStateMachine(this, {
      stateMachineName: identity.stateMachineName,
      aslFile: EXPOSURE_ASL_FILE,
      steps: Object.fromEntries(
        (Object.keys(EXPOSURE_STEPS) as ExposureStep[]).map((step) => [EXPOSURE_STEPS[step].placeholder, functions[step]]),
      ),
      comment: 'iam-user-lifecycle exposed-key response',
      invokeSid: 'InvokeExposureSteps',
      alarmDescription:
        'An exposure response failed. exposure.failed says what was done before the failure (contained, ' +
        'deactivated). The exposed key may still be active: deactivate it by hand, then read the execution history.',
      notifications,
      logRetention: props.functionSettings.logRetention ?? logs.RetentionDays.ONE_YEAR,
      ...(props.functionSettings.logRemovalPolicy ? { logRemovalPolicy: props.functionSettings.logRemovalPolicy } : {}),
    });
    this.stateMachine = workflow.stateMachine;
    this.logGroup = workflow.logGroup;
    this.failedExecutionsAlarm = workflow.failedExecutionsAlarm;

    this.health = new ExposureHealthRule(this, 'Health', {
      functionSettings: props.functionSettings,
      userAccess,
      notifications,
      stateMachine: this.stateMachine,
      identity,
    });
  }
}
