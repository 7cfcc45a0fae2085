/**
 * Staged offboarding: the snapshot bucket (snapshots, status, decision and final records, versioned),
 * the eight step Lambdas of functions/offboarding/lambdas/* (each with its own entry and a role holding only what
 * its step calls), the Step Functions state machine of statemachines/offboarding.asl.json, its logs
 * and tracing, and an alarm when an execution fails.
 */
import { APPROVALS_ROOT } from '../../functions/offboarding/approval-keys';
import { Duration, FeatureFlags, Fn, Lazy, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { CHANGING_STEP_TIMEOUT_SECONDS, RECORDS_ROOT } from '../../functions/offboarding/domain';
import { acknowledge, iam5Resource } from '../nag';
import { applyAccountGrants, offboardingGrants } from './account-grants';
import { LifecycleFunction, type LifecycleFunctionSettings } from './lifecycle-function';
import type { ManagedUserAccess } from './managed-user-access';
import type { Notifications } from './notifications';
import type { SecretsKey } from './secrets-key';
import { aslTaskTimeouts } from './state-machine-definition';
import { createWorkflowStateMachine } from './workflow-state-machine';
import { grantExecutionCheck, grantExecutionHistory, type WorkflowIdentity } from './workflow-identity';

export const OFFBOARDING_ASL_FILE = 'statemachines/offboarding.asl.json';

/**
 * Lambda timeouts sit this far below their Task state's TimeoutSeconds: the Lambda gives up first (so
 * the error names the function rather than a bare States.Timeout), and a cold start's init phase (up
 * to 10 s, not counted against the function timeout) still ends inside the state's timeout. The
 * restore waits CHANGING_STEP_TIMEOUT_SECONDS (120 s) after stopping an offboarding because a Disable
 * or CheckStillDisabled invocation in flight is over by then; these margins are what make that true.
 */
export const LAMBDA_TIMEOUT_MARGIN_SECONDS = 20;

/**
 * The offboarding steps: handler export -> its own entry file (functions/offboarding/lambdas/*, which
 * bundles only that step's code and clients), its ASL placeholder and timeout.
 */
export const OFFBOARDING_STEPS = {
  validateOffboarding: {
    entry: 'functions/offboarding/lambdas/validate.ts',
    id: 'Validate',
    placeholder: 'ValidateOffboardingFunctionArn',
    timeoutSeconds: 40, // state: 60 s
    description: 'offboarding: check the user may be offboarded',
  },
  snapshotUser: {
    entry: 'functions/offboarding/lambdas/snapshot.ts',
    id: 'Snapshot',
    placeholder: 'SnapshotUserFunctionArn',
    timeoutSeconds: 100, // state: 120 s
    description: 'offboarding: record everything the user has in S3',
  },
  disableUser: {
    entry: 'functions/offboarding/lambdas/disable.ts',
    id: 'Disable',
    placeholder: 'DisableUserFunctionArn',
    timeoutSeconds: 100, // state: 120 s (CHANGING_STEP_TIMEOUT_SECONDS)
    description: 'offboarding: deny policy, delete the password, deactivate every credential',
  },
  checkStillDisabled: {
    entry: 'functions/offboarding/lambdas/check-still-disabled.ts',
    id: 'CheckStillDisabled',
    placeholder: 'CheckStillDisabledFunctionArn',
    timeoutSeconds: 100, // state: 120 s (CHANGING_STEP_TIMEOUT_SECONDS)
    description: 'offboarding: find and disable again anything re-enabled',
  },
  checkActivity: {
    entry: 'functions/offboarding/lambdas/check-activity.ts',
    id: 'CheckActivity',
    placeholder: 'CheckActivityFunctionArn',
    // activityLookupBudgetSeconds is at most 600 s; the page under way and the notification fit in the rest.
    timeoutSeconds: 660, // state: 680 s
    description: 'offboarding: look up CloudTrail for the user activity before deletion',
  },
  deleteUser: {
    entry: 'functions/offboarding/lambdas/delete-user.ts',
    id: 'DeleteUser',
    placeholder: 'DeleteUserFunctionArn',
    timeoutSeconds: 280, // state: 300 s
    description: 'offboarding: remove every dependency, the secret and the user',
  },
  restoreUser: {
    entry: 'functions/offboarding/lambdas/restore.ts',
    id: 'RestoreUser',
    placeholder: 'RestoreUserFunctionArn',
    timeoutSeconds: 280, // state: 300 s
    description: 'offboarding: cancel, restore the user from its snapshot',
  },
  notify: {
    entry: 'functions/offboarding/lambdas/notify.ts',
    id: 'Notify',
    placeholder: 'OffboardingNotifyFunctionArn',
    timeoutSeconds: 40, // state: 60 s
    description: 'offboarding: send failed notifications',
  },
} as const;

export type OffboardingStep = keyof typeof OFFBOARDING_STEPS;

/** The steps that change credentials while a cancel may be restoring them (see LAMBDA_TIMEOUT_MARGIN_SECONDS). */
export const CHANGING_STEPS: readonly OffboardingStep[] = ['disableUser', 'checkStillDisabled'];

export interface RecordsAccess {
  /** s3:GetObject (and GetObjectVersion) on the records, and s3:ListBucket so a missing record answers 404, not 403. */
  readonly read?: boolean;
  /**
   * s3:PutObject on the records (conditional writes included). The role is also named in the bucket
   * policy as one of the only principals that may write records.
   */
  readonly write?: boolean;
  /** s3:PutObjectRetention: writes final records with an Object Lock retention. */
  readonly lock?: boolean;
}

/** Record writes and deletes the bucket policy refuses to anyone but the record writers. */
export const RECORD_WRITE_ACTIONS = [
  's3:PutObject',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:PutObjectRetention',
  's3:PutObjectLegalHold',
  's3:BypassGovernanceRetention',
  's3:PutObjectAcl',
  's3:PutObjectVersionAcl',
  's3:RestoreObject',
] as const;

export interface OffboardingProps {
  /** Environment and log settings shared by every Lambda of the stack. */
  readonly functionSettings: LifecycleFunctionSettings;
  /** Fixed name and ARN of this workflow's state machine (its steps check they run inside it). */
  readonly identity: WorkflowIdentity;
  /** IAM permissions on managed users (path/tag scope, protected-user Deny statements). */
  readonly userAccess: ManagedUserAccess;
  /** The notification topic: steps publish to it, the failed-executions alarm notifies it. */
  readonly notifications: Notifications;
  /** Key and grants of the per-user secrets (the snapshot notes the secret, deletion removes it). */
  readonly secrets: SecretsKey;
  /**
   * The stack's roles (resolved at synth): CheckActivity never counts their calls as the user's
   * activity (STACK_PRINCIPAL_IDS, unique ids). @default none
   */
  readonly stackRoles?: () => readonly iam.Role[];
  /**
   * How long the state machine's execution logs and the bucket's access logs are kept.
   * @default the functions' log retention (one year)
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Copy each state's input and output into the execution logs (user names, ids and counts; the
   * snapshot stays in S3). The execution history already has them.
   * @default false
   */
  readonly includeExecutionData?: boolean;
  /**
   * What happens to the snapshot bucket and its access-log bucket when the stack is deleted. The
   * records are the audit evidence of who was offboarded, when and with what, so they stay.
   * @default RemovalPolicy.RETAIN
   */
  readonly bucketRemovalPolicy?: RemovalPolicy;
}

export class Offboarding extends Construct {
  /**
   * Snapshots and records of every offboarding, under `offboarding/<user>/<execution>/`: SSE-S3,
   * versioned (status records are overwritten; the versions are their history), public access
   * blocked, TLS only, access-logged.
   */
  readonly bucket: s3.Bucket;
  /** Server access logs of the snapshot bucket: who read or wrote which record. */
  readonly accessLogsBucket: s3.Bucket;
  /** One Lambda per step, each with its own role. */
  readonly functions: Readonly<Record<OffboardingStep, LifecycleFunction>>;
  /** The offboarding workflow (`offboard-<user>-<userId>[-n]`; restores `restore-...`). */
  readonly stateMachine: sfn.StateMachine;
  /** Execution logs of the state machine (level ALL). */
  readonly logGroup: logs.LogGroup;
  /** Alarms on any failed execution; notifies the topic. */
  readonly failedExecutionsAlarm: cloudwatch.Alarm;
  /** `<bucket ARN>/offboarding/*`: the only objects any role reads or writes. */
  readonly recordsArnPattern: string;
  /**
   * The stack's customer managed policy that denies everything, attached to a user while it is
   * disabled. The roles may attach and detach this policy and no other (iam:PolicyARN condition).
   */
  readonly denyPolicy: iam.ManagedPolicy;
  /** The roles that write records: the bucket policy refuses record writes and deletes to anyone else. */
  private readonly recordWriters: iam.IRole[] = [];

  constructor(scope: Construct, id: string, props: OffboardingProps) {
    super(scope, id);
    const { userAccess, notifications, secrets } = props;
    const retention = props.logRetention ?? props.functionSettings.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const removalPolicy = props.bucketRemovalPolicy ?? RemovalPolicy.RETAIN;

    // With cdk.json's @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy, log delivery is allowed by a
    // bucket policy and ACLs stay disabled; an app without that flag gets CDK's log-delivery ACL.
    const logDeliveryByPolicy = FeatureFlags.of(this).isEnabled(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY);
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      // Server access log delivery supports SSE-S3 on the target bucket.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      ...(logDeliveryByPolicy ? { objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED } : {}),
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy,
      lifecycleRules:
        retention === logs.RetentionDays.INFINITE ? [] : [{ id: 'ExpireAccessLogs', expiration: Duration.days(retention) }],
    });
    this.bucket = new s3.Bucket(this, 'SnapshotBucket', {
      // The records hold user inventories (policy documents, public key bodies, tags), never a secret.
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'snapshot-bucket/',
      removalPolicy,
      // Final records are written with a governance-mode retention (config finalRecordRetentionDays).
      objectLockEnabled: true,
    });
    this.recordsArnPattern = this.bucket.arnForObjects(`${RECORDS_ROOT}*`);
    // Only the roles that write records may write or delete any object in the bucket, whatever
    // their identity policies say (PowerUserAccess includes s3:*): a forged snapshot or decision
    // record cannot be planted, and no record can be removed or have its retention changed.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyRecordWritersWrite',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...RECORD_WRITE_ACTIONS],
        resources: [this.bucket.arnForObjects('*')],
        conditions: {
          ArnNotEquals: {
            'aws:PrincipalArn': Lazy.list({ produce: () => this.recordWriters.map((role) => role.roleArn) }),
          },
        },
      }),
    );

    this.denyPolicy = new iam.ManagedPolicy(this, 'DenyPolicy', {
      description:
        'iam-user-lifecycle: attached to an IAM user while it is being offboarded; denies everything (the user is disabled)',
      statements: [
        new iam.PolicyStatement({ sid: 'OffboardingDenyAll', effect: iam.Effect.DENY, actions: ['*'], resources: ['*'] }),
      ],
    });

    const make = (step: OffboardingStep): LifecycleFunction =>
      new LifecycleFunction(this, OFFBOARDING_STEPS[step].id, {
        ...props.functionSettings,
        entry: OFFBOARDING_STEPS[step].entry,
        handler: step,
        description: OFFBOARDING_STEPS[step].description,
        timeout: Duration.seconds(OFFBOARDING_STEPS[step].timeoutSeconds),
        extraEnvironment: {
          SNAPSHOT_BUCKET: this.bucket.bucketName,
          OFFBOARDING_DENY_POLICY_ARN: this.denyPolicy.managedPolicyArn,
        },
      });
    const functions = {
      validateOffboarding: make('validateOffboarding'),
      snapshotUser: make('snapshotUser'),
      disableUser: make('disableUser'),
      checkStillDisabled: make('checkStillDisabled'),
      checkActivity: make('checkActivity'),
      deleteUser: make('deleteUser'),
      restoreUser: make('restoreUser'),
      notify: make('notify'),
    };
    this.functions = functions;

    // Exactly the calls each handler makes in the account of the user (IAM, secrets): the same
    // grants a member account's offboarding role gets in organization mode (account-grants.ts).
    const grants = offboardingGrants({ denyPolicyArn: this.denyPolicy.managedPolicyArn });
    for (const step of Object.keys(grants) as (keyof typeof grants)[]) {
      applyAccountGrants(functions[step].role, grants[step], userAccess, secrets);
      notifications.grantPublish(functions[step].role);
    }
    const { validateOffboarding, snapshotUser, disableUser, checkStillDisabled, checkActivity, deleteUser, restoreUser, notify } =
      functions;

    // Under the two-person rule Validate reads the approved request an offboarding carries out
    // (functions/offboarding/approval.ts); ListBucket so a missing record reads as 404, not 403.
    const approvalRecords = this.bucket.arnForObjects(`${APPROVALS_ROOT}*`);
    validateOffboarding.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadApprovalRecords', actions: ['s3:GetObject'], resources: [approvalRecords] }),
    );
    validateOffboarding.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ListRecords', actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
    );
    acknowledge(validateOffboarding.role, {
      id: iam5Resource(validateOffboarding.role, approvalRecords),
      reason:
        'Approval records are keyed approvals/<user>/<request id>/<record>.json, known only at run time; read only, ' +
        'limited to the approvals prefix of the records bucket.',
    });

    this.grantRecords(snapshotUser.role, { read: true, write: true });
    this.grantRecords(disableUser.role, { read: true, write: true }); // reads the snapshot and the decision record
    this.grantRecords(checkStillDisabled.role, { write: true }); // only writes the status record
    // Activity before deletion: CloudTrail reads only; the user's key ids come from the execution history.
    checkActivity.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'LookupCloudTrailEvents', actions: ['cloudtrail:LookupEvents'], resources: ['*'] }),
    );
    acknowledge(checkActivity.role, {
      id: iam5Resource(checkActivity.role, '*'),
      reason:
        'cloudtrail:LookupEvents supports no resource-level permissions (the service authorization reference lists ' +
        'no resource type for it); it only reads management events, and this role has no other CloudTrail action.',
    });
    notifications.grantPublish(checkActivity.role);
    const stackRoles = props.stackRoles;
    if (stackRoles) {
      checkActivity.function.addEnvironment(
        'STACK_PRINCIPAL_IDS',
        Lazy.string({
          produce: () =>
            Fn.join(
              ',',
              stackRoles().map((r) => r.roleId),
            ),
        }),
      );
    }

    this.grantRecords(deleteUser.role, { read: true, write: true, lock: true });
    this.grantRecords(restoreUser.role, { read: true, write: true, lock: true });

    // Safety rule 8: every state-changing step confirms it runs in a live execution of this state
    // machine (DescribeExecution) and reads what earlier steps returned from that execution's own
    // history (GetExecutionHistory), of this state machine's executions only.
    for (const fn of [snapshotUser, disableUser, checkStillDisabled, checkActivity, deleteUser, restoreUser]) {
      grantExecutionCheck(fn.role, props.identity);
      if (fn !== snapshotUser) grantExecutionHistory(fn.role, props.identity);
      acknowledge(fn.role, {
        id: iam5Resource(fn.role, props.identity.executionArnPattern),
        reason:
          'Execution names are derived from the user at run time (offboard-<user>-<userId>, restore-...); the wildcard ' +
          "is limited to executions of this stack's offboarding state machine, read-only (DescribeExecution, " +
          'GetExecutionHistory), so a step can refuse to run outside a live execution for its user.',
      });
    }

    notifications.grantPublish(notify.role);

    checkTimeouts();
    const workflow = createWorkflowStateMachine(this, {
      stateMachineName: props.identity.stateMachineName,
      aslFile: OFFBOARDING_ASL_FILE,
      steps: Object.fromEntries(
        (Object.keys(OFFBOARDING_STEPS) as OffboardingStep[]).map((step) => [
          OFFBOARDING_STEPS[step].placeholder,
          functions[step],
        ]),
      ),
      comment: 'iam-user-lifecycle staged offboarding and its cancellation (restore)',
      invokeSid: 'InvokeOffboardingSteps',
      alarmDescription:
        'An offboarding (or its restore) failed. offboarding.failed was published with the error. Read the execution ' +
        'history and the status record in the snapshot bucket; every step is safe to run again.',
      notifications,
      logRetention: retention,
      ...(props.functionSettings.logRemovalPolicy ? { logRemovalPolicy: props.functionSettings.logRemovalPolicy } : {}),
      ...(props.includeExecutionData !== undefined ? { includeExecutionData: props.includeExecutionData } : {}),
    });
    this.stateMachine = workflow.stateMachine;
    this.logGroup = workflow.logGroup;
    this.failedExecutionsAlarm = workflow.failedExecutionsAlarm;
  }

  /**
   * Read and conditional-create access to objects under these key patterns of the snapshot bucket,
   * for a role outside the offboarding (the CloudTrail reactions); the role becomes a record writer.
   */
  grantRecordPatterns(role: iam.IRole, sid: string, keyPatterns: readonly string[], reason: string): void {
    const resources = keyPatterns.map((pattern) => this.bucket.arnForObjects(pattern));
    role.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid, actions: ['s3:GetObject', 's3:PutObject'], resources }),
    );
    this.recordWriters.push(role);
    for (const arn of resources) acknowledge(role, { id: iam5Resource(role, arn), reason });
  }

  /**
   * Access to the offboarding records (`offboarding/*` of the snapshot bucket). Reads come with
   * s3:ListBucket on the bucket: without it S3 answers a missing key with 403, and the code reads
   * "not there yet" from the 404.
   */
  grantRecords(role: iam.IRole, access: RecordsAccess): void {
    const principal = role.grantPrincipal;
    if (access.read) {
      principal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadOffboardingRecords',
          actions: ['s3:GetObject', 's3:GetObjectVersion'], // records are read back at their pinned version
          resources: [this.recordsArnPattern],
        }),
      );
      principal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ListOffboardingRecords',
          actions: ['s3:ListBucket'],
          resources: [this.bucket.bucketArn],
        }),
      );
    }
    if (access.write) {
      principal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'WriteOffboardingRecords',
          actions: access.lock ? ['s3:PutObject', 's3:PutObjectRetention'] : ['s3:PutObject'],
          resources: [this.recordsArnPattern],
        }),
      );
      this.recordWriters.push(role);
    }
    acknowledge(role, {
      id: iam5Resource(role, this.recordsArnPattern),
      reason:
        'Offboarding records are keyed offboarding/<user>/<execution>/<record>.json, known only at run time; the ' +
        'wildcard is limited to the records prefix of the snapshot bucket. No delete is granted: the bucket is ' +
        'versioned and overwrites keep the earlier versions.',
    });
  }
}

/** Synth fails when a Lambda could outlive its Task state (see LAMBDA_TIMEOUT_MARGIN_SECONDS). */
function checkTimeouts(): void {
  const states = aslTaskTimeouts(OFFBOARDING_ASL_FILE);
  for (const [step, { placeholder, timeoutSeconds }] of Object.entries(OFFBOARDING_STEPS)) {
    const limit = (states[placeholder] ?? Infinity) - LAMBDA_TIMEOUT_MARGIN_SECONDS;
    if (timeoutSeconds > limit) {
      throw new Error(
        `${OFFBOARDING_ASL_FILE}: the ${step} Lambda timeout (${timeoutSeconds} s) must be at least ` +
          `${LAMBDA_TIMEOUT_MARGIN_SECONDS} s below its Task state's TimeoutSeconds (${states[placeholder]})`,
      );
    }
  }
  for (const step of CHANGING_STEPS) {
    if (OFFBOARDING_STEPS[step].timeoutSeconds + LAMBDA_TIMEOUT_MARGIN_SECONDS > CHANGING_STEP_TIMEOUT_SECONDS) {
      throw new Error(`the ${step} Lambda could still run when a restore starts (CHANGING_STEP_TIMEOUT_SECONDS)`);
    }
  }
}
