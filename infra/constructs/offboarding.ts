/**
 * Staged offboarding: the snapshot bucket (snapshots, status, decision and final records, versioned),
 * the seven step Lambdas of functions/offboarding/lambda.ts (each with its own role holding only what
 * its step calls), the Step Functions state machine of statemachines/offboarding.asl.json, its logs
 * and tracing, and an alarm when an execution fails.
 */
import { Duration, FeatureFlags, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { CHANGING_STEP_TIMEOUT_SECONDS, OFFBOARDING_TAG_KEYS, RECORDS_ROOT } from '../../functions/offboarding/domain';
import { acknowledge, iam5Resource } from '../nag';
import { LifecycleFunction, type LifecycleFunctionSettings } from './lifecycle-function';
import type { ManagedUserAccess } from './managed-user-access';
import type { Notifications } from './notifications';
import type { SecretsKey } from './secrets-key';
import { aslTaskTimeouts } from './state-machine-definition';
import { createWorkflowStateMachine } from './workflow-state-machine';
import type { WorkflowIdentity } from './workflow-identity';

export const OFFBOARDING_ASL_FILE = 'statemachines/offboarding.asl.json';
const ENTRY = 'functions/offboarding/lambda.ts';

/**
 * Lambda timeouts sit this far below their Task state's TimeoutSeconds: the Lambda gives up first (so
 * the error names the function rather than a bare States.Timeout), and a cold start's init phase (up
 * to 10 s, not counted against the function timeout) still ends inside the state's timeout. The
 * restore waits CHANGING_STEP_TIMEOUT_SECONDS (120 s) after stopping an offboarding because a Disable
 * or CheckStillDisabled invocation in flight is over by then; these margins are what make that true.
 */
export const LAMBDA_TIMEOUT_MARGIN_SECONDS = 20;

/** The offboarding steps: export of functions/offboarding/lambda.ts -> its ASL placeholder and timeout. */
export const OFFBOARDING_STEPS = {
  validateOffboarding: {
    id: 'Validate',
    placeholder: 'ValidateOffboardingFunctionArn',
    timeoutSeconds: 40, // state: 60 s
    description: 'offboarding: check the user may be offboarded',
  },
  snapshotUser: {
    id: 'Snapshot',
    placeholder: 'SnapshotUserFunctionArn',
    timeoutSeconds: 100, // state: 120 s
    description: 'offboarding: record everything the user has in S3',
  },
  disableUser: {
    id: 'Disable',
    placeholder: 'DisableUserFunctionArn',
    timeoutSeconds: 100, // state: 120 s (CHANGING_STEP_TIMEOUT_SECONDS)
    description: 'offboarding: deny policy, delete the password, deactivate every credential',
  },
  checkStillDisabled: {
    id: 'CheckStillDisabled',
    placeholder: 'CheckStillDisabledFunctionArn',
    timeoutSeconds: 100, // state: 120 s (CHANGING_STEP_TIMEOUT_SECONDS)
    description: 'offboarding: find and disable again anything re-enabled',
  },
  deleteUser: {
    id: 'DeleteUser',
    placeholder: 'DeleteUserFunctionArn',
    timeoutSeconds: 280, // state: 300 s
    description: 'offboarding: remove every dependency, the secret and the user',
  },
  restoreUser: {
    id: 'RestoreUser',
    placeholder: 'RestoreUserFunctionArn',
    timeoutSeconds: 280, // state: 300 s
    description: 'offboarding: cancel, restore the user from its snapshot',
  },
  notify: {
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
  /** s3:GetObject on the records, and s3:ListBucket so a missing record answers 404, not 403. */
  readonly read?: boolean;
  /** s3:PutObject on the records (conditional writes included). */
  readonly write?: boolean;
}

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
    });
    this.recordsArnPattern = this.bucket.arnForObjects(`${RECORDS_ROOT}*`);

    const make = (step: OffboardingStep): LifecycleFunction =>
      new LifecycleFunction(this, OFFBOARDING_STEPS[step].id, {
        ...props.functionSettings,
        entry: ENTRY,
        handler: step,
        description: OFFBOARDING_STEPS[step].description,
        timeout: Duration.seconds(OFFBOARDING_STEPS[step].timeoutSeconds),
        extraEnvironment: { SNAPSHOT_BUCKET: this.bucket.bucketName },
      });
    const functions = {
      validateOffboarding: make('validateOffboarding'),
      snapshotUser: make('snapshotUser'),
      disableUser: make('disableUser'),
      checkStillDisabled: make('checkStillDisabled'),
      deleteUser: make('deleteUser'),
      restoreUser: make('restoreUser'),
      notify: make('notify'),
    };
    this.functions = functions;

    // Exactly the calls each handler makes (functions/offboarding/handlers.ts via iam-user-admin.ts,
    // snapshot-store.ts and secret-store.ts). The test suite pins these sets.
    const credentialState = [
      'iam:GetLoginProfile',
      'iam:ListAccessKeys',
      'iam:ListSSHPublicKeys',
      'iam:ListSigningCertificates',
      'iam:ListServiceSpecificCredentials',
      'iam:GetUserPolicy', // the deny policy's current document
    ];
    const switchOff = [
      'iam:PutUserPolicy', // the deny policy
      'iam:DeleteLoginProfile',
      'iam:UpdateAccessKey',
      'iam:UpdateSSHPublicKey',
      'iam:UpdateSigningCertificate',
      'iam:UpdateServiceSpecificCredential',
    ];
    const inventoryLists = [
      'iam:ListGroupsForUser',
      'iam:ListAttachedUserPolicies',
      'iam:ListUserPolicies',
      'iam:GetLoginProfile',
      'iam:ListAccessKeys',
      'iam:ListMFADevices',
      'iam:ListSSHPublicKeys',
      'iam:ListSigningCertificates',
      'iam:ListServiceSpecificCredentials',
    ];
    const user = ['iam:GetUser', 'iam:ListUserTags'];
    // Disable, CheckStillDisabled and DeleteUser only ever set the offboarding tags.
    const offboardingTagsOnly = { actions: ['iam:TagUser'] as const, tagKeys: [...OFFBOARDING_TAG_KEYS] };

    const { validateOffboarding, snapshotUser, disableUser, checkStillDisabled, deleteUser, restoreUser, notify } = functions;

    userAccess.grant(validateOffboarding.role, { read: user, identifyAnyUser: true });
    notifications.grantPublish(validateOffboarding.role);

    userAccess.grant(snapshotUser.role, {
      read: [...user, ...inventoryLists, 'iam:GetUserPolicy', 'iam:GetAccessKeyLastUsed', 'iam:GetSSHPublicKey'],
    });
    secrets.grantDescribe(snapshotUser.role); // records whether the user's secret exists, never its value
    this.grantRecords(snapshotUser.role, { read: true, write: true });
    notifications.grantPublish(snapshotUser.role);

    userAccess.grant(disableUser.role, {
      read: unique([...user, ...credentialState]),
      write: switchOff,
      limitedTagging: offboardingTagsOnly,
    });
    this.grantRecords(disableUser.role, { read: true, write: true }); // reads the decision record first
    notifications.grantPublish(disableUser.role);

    userAccess.grant(checkStillDisabled.role, {
      read: unique([...user, ...credentialState]),
      write: switchOff,
      limitedTagging: offboardingTagsOnly,
    });
    this.grantRecords(checkStillDisabled.role, { write: true }); // only writes the status record
    notifications.grantPublish(checkStillDisabled.role);

    userAccess.grant(deleteUser.role, {
      read: unique([...user, ...inventoryLists]),
      write: [
        'iam:DeleteLoginProfile',
        'iam:DeleteAccessKey',
        'iam:DeleteSigningCertificate',
        'iam:DeleteSSHPublicKey',
        'iam:DeleteServiceSpecificCredential',
        'iam:DeactivateMFADevice',
        'iam:DeleteUserPolicy',
        'iam:DetachUserPolicy',
        'iam:RemoveUserFromGroup',
        'iam:DeleteUserPermissionsBoundary',
        'iam:DeleteUser',
      ],
      limitedTagging: offboardingTagsOnly,
    });
    userAccess.grantGroupMembership(deleteUser.role, ['iam:RemoveUserFromGroup']);
    userAccess.grantVirtualMfaDeletion(deleteUser.role);
    secrets.grantDelete(deleteUser.role);
    this.grantRecords(deleteUser.role, { read: true, write: true });
    notifications.grantPublish(deleteUser.role);

    // The one role that grants permissions back. Its limits: managed users only (path, and the
    // managed tag when configured), never a protected user (Deny by name and by tag), the offboarding
    // tags are the only ones it may remove. It cannot be limited further by policy without breaking
    // the restore: the policies, groups and boundary to put back come from the snapshot at run time.
    userAccess.grant(restoreUser.role, {
      read: unique([...user, ...inventoryLists, 'iam:GetUserPolicy']),
      write: [
        'iam:PutUserPolicy',
        'iam:AttachUserPolicy',
        'iam:AddUserToGroup',
        'iam:PutUserPermissionsBoundary',
        'iam:UpdateAccessKey',
        'iam:UpdateSSHPublicKey',
        'iam:UpdateSigningCertificate',
        'iam:UpdateServiceSpecificCredential',
        'iam:DeleteUserPolicy', // the deny policy
        'iam:TagUser', // the snapshot's own tags, whatever their keys
      ],
      limitedTagging: { actions: ['iam:UntagUser'], tagKeys: [...OFFBOARDING_TAG_KEYS] },
    });
    userAccess.grantGroupMembership(restoreUser.role, ['iam:AddUserToGroup']);
    this.grantRecords(restoreUser.role, { read: true, write: true });
    notifications.grantPublish(restoreUser.role);

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
          actions: ['s3:GetObject'],
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
          actions: ['s3:PutObject'],
          resources: [this.recordsArnPattern],
        }),
      );
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

function unique(actions: readonly string[]): string[] {
  return [...new Set(actions)];
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
