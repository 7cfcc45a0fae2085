/**
 * Key rotation: the six step Lambdas of functions/rotation/lambdas/* (each with its own entry and role
 * holding only what its step calls), the Step Functions state machine of statemachines/key-rotation.asl.json,
 * its logs and tracing, and an alarm when an execution fails.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledge, iam5Resource } from '../nag';
import { applyAccountGrants, rotationGrants } from './account-grants';
import { LifecycleFunction, type LifecycleFunctionSettings } from './lifecycle-function';
import type { ManagedUserAccess } from './managed-user-access';
import type { Notifications } from './notifications';
import type { SecretsKey } from './secrets-key';
import { createWorkflowStateMachine } from './workflow-state-machine';
import * as iam from 'aws-cdk-lib/aws-iam';
import { grantExecutionCheck, grantExecutionHistory, type WorkflowIdentity } from './workflow-identity';

export const KEY_ROTATION_ASL_FILE = 'statemachines/key-rotation.asl.json';

/**
 * The rotation steps: handler export -> its own entry file (functions/rotation/lambdas/*, which bundles
 * only that step's code and clients) and its ASL placeholder.
 */
export const ROTATION_STEPS = {
  prepare: {
    entry: 'functions/rotation/lambdas/prepare.ts',
    id: 'Prepare',
    placeholder: 'PrepareRotationFunctionArn',
    description: 'rotation: check the user, fix the key',
  },
  createAndStore: {
    entry: 'functions/rotation/lambdas/create-and-store.ts',
    id: 'CreateAndStoreKey',
    placeholder: 'CreateAndStoreKeyFunctionArn',
    description: 'rotation: create the new key and store it in Secrets Manager',
  },
  checkCutover: {
    entry: 'functions/rotation/lambdas/check-cutover.ts',
    id: 'CheckCutover',
    placeholder: 'CheckCutoverFunctionArn',
    description: 'rotation: verify the cutover',
  },
  deactivateOldKey: {
    entry: 'functions/rotation/lambdas/deactivate-old-key.ts',
    id: 'DeactivateOldKey',
    placeholder: 'DeactivateOldKeyFunctionArn',
    description: 'rotation: deactivate the old key',
  },
  finishRotation: {
    entry: 'functions/rotation/lambdas/finish-rotation.ts',
    id: 'FinishRotation',
    placeholder: 'FinishRotationFunctionArn',
    description: 'rotation: delete the old key after the grace period',
  },
  notify: {
    entry: 'functions/rotation/lambdas/notify.ts',
    id: 'Notify',
    placeholder: 'RotationNotifyFunctionArn',
    description: 'rotation: send started/failed notifications',
  },
} as const;

export type RotationStep = keyof typeof ROTATION_STEPS;

export interface KeyRotationProps {
  /** Environment and log settings shared by every Lambda of the stack. */
  readonly functionSettings: LifecycleFunctionSettings;
  /** Fixed name and ARN of this workflow's state machine (its steps check they run inside it). */
  readonly identity: WorkflowIdentity;
  /** IAM permissions on managed users (path/tag scope, protected-user Deny statements). */
  readonly userAccess: ManagedUserAccess;
  /** The notification topic: steps publish to it, the failed-executions alarm notifies it. */
  readonly notifications: Notifications;
  /** Key and grants of the per-user secrets. */
  readonly secrets: SecretsKey;
  /**
   * How long the state machine's execution logs are kept.
   * @default the functions' log retention (one year)
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Copy each state's input and output into the execution logs. They hold user names and key ids,
   * never secrets, but the execution history already has them; keep one copy unless you need two.
   * @default false
   */
  readonly includeExecutionData?: boolean;
}

