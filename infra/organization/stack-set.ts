/**
 * The hub's service-managed StackSet deploying the member stack (member-stack.ts) to the target OUs:
 * automatic deployment (an account joining a target OU gets it, one leaving loses it), in us-east-1
 * (event forwarding) and the hub's region (roles, policies, key), with the hub role ARNs and the
 * hub's event bus as parameters. Excluded accounts get no member stack at all (and an allow-list of
 * account ids, when set, limits the deployment to those accounts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnCondition, Fn, Stack, Token } from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';
import { MEMBER_CAPABILITIES, type MemberCapability, type OrganizationConfig } from '../../functions/shared/organization-config';
import { EVENTS_REGION, HOME_REGION_PARAMETER, HUB_EVENT_BUS_PARAMETER, HUB_ROLE_PARAMETERS } from './member-stack';

/** CloudFormation's limit of an inline TemplateBody; a larger template goes through an S3 asset. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

/** Who creates the StackSet: the management account itself, or a delegated administrator. */
export type StackSetCallAs = 'SELF' | 'DELEGATED_ADMIN';

/** Accounts deployed at once, and how many may fail before CloudFormation stops an operation. */
export const STACK_SET_OPERATION_PREFERENCES = {
  regionConcurrencyType: 'PARALLEL',
  maxConcurrentPercentage: 25,
  failureTolerancePercentage: 10,
} as const;

export interface MemberStackSetProps {
  readonly organization: OrganizationConfig;
  /** The synthesized member template (member-template.ts). */
  readonly template: Record<string, unknown>;
  /** Exact ARNs of the hub roles of each capability (the member roles' only principals). */
  readonly hubRoleArns: Partial<Record<MemberCapability, readonly string[]>>;
  /** ARN of the hub's organization event bus. */
  readonly eventBusArn: string;
  /** @default 'SELF' */
  readonly callAs?: StackSetCallAs;
}

export class MemberStackSet extends Construct {
  readonly stackSet: cloudformation.CfnStackSet;

  constructor(scope: Construct, id: string, props: MemberStackSetProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const org = props.organization;
    const body = JSON.stringify(props.template);
    let templateSource: { templateBody: string } | { templateUrl: string };
    if (Buffer.byteLength(body) <= MAX_TEMPLATE_BODY_BYTES) {
      templateSource = { templateBody: body };
    } else {
      // Staged into the cloud assembly and uploaded with the hub's other assets.
      const file = join(mkdtempSync(join(tmpdir(), 'iam-lifecycle-member-')), 'member.template.json');
      writeFileSync(file, body);
      templateSource = { templateUrl: new s3assets.Asset(this, 'MemberTemplate', { path: file }).httpUrl };
    }

    // The hub's region, when known at synth; otherwise decided by CloudFormation (no duplicate region).
    let regions: string[];
    if (!Token.isUnresolved(stack.region)) {
      regions = [...new Set([EVENTS_REGION, stack.region])];
    } else {
      const inEventsRegion = new CfnCondition(this, 'HubInEventsRegion', {
        expression: Fn.conditionEquals(stack.region, EVENTS_REGION),
      });
      regions = Token.asList(Fn.conditionIf(inEventsRegion.logicalId, [EVENTS_REGION], [EVENTS_REGION, stack.region]));
    }

    const allowed = org.accountIds.filter((a) => !org.excludedAccountIds.includes(a));
    const deploymentTargets: cloudformation.CfnStackSet.DeploymentTargetsProperty =
      org.accountIds.length > 0
        ? { organizationalUnitIds: [...org.targetOrganizationalUnitIds], accountFilterType: 'INTERSECTION', accounts: allowed }
        : org.excludedAccountIds.length > 0
          ? {
              organizationalUnitIds: [...org.targetOrganizationalUnitIds],
              accountFilterType: 'DIFFERENCE',
              accounts: [...org.excludedAccountIds],
            }
          : { organizationalUnitIds: [...org.targetOrganizationalUnitIds] };

    const parameters: cloudformation.CfnStackSet.ParameterProperty[] = [
      { parameterKey: HOME_REGION_PARAMETER, parameterValue: stack.region },
      { parameterKey: HUB_EVENT_BUS_PARAMETER, parameterValue: props.eventBusArn },
    ];
    for (const capability of MEMBER_CAPABILITIES) {
      const arns = props.hubRoleArns[capability];
      if (arns && arns.length > 0) {
        parameters.push({ parameterKey: HUB_ROLE_PARAMETERS[capability], parameterValue: Fn.join(',', [...arns]) });
      }
    }

    this.stackSet = new cloudformation.CfnStackSet(this, 'StackSet', {
      stackSetName: `${stack.stackName}-Member`,
      description: 'iam-user-lifecycle member roles, offboarding deny policy and event forwarding in every target account',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs: props.callAs ?? 'SELF',
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      operationPreferences: { ...STACK_SET_OPERATION_PREFERENCES },
      parameters,
      stackInstancesGroup: [{ deploymentTargets, regions }],
      ...templateSource,
    });
    if (Token.isUnresolved(stack.region)) {
      acknowledge(this.stackSet, {
        id: 'CloudFormation-Validate::F3037',
        reason:
          'Regions is an Fn::If on the hub region: [us-east-1] when the hub is in us-east-1, else [us-east-1, hub ' +
          'region], so the regions are unique whichever branch CloudFormation takes; the validator reads both.',
      });
    }
  }
}
