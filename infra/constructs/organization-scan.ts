/**
 * The organization scan (organization mode): a Standard state machine
 * (statemachines/organization-scan.asl.json) that lists the target accounts
 * (functions/organization/lambdas/list-accounts.ts) and runs one account scan per account
 * (functions/organization/lambdas/scan-account.ts) in a Distributed Map, with the config's
 * maxConcurrentAccounts and toleratedFailurePercentage read through the map's *Path fields. The
 * scan schedule starts it instead of the single-account scan (infra/constructs/daily-scan.ts).
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { OrganizationConfig } from '../../functions/shared/organization-config';
import { acknowledge, iam5Resource } from '../nag';
import { applyAccountGrants, scanGrants } from './account-grants';
import { LifecycleFunction, type LifecycleFunctionSettings } from './lifecycle-function';
import type { ManagedUserAccess } from './managed-user-access';
import type { Notifications } from './notifications';
import { executionArnPattern } from './state-machine-definition';
import { createWorkflowStateMachine } from './workflow-state-machine';

export const ORGANIZATION_SCAN_ASL_FILE = 'statemachines/organization-scan.asl.json';
/** Entry of the account listing (export `listAccounts`). */
export const LIST_ACCOUNTS_ENTRY = 'functions/organization/lambdas/list-accounts.ts';
/** Entry of the per-account scan (export `scanAccount`). */
export const SCAN_ACCOUNT_ENTRY = 'functions/organization/lambdas/scan-account.ts';
/** Entry of the summary (export `summarizeOrganizationScan`). */
export const SUMMARIZE_ENTRY = 'functions/organization/lambdas/summarize.ts';

/** Read-only Organizations calls of the account listing (no resource-level scoping for most of them). */
export const ORGANIZATIONS_READ_ACTIONS = [
  'organizations:DescribeOrganization',
  'organizations:ListAccounts',
  'organizations:ListAccountsForParent',
  'organizations:ListChildren',
] as const;

export interface OrganizationScanProps {
  readonly functionSettings: LifecycleFunctionSettings;
  readonly organization: OrganizationConfig;
  /** The hub's own account is scanned with the scan Lambda's own role (same grants as the single-account scan). */
  readonly userAccess: ManagedUserAccess;
  readonly notifications: Notifications;
  /** The rotation workflow each account scan starts (in the hub). */
  readonly rotationStateMachine: sfn.StateMachine;
}

export class OrganizationScan extends Construct {
  readonly listAccounts: LifecycleFunction;
  readonly scanAccount: LifecycleFunction;
  readonly summarize: LifecycleFunction;
  readonly stateMachine: sfn.StateMachine;
  /** Fixed: `<stackName>-OrganizationScan`, so its role can start its own child executions. */
  readonly stateMachineName: string;

  constructor(scope: Construct, id: string, props: OrganizationScanProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { notifications, rotationStateMachine } = props;
    const suffix = '-OrganizationScan';
    this.stateMachineName = `${stack.stackName.slice(0, 80 - suffix.length)}${suffix}`;

    this.listAccounts = new LifecycleFunction(this, 'ListAccounts', {
      ...props.functionSettings,
      entry: LIST_ACCOUNTS_ENTRY,
      handler: 'listAccounts',
      description: 'organization scan: list the target accounts (OUs, account ids, exclusions)',
      timeout: Duration.seconds(100),
      // The hub's own account id is read from this ARN (the hub is not scanned as a member).
      extraEnvironment: { ROTATION_STATE_MACHINE_ARN: rotationStateMachine.stateMachineArn },
    });
    this.listAccounts.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadOrganization', actions: [...ORGANIZATIONS_READ_ACTIONS], resources: ['*'] }),
    );
    acknowledge(this.listAccounts.role, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Read-only Organizations calls (DescribeOrganization, ListAccounts, ListAccountsForParent, ListChildren): ' +
        'DescribeOrganization and ListAccounts accept only "*", and the OUs listed come from the config. No write.',
    });

    this.scanAccount = new LifecycleFunction(this, 'ScanAccount', {
      ...props.functionSettings,
      entry: SCAN_ACCOUNT_ENTRY,
      handler: 'scanAccount',
      description: 'organization scan: one account (credential report, rotations due)',
      // Its Task state allows 900 s (statemachines/organization-scan.asl.json); IAM may take minutes
      // to build a large account's credential report.
      timeout: Duration.minutes(14),
      extraEnvironment: { ROTATION_STATE_MACHINE_ARN: rotationStateMachine.stateMachineArn },
    });
    const role = this.scanAccount.role;
    // In the hub's own account the scan acts with this role, exactly like the single-account scan;
    // in a member account it assumes the scan member role (granted by the stack, OrganizationHub).
    applyAccountGrants(role, scanGrants(), props.userAccess, undefined);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StartRotations',
        actions: ['states:StartExecution'],
        resources: [rotationStateMachine.stateMachineArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListRotations',
        actions: ['states:ListExecutions'],
        resources: [rotationStateMachine.stateMachineArn],
      }),
    );
    const rotationExecutions = executionArnPattern(rotationStateMachine);
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
        'Execution names are derived from the account, user and key at run time; the wildcard is limited to ' +
        'executions of the rotation state machine, and only for states:DescribeExecution (read-only).',
    });
    notifications.grantPublish(role);

    this.summarize = new LifecycleFunction(this, 'Summarize', {
      ...props.functionSettings,
      entry: SUMMARIZE_ENTRY,
      handler: 'summarizeOrganizationScan',
      description: 'organization scan: one organization-scan.completed notification naming the failed accounts',
      timeout: Duration.seconds(50),
    });
    notifications.grantPublish(this.summarize.role);

    const workflow = createWorkflowStateMachine(this, {
      stateMachineName: this.stateMachineName,
      aslFile: ORGANIZATION_SCAN_ASL_FILE,
      steps: {
        ListTargetAccountsFunctionArn: this.listAccounts,
        ScanAccountFunctionArn: this.scanAccount,
        SummarizeOrganizationScanFunctionArn: this.summarize,
      },
      // MaxConcurrencyPath / ToleratedFailurePercentagePath: ListTargetAccounts answers
      // organization.maxConcurrentAccounts and toleratedFailurePercentage from the deployed config.
      comment: 'iam-user-lifecycle organization scan (Distributed Map over the target accounts)',
      invokeSid: 'InvokeOrganizationScanSteps',
      alarmDescription:
        'The organization scan failed: more accounts failed than organization.toleratedFailurePercentage allows, or ' +
        'the account listing failed. Read the map run of the execution: each failed account has its own error.',
      notifications,
      logRetention: props.functionSettings.logRetention ?? logs.RetentionDays.ONE_YEAR,
      ...(props.functionSettings.logRemovalPolicy ? { logRemovalPolicy: props.functionSettings.logRemovalPolicy } : {}),
    });
    this.stateMachine = workflow.stateMachine;

    // A Distributed Map runs each item as a child execution of this state machine: start them,
    // follow them and stop them (when the map run fails or is aborted).
    const ownArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const childExecutions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachineName}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'StartChildExecutions', actions: ['states:StartExecution'], resources: [ownArn] }),
    );
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FollowChildExecutions',
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [childExecutions],
      }),
    );
    acknowledge(this.stateMachine.role, {
      id: iam5Resource(this.stateMachine.role, childExecutions),
      reason:
        "The Distributed Map's child executions are named by Step Functions at run time (<stateMachine>/<map run>:" +
        '<id>); the wildcard covers only child executions of this state machine, to describe and stop them.',
    });
  }
}
