/**
 * The member stack of organization mode: what must exist in every target account, deployed by the
 * hub's service-managed StackSet (infra/organization/stack-set.ts) to the target OUs, in us-east-1
 * and in the hub's region (one template, two regions; CloudFormation conditions pick the part of
 * each region, since IAM names are global):
 *
 * - home region (the hub's): one role per capability, `<memberRolePrefix>-<capability>`, assumable
 *   only by the hub roles of that capability (exact ARNs, stack parameters) from inside the
 *   organization (`aws:PrincipalOrgID`), holding one managed policy per hub Lambda with the very
 *   statements that Lambda's role gets in single-account mode (infra/constructs/account-grants.ts):
 *   managed-path scope, managed-tag conditions, protected-user Deny statements; the offboarding
 *   deny policy under its fixed name; with secrets "member", the KMS key of the account's secrets;
 * - us-east-1 (where IAM's CloudTrail events and AWS Health's global events reach EventBridge): the
 *   rules forwarding the reactions' events and Health's credential-exposure events to the hub's
 *   organization event bus, with the role EventBridge assumes to put them there.
 */
import {
  Aspects,
  BootstraplessSynthesizer,
  CfnCondition,
  CfnParameter,
  CfnResource,
  Duration,
  Fn,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, type IConstruct } from 'constructs';
import { EXPOSURE_EVENT_CODES } from '../../functions/exposure/health';
import { parseConfig, type LifecycleConfig } from '../../functions/shared/config';
import {
  memberDenyPolicyName,
  memberRoleName,
  memberSecretsKeyAlias,
  type MemberCapability,
} from '../../functions/shared/organization-config';
import { applyAccountGrants, capabilityGrants } from '../constructs/account-grants';
import { reactionEventPatterns } from '../constructs/iam-event-reactions';
import { ManagedUserAccess, type GrantTarget } from '../constructs/managed-user-access';
import { SecretsKey } from '../constructs/secrets-key';

/** Stack parameter holding the hub role ARNs of a capability (comma-separated, exact ARNs). */
export const HUB_ROLE_PARAMETERS: Readonly<Record<MemberCapability, string>> = {
  scan: 'HubScanRoleArns',
  rotation: 'HubRotationRoleArns',
  offboarding: 'HubOffboardingRoleArns',
  exposure: 'HubExposureRoleArns',
  reactions: 'HubReactionsRoleArns',
  read: 'HubReadRoleArns',
};
/** Sid of the one statement a member policy has beyond its hub Lambda's: resolving the secrets key alias. */
export const RESOLVE_SECRETS_KEY_SID = 'ResolveSecretsKeyAlias';
/** Stack parameter: ARN of the hub's organization event bus. */
export const HUB_EVENT_BUS_PARAMETER = 'HubEventBusArn';
/** Stack parameter: the hub's region, where the roles, policies and key are created. */
export const HOME_REGION_PARAMETER = 'HomeRegion';
/** IAM's CloudTrail events and AWS Health's global events reach EventBridge in this region only. */
export const EVENTS_REGION = 'us-east-1';

/** AWS Health's credential-exposure events (the exposure capability's trigger). */
export function healthExposurePattern(): events.EventPattern {
  return {
    source: ['aws.health'],
    detailType: ['AWS Health Event'],
    detail: { service: ['RISK'], eventTypeCode: [...EXPOSURE_EVENT_CODES] },
  };
}

export interface MemberStackProps extends StackProps {
  readonly config: LifecycleConfig;
  /** The automation's own IAM user names, protected like protectedUsers.userNames. @default [] */
  readonly automationUserNames?: readonly string[];
  /** The capabilities the hub deploys with roles acting in member accounts: a member role each. */
  readonly capabilities: readonly MemberCapability[];
}

/** Adds statements to one customer managed policy (a member role holds one per hub Lambda). */
class ManagedPolicyPrincipal extends iam.PrincipalBase {
  constructor(private readonly policy: iam.ManagedPolicy) {
    super();
  }

  get policyFragment(): iam.PrincipalPolicyFragment {
    throw new Error('a managed policy is not a principal');
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }

  dedupeString(): string | undefined {
    return undefined;
  }
}

/** One hub Lambda's grants in a member account: a managed policy attached to the capability's role. */
export class MemberPolicy extends Construct implements iam.IGrantable {
  readonly policy: iam.ManagedPolicy;
  readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, role: iam.IRole, description: string) {
    super(scope, id);
    this.policy = new iam.ManagedPolicy(this, 'Policy', { roles: [role], description });
    this.grantPrincipal = new ManagedPolicyPrincipal(this.policy);
  }
}

/** Sets a CloudFormation condition on every resource under a construct. */
function conditionAll(scope: IConstruct, condition: CfnCondition): void {
  Aspects.of(scope).add({
    visit(node: IConstruct) {
      if (node instanceof CfnResource) node.cfnOptions.condition = condition;
    },
  });
}

export class MemberStack extends Stack {
  readonly roles: Partial<Record<MemberCapability, iam.Role>> = {};
  /** Per role, its policies by hub Lambda (e.g. rotation -> createAndStore). */
  readonly policies: Partial<Record<MemberCapability, Record<string, MemberPolicy>>> = {};
  readonly denyPolicy: iam.ManagedPolicy;
  /** With secrets "member": the key of the account's secrets (alias memberSecretsKeyAlias). */
  readonly secretsKey?: SecretsKey;
  readonly forwardingRules: events.Rule[];

