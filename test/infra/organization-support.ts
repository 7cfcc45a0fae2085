/**
 * Helpers for the organization-mode infra tests: synthesize the app with examples/organization.json
 * (hub and member stacks), and compare policy statements across the two templates.
 */
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../infra/app';
import { memberRoleName, type MemberCapability } from '../../functions/shared/organization-config';
import type { MemberStack } from '../../infra/organization/member-stack';
import type { IamUserLifecycleStack } from '../../infra/stack';
import type { PolicyDocument } from '../support/policy-simulator';
import { CDK_JSON_CONTEXT, type Json, type Statement } from './support';

export const EXAMPLE_CONFIG = 'examples/organization.json';

export interface OrganizationSynth {
  readonly hub: IamUserLifecycleStack;
  readonly member: MemberStack;
  readonly hubTemplate: Template;
  readonly memberTemplate: Template;
}

/** `cdk synth -c config=examples/organization.json` without bundling (only code assets differ). */
export function synthOrganization(context: Record<string, unknown> = {}): OrganizationSynth {
  const app = new App({
    context: { ...CDK_JSON_CONTEXT, config: EXAMPLE_CONFIG, ...context, 'aws:cdk:bundling-stacks': [] },
  });
  const { stack, member } = buildApp(app);
  if (!member) throw new Error('organization mode built no member stack');
  app.synth(); // runs the cdk-nag validation plugin: synth fails on an unacknowledged finding
  return { hub: stack, member, hubTemplate: Template.fromStack(stack), memberTemplate: Template.fromStack(member) };
}

export function idOf(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId((construct.node.defaultChild ?? construct) as Parameters<Stack['getLogicalId']>[0]);
}

/**
 * A statement with the references that necessarily differ between the hub and a member account
 * replaced by what they stand for: the offboarding deny policy and the secrets key.
 */
export function comparable(statement: Statement): string {
  const replace = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(replace).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Json;
    if (typeof obj.Ref === 'string' && /DenyPolicy/.test(obj.Ref)) return '<offboarding deny policy>';
    const getAtt = obj['Fn::GetAtt'] as string[] | undefined;
    if (getAtt && /SecretsKey/.test(getAtt[0]!)) return `<secrets key ${getAtt[1]}>`;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((k) => [k, replace(obj[k])]),
    );
  };
  return JSON.stringify(replace(statement));
}

/** Statements of a customer managed policy of the template. */
export function managedPolicyStatements(template: Template, logicalId: string): Statement[] {
  const policy = template.findResources('AWS::IAM::ManagedPolicy')[logicalId];
  if (!policy) throw new Error(`no managed policy ${logicalId}`);
  return (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement;
}

/** Logical ids of the hub roles of each capability (the member roles' only principals). */
export function hubRoleIds(s: OrganizationSynth): Record<MemberCapability, string[]> {
  const { hub } = s;
  const ids = (functions: { role: IConstruct }[]) => functions.map((f) => idOf(hub, f.role));
  const rotation = hub.keyRotation.functions;
  const offboarding = hub.offboarding.functions;
  return {
    scan: ids([hub.organizationScan!.scanAccount, hub.dailyScan.function]),
    rotation: ids([
      rotation.prepare,
      rotation.createAndStore,
      rotation.checkCutover,
      rotation.deactivateOldKey,
      rotation.finishRotation,
    ]),
    offboarding: ids([
      offboarding.validateOffboarding,
      offboarding.snapshotUser,
      offboarding.disableUser,
      offboarding.checkStillDisabled,
      offboarding.deleteUser,
      offboarding.restoreUser,
    ]),
    reactions: ids([hub.reactions.function]),
    read: ids([hub.api.function]),
    exposure: [],
  };
}

export function stackSetOf(s: OrganizationSynth): Record<string, unknown> {
  const [stackSet] = Object.values(s.hubTemplate.findResources('AWS::CloudFormation::StackSet'));
  return stackSet!.Properties as Record<string, unknown>;
}

/** The value the hub's StackSet passes for a member stack parameter. */
export function stackSetParameter(s: OrganizationSynth, key: string): unknown {
  const parameters = stackSetOf(s).Parameters as { ParameterKey: string; ParameterValue: unknown }[];
  return parameters.find((p) => p.ParameterKey === key)?.ParameterValue;
}

/** The member template's role of a capability (by its fixed name). */
export function memberRoleOf(s: OrganizationSynth, capability: MemberCapability) {
  const name = memberRoleName(s.hub.config.organization, capability);
  const found = Object.entries(s.memberTemplate.findResources('AWS::IAM::Role')).find(
    ([, r]) => (r.Properties as { RoleName?: string }).RoleName === name,
  );
  if (!found) throw new Error(`no member role ${name}`);
  return { id: found[0], props: found[1].Properties as { AssumeRolePolicyDocument: PolicyDocument } };
}

/** The AWS and account-level actions of AWS's PowerUserAccess managed policy (everything but IAM, Organizations, Account). */
export const POWER_USER_ACCESS = {
  Statement: [
    { Effect: 'Allow' as const, NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
    {
      Effect: 'Allow' as const,
      Action: [
        'iam:CreateServiceLinkedRole',
        'iam:DeleteServiceLinkedRole',
        'iam:ListRoles',
        'organizations:DescribeOrganization',
      ],
      Resource: '*',
    },
  ],
};