export class KeyRotation extends Construct {
  /** One Lambda per step, each with its own role. */
  readonly functions: Readonly<Record<RotationStep, LifecycleFunction>>;
  /** The rotation workflow (one execution per exact key, named `rotate-<user>-<keyId>`). */
  readonly stateMachine: sfn.StateMachine;
  /** Execution logs of the state machine (level ALL). */
  readonly logGroup: logs.LogGroup;
  /** Alarms on any failed execution; notifies the topic. */
  readonly failedExecutionsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: KeyRotationProps) {
    super(scope, id);
    const { userAccess, notifications, secrets } = props;

    const make = (step: RotationStep): LifecycleFunction =>
      new LifecycleFunction(this, ROTATION_STEPS[step].id, {
        ...props.functionSettings,
        entry: ROTATION_STEPS[step].entry,
        handler: step,
        description: ROTATION_STEPS[step].description,
      });
    const functions = {
      prepare: make('prepare'),
      createAndStore: make('createAndStore'),
      checkCutover: make('checkCutover'),
      deactivateOldKey: make('deactivateOldKey'),
      finishRotation: make('finishRotation'),
      notify: make('notify'),
    };
    this.functions = functions;

    // Exactly the calls each handler makes in the account of the user (IAM, secrets): the same
    // grants a member account's rotation role gets in organization mode (account-grants.ts).
    const grants = rotationGrants();
    for (const step of Object.keys(grants) as (keyof typeof grants)[]) {
      applyAccountGrants(functions[step].role, grants[step], userAccess, secrets);
      notifications.grantPublish(functions[step].role);
    }
    // Earlier attempts (a lost key, a `continued` rotation) are read with DescribeExecution: see the loop below.

    // Resuming a rotation that ended `continued`: Prepare lists this state machine's attempts for the
    // key and checks the secret's AWSCURRENT is the earlier attempt's new key.
    functions.prepare.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListOwnRotationExecutions',
        actions: ['states:ListExecutions'],
        resources: [props.identity.stateMachineArn],
      }),
    );
    // The only writer of the secrets: their resource policy denies every write to anyone else.
    functions.createAndStore.function.addEnvironment('SECRET_WRITER_ROLE_ARNS', functions.createAndStore.role.roleArn);

    notifications.grantPublish(functions.notify.role);

    // Safety rule 8: each state-changing step confirms it runs inside a live execution of this state
    // machine for its user (functions/shared/execution-guard.ts).
    for (const step of ['prepare', 'createAndStore', 'checkCutover', 'deactivateOldKey', 'finishRotation'] as const) {
      const role = functions[step].role;
      grantExecutionCheck(role, props.identity);
      acknowledge(role, {
        id: iam5Resource(role, props.identity.executionArnPattern),
        reason:
          'The step describes the execution that invoked it ($$.Execution.Id, named at run time); the wildcard is ' +
          'limited to executions of the rotation state machine, read-only (DescribeExecution; GetExecutionHistory for ' +
          'DeactivateOldKey and FinishRotation, which act on what their own execution recorded).',
      });
    }

    // DeactivateOldKey and FinishRotation act only on what their own execution's history records
    // (the cutover decision, the deactivation time), not on the state they are handed.
    for (const step of ['deactivateOldKey', 'finishRotation'] as const)
      grantExecutionHistory(functions[step].role, props.identity);

    const workflow = createWorkflowStateMachine(this, {
      stateMachineName: props.identity.stateMachineName,
      aslFile: KEY_ROTATION_ASL_FILE,
      steps: Object.fromEntries(
        (Object.keys(ROTATION_STEPS) as RotationStep[]).map((step) => [ROTATION_STEPS[step].placeholder, functions[step]]),
      ),
      comment: 'iam-user-lifecycle key rotation',
      invokeSid: 'InvokeRotationSteps',
      alarmDescription:
        'A key rotation execution failed. rotation.failed was published with the error; the user keeps a stored, ' +
        'active key. Read the execution history, fix the cause, then start the rotation again.',
      notifications,
      logRetention: props.logRetention ?? props.functionSettings.logRetention ?? logs.RetentionDays.ONE_YEAR,
      ...(props.functionSettings.logRemovalPolicy ? { logRemovalPolicy: props.functionSettings.logRemovalPolicy } : {}),
      ...(props.includeExecutionData !== undefined ? { includeExecutionData: props.includeExecutionData } : {}),
    });
    this.stateMachine = workflow.stateMachine;
    this.logGroup = workflow.logGroup;
    this.failedExecutionsAlarm = workflow.failedExecutionsAlarm;
  }
}