  constructor(scope: Construct, id: string, props: MemberStackProps) {
    super(scope, id, {
      description: 'iam-user-lifecycle member account: roles the hub assumes, offboarding deny policy, event forwarding',
      // Deployed by a StackSet into accounts without CDK bootstrap: no bootstrap version check, no assets.
      synthesizer: new BootstraplessSynthesizer(),
      ...props,
    });
    const config = parseConfig(props.config);
    const org = config.organization;
    const homeRegion = new CfnParameter(this, HOME_REGION_PARAMETER, {
      type: 'String',
      description: "The hub's region: roles, policies and the secrets key are created in the stack instance of this region",
    });
    const hubBus = new CfnParameter(this, HUB_EVENT_BUS_PARAMETER, {
      type: 'String',
      description: "ARN of the hub's organization event bus, where us-east-1 forwards IAM and Health events",
    });
    const inHome = new CfnCondition(this, 'InHomeRegion', {
      expression: Fn.conditionEquals(Stack.of(this).region, homeRegion.valueAsString),
    });
    const inEvents = new CfnCondition(this, 'InEventsRegion', {
      expression: Fn.conditionEquals(Stack.of(this).region, EVENTS_REGION),
    });
    const home = new Construct(this, 'Home');
    conditionAll(home, inHome);

    this.denyPolicy = new iam.ManagedPolicy(home, 'OffboardingDenyPolicy', {
      managedPolicyName: memberDenyPolicyName(org),
      description:
        'iam-user-lifecycle: attached to an IAM user while it is being offboarded; denies everything (the user is disabled)',
      statements: [
        new iam.PolicyStatement({ sid: 'OffboardingDenyAll', effect: iam.Effect.DENY, actions: ['*'], resources: ['*'] }),
      ],
    });
    if (org.secrets === 'member') {
      this.secretsKey = new SecretsKey(home, 'SecretsKey', { secretPrefix: config.secretPrefix });
      new kms.Alias(home, 'SecretsKeyAlias', { aliasName: memberSecretsKeyAlias(org), targetKey: this.secretsKey.key });
    }
    const userAccess = new ManagedUserAccess(this, { config, automationUserNames: props.automationUserNames ?? [] });
    const ctx = { config, denyPolicyArn: this.denyPolicy.managedPolicyArn };

    for (const capability of props.capabilities) {
      const grants = capabilityGrants(capability, ctx);
      if (Object.keys(grants).length === 0) continue;
      const hubRoles = new CfnParameter(this, HUB_ROLE_PARAMETERS[capability], {
        type: 'CommaDelimitedList',
        description: `Exact ARNs of the hub roles of the ${capability} capability (the only principals of its member role)`,
      });
      const role = new iam.Role(home, `${capability[0]!.toUpperCase()}${capability.slice(1)}Role`, {
        roleName: memberRoleName(org, capability),
        description: `iam-user-lifecycle member role (${capability}): assumed by the hub's ${capability} Lambdas only`,
        // Replaced below by the exact trust policy (a parameter list of ARNs and the organization).
        assumedBy: new iam.AccountRootPrincipal(),
        maxSessionDuration: Duration.hours(1),
      });
      (role.node.defaultChild as iam.CfnRole).assumeRolePolicyDocument = memberTrustPolicy(
        hubRoles.valueAsList,
        org.organizationId,
      );
      const policies: Record<string, MemberPolicy> = {};
      for (const [step, stepGrants] of Object.entries(grants)) {
        const policy = new MemberPolicy(
          role,
          step,
          role,
          `iam-user-lifecycle: what the hub's ${capability} ${step} Lambda may do in this account`,
        );
        applyAccountGrants(policy as GrantTarget, stepGrants, userAccess, this.secretsKey);
        policies[step] = policy;
      }
      const store = policies.createAndStore;
      if (capability === 'rotation' && store && this.secretsKey) {
        // The hub knows this account's key by its alias only; CreateSecret's condition names the key
        // ARN (secretsmanager:KmsKeyArn), so the store resolves the alias first (metadata, no use).
        store.policy.addStatements(
          new iam.PolicyStatement({
            sid: RESOLVE_SECRETS_KEY_SID,
            actions: ['kms:DescribeKey'],
            resources: [this.secretsKey.key.keyArn],
          }),
        );
      }
      this.roles[capability] = role;
      this.policies[capability] = policies;
    }

    const forwarding = new Construct(this, 'Events');
    conditionAll(forwarding, inEvents);
    const bus = events.EventBus.fromEventBusArn(forwarding, 'HubBus', hubBus.valueAsString);
    const forwardRole = new iam.Role(forwarding, 'ForwardRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: "iam-user-lifecycle: EventBridge puts this account's IAM and Health events on the hub's bus",
    });
    const patterns: [string, events.EventPattern][] = [
      ['ForwardIamCalls', reactionEventPatterns()[0]!],
      ['ForwardIamStatusActive', reactionEventPatterns()[1]!],
      ['ForwardHealthExposure', healthExposurePattern()],
    ];
    this.forwardingRules = patterns.map(
      ([ruleId, eventPattern]) =>
        new events.Rule(forwarding, ruleId, {
          description: "iam-user-lifecycle: to the hub's organization event bus",
          eventPattern,
          targets: [new targets.EventBus(bus, { role: forwardRole })],
        }),
    );
  }
}

/** Exact hub role ARNs, from inside the organization only. */
export function memberTrustPolicy(hubRoleArns: string[], organizationId: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'HubRolesOfThisCapabilityOnly',
        Effect: 'Allow',
        Principal: { AWS: hubRoleArns },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationId } },
      },
    ],
  };
}
