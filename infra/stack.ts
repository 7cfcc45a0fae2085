/**
 * The iam-user-lifecycle stack: one construct per capability, wired through typed props.
 *
 * Shared pieces are built first and exposed as fields (notifications, secrets key, the managed-user
 * IAM scope, the settings every Lambda shares); each capability takes what it needs from them. To add
 * a capability (event reactions, ...), add a construct under infra/constructs/
 * and one `new ...` here with the shared pieces as props.
 */
import { Annotations, CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { parseConfig, type LifecycleConfig } from '../functions/shared/config';
import { DailyScan } from './constructs/daily-scan';
import { ExposureResponse } from './constructs/exposure-response';
import { IamEventReactions } from './constructs/iam-event-reactions';
import { workflowIdentity } from './constructs/workflow-identity';
import { KeyRotation } from './constructs/key-rotation';
import { LifecycleApi } from './constructs/lifecycle-api';
import type { LifecycleFunctionSettings } from './constructs/lifecycle-function';
import { ManagedUserAccess } from './constructs/managed-user-access';
import { Notifications } from './constructs/notifications';
import { Offboarding } from './constructs/offboarding';
import { OrganizationScan } from './constructs/organization-scan';
import { OrganizationHub } from './organization/hub';
import type { StackSetCallAs } from './organization/stack-set';
import { SecretsKey } from './constructs/secrets-key';

export type LambdaLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface IamUserLifecycleStackProps extends StackProps {
  /** The lifecycle config (infra/config.ts loads it from context). Validated again here. */
  readonly config: LifecycleConfig;
  /**
   * The automation's own IAM user names, if it has any: protected in code (AUTOMATION_USER_NAMES)
   * and by the same Deny statements as protectedUsers.userNames.
   * @default []
   */
  readonly automationUserNames?: readonly string[];
  /**
   * Retention of every log group of the stack (functions and state machines).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * LOG_LEVEL of the Lambdas.
   * @default 'INFO'
   */
  readonly logLevel?: LambdaLogLevel;
  /**
   * Whether the scan schedule is enabled.
   * @default true
   */
  readonly scanScheduleEnabled?: boolean;
  /**
   * Whether the stack sets the region's API Gateway logging role (an account setting the API's access
   * and execution logs need). `false` where the account baseline already sets it.
   * @default true
   */
  readonly manageApiGatewayLoggingRole?: boolean;
  /**
   * Organization mode: whether the member StackSet is created as the management account (`SELF`) or
   * as a delegated administrator of CloudFormation StackSets (`DELEGATED_ADMIN`).
   * @default 'SELF'
   */
  readonly stackSetCallAs?: StackSetCallAs;
}

export class IamUserLifecycleStack extends Stack {
  /** The validated config every part of the stack was built from. */
  readonly config: LifecycleConfig;
  readonly notifications: Notifications;
  readonly secretsKey: SecretsKey;
  /** IAM permissions on managed users; hand it to every capability that touches IAM users. */
  readonly userAccess: ManagedUserAccess;
  /** Environment and log settings every Lambda of the stack shares. */
  readonly functionSettings: LifecycleFunctionSettings;
  readonly keyRotation: KeyRotation;
  readonly dailyScan: DailyScan;
  /** Staged offboarding: snapshot bucket, step Lambdas, state machine. */
  readonly offboarding: Offboarding;
  /** The IAM-authenticated HTTP API over rotation and offboarding. */
  readonly api: LifecycleApi;
  /** Reactions to CloudTrail IAM events (re-enable during offboarding, out-of-band keys, ...). */
  readonly reactions: IamEventReactions;
  /** The exposed-key response: its workflow, containment policy and AWS Health trigger. */
  readonly exposure: ExposureResponse;
  /** Organization mode only: the Distributed Map scan over the target accounts. */
  readonly organizationScan?: OrganizationScan;
  /** Organization mode only: member role grants, organization event bus, member StackSet. */
  readonly organization?: OrganizationHub;

  constructor(scope: Construct, id: string, props: IamUserLifecycleStackProps) {
    super(scope, id, {
      description: 'iam-user-lifecycle: IAM access key rotation and staged offboarding for managed IAM users',
      ...props,
    });
    // Idempotent on a valid config; catches a hand-built object that skipped infra/config.ts.
    this.config = parseConfig(props.config);
    const automationUserNames = [...(props.automationUserNames ?? [])];
    if (this.config.timeScale !== 1) {
      Annotations.of(this).addWarningV2(
        'iam-user-lifecycle:timeScale',
        `timeScale is ${this.config.timeScale}: every age, wait and grace period of this stack is divided by it ` +
          '(a test setting). Deploy with timeScale 1 unless you mean it.',
      );
    }
    Tags.of(this).add('application', 'iam-user-lifecycle');

    this.notifications = new Notifications(this, 'Notifications');
    this.secretsKey = new SecretsKey(this, 'SecretsKey', { secretPrefix: this.config.secretPrefix });
    this.userAccess = new ManagedUserAccess(this, { config: this.config, automationUserNames });
    const rotationIdentity = workflowIdentity(this, 'rotation');
    const offboardingIdentity = workflowIdentity(this, 'offboarding');
    this.functionSettings = {
      environment: {
        // Known before the state machines exist (fixed names): steps check they run inside their own.
        ROTATION_STATE_MACHINE_ARN: rotationIdentity.stateMachineArn,
        OFFBOARDING_STATE_MACHINE_ARN: offboardingIdentity.stateMachineArn,
        LIFECYCLE_CONFIG: JSON.stringify(this.config),
        NOTIFICATION_TOPIC_ARN: this.notifications.topic.topicArn,
        SECRETS_KMS_KEY_ID: this.secretsKey.key.keyArn,
        AUTOMATION_USER_NAMES: automationUserNames.join(','),
        LOG_LEVEL: props.logLevel ?? 'INFO',
      },
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    };

    this.keyRotation = new KeyRotation(this, 'KeyRotation', {
      functionSettings: this.functionSettings,
      identity: rotationIdentity,
      userAccess: this.userAccess,
      notifications: this.notifications,
      secrets: this.secretsKey,
    });
    this.offboarding = new Offboarding(this, 'Offboarding', {
      functionSettings: this.functionSettings,
      identity: offboardingIdentity,
      userAccess: this.userAccess,
      notifications: this.notifications,
      secrets: this.secretsKey,
      // Every role of this stack (resolved at synth): the activity check never counts their calls.
      stackRoles: () => this.node.findAll().filter((c): c is iam.Role => c instanceof iam.Role),
    });
    const org = this.config.organization;
    if (org.enabled) {
      this.organizationScan = new OrganizationScan(this, 'OrganizationScan', {
        functionSettings: this.functionSettings,
        organization: org,
        userAccess: this.userAccess,
        notifications: this.notifications,
        rotationStateMachine: this.keyRotation.stateMachine,
      });
    }
    this.dailyScan = new DailyScan(this, 'DailyScan', {
      functionSettings: this.functionSettings,
      userAccess: this.userAccess,
      notifications: this.notifications,
      rotationStateMachine: this.keyRotation.stateMachine,
      scheduleExpression: this.config.scanSchedule,
      enabled: props.scanScheduleEnabled ?? true,
      // Organization mode: the schedule starts the organization scan instead.
      ...(this.organizationScan ? { scheduledStateMachine: this.organizationScan.stateMachine } : {}),
      // Expiry and inactivity offboard through it (functions/scan/signals-phase.ts).
      offboarding: this.offboarding,
    });
    this.exposure = new ExposureResponse(this, 'Exposure', {
      functionSettings: this.functionSettings,
      identity: workflowIdentity(this, 'exposure'),
      userAccess: this.userAccess,
      notifications: this.notifications,
      secrets: this.secretsKey,
      rotationCreateAndStore: this.keyRotation.functions.createAndStore,
    });
    this.api = new LifecycleApi(this, 'Api', {
      functionSettings: this.functionSettings,
      userAccess: this.userAccess,
      notifications: this.notifications,
      secrets: this.secretsKey,
      rotationStateMachine: this.keyRotation.stateMachine,
      offboarding: this.offboarding,
      exposure: this.exposure,
      principals: this.config.api.principals,
      accountRoutes: this.config.organization.enabled,
      manageAccountLoggingRole: props.manageApiGatewayLoggingRole ?? true,
    });

    this.reactions = new IamEventReactions(this, 'Reactions', {
      functionSettings: this.functionSettings,
      config: this.config,
      userAccess: this.userAccess,
      notifications: this.notifications,
      offboarding: this.offboarding,
      // Every role of this stack (resolved at synth): events they cause are not reacted to.
      stackRoles: () => this.node.findAll().filter((c): c is iam.Role => c instanceof iam.Role),
    });

    if (this.organizationScan) {
      const rotation = this.keyRotation.functions;
      const offboarding = this.offboarding.functions;
      this.organization = new OrganizationHub(this, 'Organization', {
        config: this.config,
        automationUserNames,
        hubRoles: {
          scan: [this.organizationScan.scanAccount.role, this.dailyScan.function.role],
          rotation: [
            rotation.prepare,
            rotation.createAndStore,
            rotation.checkCutover,
            rotation.deactivateOldKey,
            rotation.finishRotation,
          ].map((f) => f.role),
          offboarding: [
            offboarding.validateOffboarding,
            offboarding.snapshotUser,
            offboarding.disableUser,
            offboarding.checkStillDisabled,
            offboarding.deleteUser,
            offboarding.restoreUser,
          ].map((f) => f.role),
          reactions: [this.reactions.function.role],
          read: [this.api.function.role],
        },
        reactionsFunction: this.reactions.function.function,
        ...(props.stackSetCallAs ? { stackSetCallAs: props.stackSetCallAs } : {}),
      });
      new CfnOutput(this, 'OrganizationScanStateMachineArn', { value: this.organizationScan.stateMachine.stateMachineArn });
      new CfnOutput(this, 'OrganizationEventBusArn', { value: this.organization.eventBus.eventBusArn });
      new CfnOutput(this, 'MemberStackSetName', { value: this.organization.memberStackSet.stackSet.stackSetName });
    }

    new CfnOutput(this, 'NotificationTopicArn', {
      value: this.notifications.topic.topicArn,
      description: 'Subscribe here for rotation and offboarding notifications and alarms',
    });
    new CfnOutput(this, 'RotationStateMachineArn', { value: this.keyRotation.stateMachine.stateMachineArn });
    new CfnOutput(this, 'OffboardingStateMachineArn', { value: this.offboarding.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ExposureStateMachineArn', { value: this.exposure.stateMachine.stateMachineArn });
    new CfnOutput(this, 'SnapshotBucketName', {
      value: this.offboarding.bucket.bucketName,
      description: 'Offboarding snapshots and records (offboarding/<user>/<execution>/), versioned',
    });
    new CfnOutput(this, 'ApiUrl', {
      value: this.api.url,
      description: 'Lifecycle HTTP API (AWS_IAM: sign requests with SigV4, service execute-api)',
    });
    // The CLI (deployed mode) invokes the scan and reads the deployed config from this function.
    new CfnOutput(this, 'ScanFunctionName', { value: this.dailyScan.function.function.functionName });
    new CfnOutput(this, 'SecretsKmsKeyArn', {
      value: this.secretsKey.key.keyArn,
      description: 'Encrypts the stored keys; usable only through Secrets Manager (a reader needs no kms permission)',
    });
  }
}
