/**
 * What organization mode adds to the hub stack (infra/stack.ts, only when organization.enabled):
 *
 * - each hub Lambda role that acts in member accounts may assume the member role of its capability,
 *   and only that one: `arn:<partition>:iam::*:role/<memberRolePrefix>-<capability>`, in accounts of
 *   the organization (`aws:ResourceOrgID`);
 * - an organization event bus: member accounts (aws:PrincipalOrgID) put their IAM CloudTrail events
 *   and Health credential-exposure events there (the member stack's us-east-1 rules); the reactions'
 *   rules on it invoke the reactions Lambda, which acts in the account the event came from;
 * - the member StackSet (stack-set.ts) with the member template (member-template.ts).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { LifecycleConfig } from '../../functions/shared/config';
import { MEMBER_CAPABILITIES, memberRoleName, type MemberCapability } from '../../functions/shared/organization-config';
import { reactionEventPatterns } from '../constructs/iam-event-reactions';
import { acknowledge, iam5Resource } from '../nag';
import { synthesizeMemberTemplate } from './member-template';
import { MemberStackSet, type StackSetCallAs } from './stack-set';

export interface OrganizationHubProps {
  readonly config: LifecycleConfig;
  readonly automationUserNames: readonly string[];
  /** The hub roles acting in member accounts, by capability (each gets its member role, and trusts it). */
  readonly hubRoles: Partial<Record<MemberCapability, readonly iam.IRole[]>>;
  /** Invoked by the organization bus's reaction rules. */
  readonly reactionsFunction: IFunction;
  /** @default 'SELF' */
  readonly stackSetCallAs?: StackSetCallAs;
}

/** `arn:<partition>:iam::*:role/<prefix>-<capability>`: that capability's member role in any account. */
export function memberRoleArnPattern(scope: Construct, config: LifecycleConfig, capability: MemberCapability): string {
  return `arn:${Stack.of(scope).partition}:iam::*:role/${memberRoleName(config.organization, capability)}`;
}

/** Lets a hub role assume the member role of its capability in the organization's accounts. */
export function grantAssumeMemberRole(role: iam.IRole, config: LifecycleConfig, capability: MemberCapability): void {
  const pattern = memberRoleArnPattern(role, config, capability);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'AssumeMemberRole',
      actions: ['sts:AssumeRole'],
      resources: [pattern],
      conditions: { StringEquals: { 'aws:ResourceOrgID': config.organization.organizationId } },
    }),
  );
  acknowledge(role, {
    id: iam5Resource(role, pattern),
    reason:
      `The member role of this capability (${memberRoleName(config.organization, capability)}) in every target ` +
      'account, which joins and leaves the organization at run time; only accounts of the organization ' +
      '(aws:ResourceOrgID), and the member role trusts this exact role only.',
  });
}

export class OrganizationHub extends Construct {
  /** The capabilities that get a member role (those with hub roles). */
  readonly memberCapabilities: readonly MemberCapability[];
  readonly eventBus: events.EventBus;
  readonly reactionRules: events.Rule[];
  readonly memberStackSet: MemberStackSet;
  /** The template the StackSet deploys (also written to cdk.out as `<stack>-Member.template.json`). */
  readonly memberTemplate: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: OrganizationHubProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config } = props;
    const org = config.organization;

    this.memberCapabilities = MEMBER_CAPABILITIES.filter((c) => (props.hubRoles[c] ?? []).length > 0);
    for (const capability of this.memberCapabilities) {
      for (const role of props.hubRoles[capability] ?? []) grantAssumeMemberRole(role, config, capability);
    }

    this.eventBus = new events.EventBus(this, 'EventBus', {
      eventBusName: `${stack.stackName}-organization`,
      description: "iam-user-lifecycle: member accounts' IAM CloudTrail and Health events",
    });
    this.eventBus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OrganizationAccountsPutEvents',
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.eventBus.eventBusArn],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': org.organizationId } },
      }),
    );
    this.reactionRules = reactionEventPatterns().map(
      (eventPattern, i) =>
        new events.Rule(this, i === 0 ? 'MemberIamCallsRule' : 'MemberIamStatusActiveRule', {
          description: 'iam-user-lifecycle: IAM write calls on users in member accounts (CloudTrail) to the reactions',
          eventBus: this.eventBus,
          eventPattern,
          targets: [new targets.LambdaFunction(props.reactionsFunction, { retryAttempts: 4, maxEventAge: Duration.hours(1) })],
        }),
    );

    this.memberTemplate = synthesizeMemberTemplate(stack.node.root.node, {
      config,
      automationUserNames: props.automationUserNames,
      capabilities: this.memberCapabilities,
    });
    this.memberStackSet = new MemberStackSet(this, 'MemberStackSet', {
      organization: org,
      template: this.memberTemplate,
      hubRoleArns: Object.fromEntries(
        this.memberCapabilities.map((c) => [c, (props.hubRoles[c] ?? []).map((role) => role.roleArn)]),
      ),
      eventBusArn: this.eventBus.eventBusArn,
      ...(props.stackSetCallAs ? { callAs: props.stackSetCallAs } : {}),
    });
  }
}
