/**
 * Helpers for the organization-mode infra tests: synthesize the app with examples/organization.json
 * (hub and member stacks), and compare policy statements across the two templates.
 */
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../infra/app';
import type { MemberStack } from '../../infra/organization/member-stack';
import type { IamUserLifecycleStack } from '../../infra/stack';
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
