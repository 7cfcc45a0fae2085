/**
 * Organization mode (issue 9) on the synthesized templates of examples/organization.json: the member
 * roles' trust (exact hub roles, organization only), their statements (the single-account ones),
 * the StackSet, the hub's AssumeRole scope, the organization event bus and cdk-nag on both stacks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { MemberCapability } from '../../functions/shared/organization-config';
import { HUB_ROLE_PARAMETERS, RESOLVE_SECRETS_KEY_SID } from '../../infra/organization/member-stack';
import { REPO_ROOT } from '../../infra/constructs/lifecycle-function';
import { apiResourcePolicy } from '../../infra/constructs/lifecycle-api';
import { simulate, statementsOf, TemplateResolver, type CfnTemplate, type PolicyDocument } from '../support/policy-simulator';
import { asArray, roleStatements, type Statement } from './support';
import {
  comparable,
  EXAMPLE_CONFIG,
  hubRoleIds,
  idOf,
  managedPolicyStatements,
  memberRoleOf,
  POWER_USER_ACCESS,
  stackSetOf,
  stackSetParameter,
  synthOrganization,
  type OrganizationSynth,
} from './organization-support';

const config = JSON.parse(readFileSync(join(REPO_ROOT, EXAMPLE_CONFIG), 'utf8')) as {
  organization: { organizationId: string; targetOrganizationalUnitIds: string[]; excludedAccountIds: string[] };
};
const ORG_ID = config.organization.organizationId;
const MEMBER_ACCOUNT = '444455556666';
const CAPABILITIES: MemberCapability[] = ['scan', 'rotation', 'offboarding', 'reactions', 'read'];

describe('organization mode (examples/organization.json)', () => {
  let s: OrganizationSynth;
  let hubResolver: TemplateResolver;
  beforeAll(() => {
    s = synthOrganization();
    hubResolver = new TemplateResolver(s.hubTemplate.toJSON() as CfnTemplate);
  });

  const hubRoles = () => hubRoleIds(s);
  const parameterValue = (key: string) => stackSetParameter(s, key);
  const memberRole = (capability: MemberCapability) => memberRoleOf(s, capability);
  /** The member role's trust policy with its parameter replaced by the ARNs the StackSet passes. */
  const resolvedTrust = (capability: MemberCapability): PolicyDocument => {
    const trust = memberRole(capability).props.AssumeRolePolicyDocument;
    const arns = hubResolver.resolveString(parameterValue(HUB_ROLE_PARAMETERS[capability])).split(',');
    const [statement] = statementsOf(trust);
    return { Statement: [{ ...statement!, Principal: { AWS: arns } }] };
  };
  const hubArn = (logicalId: string) => hubResolver.getAtt(logicalId, 'Arn');
  const memberRoleArn = (capability: MemberCapability) =>
    `arn:aws:iam::${MEMBER_ACCOUNT}:role/iam-lifecycle-member-${capability}`;

  it.each(CAPABILITIES)('trusts only the hub %s roles, by exact ARN, from inside the organization', (capability) => {
    // Act
    const trust = memberRole(capability).props.AssumeRolePolicyDocument;
    const passed = parameterValue(HUB_ROLE_PARAMETERS[capability]);
    // Assess
    expect(trust.Statement).toEqual([
      {
        Sid: 'HubRolesOfThisCapabilityOnly',
        Effect: 'Allow',
        Principal: { AWS: { Ref: HUB_ROLE_PARAMETERS[capability] } },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG_ID } },
      },
    ]);
    const expected = hubRoles()[capability].map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
    expect(passed).toEqual(expected.length === 1 ? expected[0] : { 'Fn::Join': [',', expected] });
  });

  it('lets a hub role assume its own member role in an organization account, and nothing else reach it', () => {
    // Prepare
    const roles = hubRoles();
    const assume = (principalId: string | { arn: string }, capability: MemberCapability, orgId = ORG_ID) => {
      const arn = typeof principalId === 'string' ? hubArn(principalId) : principalId.arn;
      return simulate(
        { identityPolicies: [], resourcePolicy: resolvedTrust(capability) },
        {
          principal: { arn },
          action: 'sts:AssumeRole',
          resource: memberRoleArn(capability),
          context: { 'aws:PrincipalOrgID': orgId },
        },
      ).decision;
    };
    const powerUser = { arn: `arn:aws:iam::${MEMBER_ACCOUNT}:role/PowerUser` };
    const powerUserMayAssume = simulate(
      { identityPolicies: [POWER_USER_ACCESS] },
      { principal: powerUser, action: 'sts:AssumeRole', resource: memberRoleArn('offboarding') },
    ).decision;
    expect(powerUserMayAssume).toBe('Allowed');
    // Act / Assess: the trust alone decides within the member account (a role's trust must name the caller)
    for (const capability of CAPABILITIES) {
      for (const id of roles[capability]) expect(assume(id, capability)).toBe('Allowed');
      expect(assume(roles[capability][0]!, capability, 'o-otherorg123')).toBe('ImplicitlyDenied');
      // A PowerUserAccess principal of the member account may call sts:AssumeRole, but IAM requires the
      // role's trust policy to name the caller, even within the account: the trust alone is evaluated.
      expect(assume(powerUser, capability)).toBe('ImplicitlyDenied');
      for (const other of CAPABILITIES.filter((c) => c !== capability)) {
        for (const id of roles[other]) expect(assume(id, capability)).toBe('ImplicitlyDenied');
      }
    }
  });

  it("gives each hub Lambda's member policy exactly the statements its single-account role holds in its own account", () => {
    // Prepare
    const roles = hubRoles();
    const pairs: [string, string][] = [];
    const hubRoleOfStep = (capability: MemberCapability, step: string): string => {
      if (capability === 'scan') return roles.scan[1]!; // the single-account scan's role
      if (capability === 'rotation') return idOf(s.hub, s.hub.keyRotation.functions[step as 'prepare'].role);
      if (capability === 'offboarding') return idOf(s.hub, s.hub.offboarding.functions[step as 'deleteUser'].role);
      return roles[capability][0]!;
    };
    for (const capability of CAPABILITIES) {
      for (const [step, policy] of Object.entries(s.member.policies[capability]!)) {
        pairs.push([idOf(s.member, policy.policy), hubRoleOfStep(capability, step)]);
      }
    }
    expect(pairs).toHaveLength(1 + 5 + 6 + 1 + 1);
    for (const [policyId, hubRoleId] of pairs) {
      const member = managedPolicyStatements(s.memberTemplate, policyId).filter((st) => st.Sid !== RESOLVE_SECRETS_KEY_SID);
      const sids = new Set(member.map((st) => st.Sid));
      // Act
      const hub = roleStatements(s.hubTemplate, hubRoleId);
      const inAccount = hub.filter((st) => sids.has(st.Sid));
      // Assess: same statements; the hub role has no IAM or secrets statement the member lacks
      expect(inAccount.map(comparable).sort()).toEqual(member.map(comparable).sort());
      const actions = (st: Statement) => [...asArray(st.Action), ...asArray(st.NotAction)];
      // FindKeyOwnerAnyUser (exposures) and AllUserTags (expiry tags of the lifecycle signals), both
      // read-only: those act in the hub account only so far (README "Organization mode"), so no
      // member role carries them.
      const outside = hub.filter(
        (st) =>
          !sids.has(st.Sid) &&
          !['FindKeyOwnerAnyUser', 'AllUserTags'].includes(st.Sid ?? '') &&
          actions(st).some((a) => /^(iam|secretsmanager):/.test(a)),
      );
      expect(outside.map((st) => st.Sid)).toEqual([]);
    }
  });

  it('keeps the protected-user denies and the managed path in every member policy', () => {
    for (const capability of CAPABILITIES) {
      for (const policy of Object.values(s.member.policies[capability]!)) {
        // Act
        const statements = managedPolicyStatements(s.memberTemplate, idOf(s.member, policy.policy));
        const sids = statements.map((st) => st.Sid);
        // Assess (the example protects two names, so both denies exist)
        expect(sids).toEqual(expect.arrayContaining(['DenyProtectedUserNames', 'DenyWritesOnProtectedTag']));
        const userScoped = statements.filter((st) => st.Sid === 'ReadManagedUsers' || st.Sid === 'WriteManagedUsers');
        for (const st of userScoped) expect(JSON.stringify(st.Resource)).toContain(':user/workloads/*');
      }
    }
  });

  it('deploys the member stack with a service-managed, auto-deploying StackSet to the configured OUs', () => {
    // Act
    const props = stackSetOf(s);
    // Assess
    expect(props).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      CallAs: 'SELF',
      OperationPreferences: { FailureTolerancePercentage: 10 },
    });
    const [group] = props.StackInstancesGroup as { DeploymentTargets: unknown; Regions: unknown }[];
    expect(group!.DeploymentTargets).toEqual({
      OrganizationalUnitIds: config.organization.targetOrganizationalUnitIds,
      AccountFilterType: 'DIFFERENCE',
      Accounts: config.organization.excludedAccountIds,
    });
    // Environment-agnostic hub: us-east-1, plus the hub's region when it is another one.
    expect(group!.Regions).toEqual({
      'Fn::If': [expect.any(String), ['us-east-1'], ['us-east-1', { Ref: 'AWS::Region' }]],
    });
    // The body is the member template written to cdk.out.
    expect(JSON.parse(props.TemplateBody as string)).toEqual(s.memberTemplate.toJSON());
    expect(parameterValue('HubEventBusArn')).toEqual({ 'Fn::GetAtt': [idOf(s.hub, s.hub.organization!.eventBus), 'Arn'] });
  });

  it('creates the roles in the hub region only and forwards IAM and Health events from us-east-1 to the hub bus', () => {
    // Act
    const resources = s.memberTemplate.toJSON().Resources as Record<
      string,
      { Type: string; Condition?: string; Properties: Record<string, unknown> }
    >;
    const rules = Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule');
    // Assess
    for (const [id, r] of Object.entries(resources)) {
      expect([id, r.Condition]).toEqual([id, id.startsWith('Events') ? 'InEventsRegion' : 'InHomeRegion']);
    }
    expect(rules.map((r) => r.Condition)).toEqual(['InEventsRegion', 'InEventsRegion', 'InEventsRegion']);
    expect(rules.map((r) => (r.Properties.EventPattern as { source: string[] }).source)).toEqual([
      ['aws.iam'],
      ['aws.iam'],
      ['aws.health'],
    ]);
    for (const r of rules) expect((r.Properties.Targets as { Arn: unknown }[])[0]!.Arn).toEqual({ Ref: 'HubEventBusArn' });
    const deny = Object.values(resources).find((r) => r.Properties.ManagedPolicyName === 'iam-lifecycle-member-offboarding-deny');
    expect(deny?.Condition).toBe('InHomeRegion');
  });

  it('lets each hub role assume only its capability member role, in organization accounts', () => {
    // Prepare
    const roles = hubRoles();
    const assumers = Object.entries(s.hubTemplate.findResources('AWS::IAM::Role')).filter(([id]) =>
      roleStatements(s.hubTemplate, id).some((st) => asArray(st.Action).includes('sts:AssumeRole')),
    );
    // Assess
    expect(assumers.map(([id]) => id).sort()).toEqual(Object.values(roles).flat().sort());
    for (const capability of CAPABILITIES) {
      for (const id of roles[capability]) {
        // Act
        const statements = roleStatements(s.hubTemplate, id).filter((st) => asArray(st.Action).includes('sts:AssumeRole'));
        // Assess
        expect(statements).toEqual([
          {
            Sid: 'AssumeMemberRole',
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::*:role/iam-lifecycle-member-${capability}`]],
            },
            Condition: { StringEquals: { 'aws:ResourceOrgID': ORG_ID } },
          },
        ]);
      }
    }
  });

  it('accepts events on the organization bus only from principals of the organization', () => {
    // Prepare
    const [policy] = Object.values(s.hubTemplate.findResources('AWS::Events::EventBusPolicy'));
    const statement = hubResolver.resolve(
      (policy!.Properties as { Statement: unknown }).Statement,
    ) as PolicyDocument['Statement'];
    const busArn = hubArn(idOf(s.hub, s.hub.organization!.eventBus));
    const putEvents = (orgId: string) =>
      simulate(
        { identityPolicies: [POWER_USER_ACCESS], resourcePolicy: { Statement: statement }, resourceAccount: '111111111111' },
        {
          principal: { arn: `arn:aws:iam::${MEMBER_ACCOUNT}:role/PowerUser` },
          action: 'events:PutEvents',
          resource: busArn,
          context: { 'aws:PrincipalOrgID': orgId },
        },
      ).decision;
    // Act / Assess
    expect(putEvents('o-otherorg123')).toBe('ImplicitlyDenied');
    expect(putEvents(ORG_ID)).toBe('Allowed'); // the hub checks each event's account (runtime)
    expect(asArray(statement as Statement)).toHaveLength(1);
  });

  it('scans the organization with a Distributed Map on the scan schedule', () => {
    // Prepare
    const scan = s.hub.organizationScan!;
    const machine = s.hubTemplate.findResources('AWS::StepFunctions::StateMachine')[idOf(s.hub, scan.stateMachine)]!;
    // Act
    // The definition is the ASL file (an S3 asset), its Lambda ARNs given as substitutions.
    const definition = JSON.parse(readFileSync(join(REPO_ROOT, 'statemachines', 'organization-scan.asl.json'), 'utf8')) as {
      States: Record<string, Record<string, unknown>>;
    };
    const substitutions = (machine.Properties as { DefinitionSubstitutions: Record<string, unknown> }).DefinitionSubstitutions;
    expect(Object.keys(substitutions).sort()).toEqual([
      'ListTargetAccountsFunctionArn',
      'ScanAccountFunctionArn',
      'SummarizeOrganizationScanFunctionArn',
    ]);
    const map = Object.values(definition.States).find((st) => st.Type === 'Map')!;
    // Assess
    // ListTargetAccounts answers organization.maxConcurrentAccounts and toleratedFailurePercentage of
    // the deployed config (test/unit/organization-handlers.test.ts); the map reads them by path.
    expect(map).toMatchObject({
      MaxConcurrencyPath: '$.maxConcurrency',
      ToleratedFailurePercentagePath: '$.toleratedFailurePercentage',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
    });
    const sm = roleStatements(s.hubTemplate, idOf(s.hub, scan.stateMachine.role));
    const bySid = Object.fromEntries(sm.map((st) => [st.Sid, st]));
    expect(hubResolver.resolve(bySid.StartChildExecutions!.Resource)).toBe(
      `arn:aws:states:eu-west-1:111111111111:stateMachine:${scan.stateMachineName}`,
    );
    expect(hubResolver.resolve(bySid.FollowChildExecutions!.Resource)).toBe(
      `arn:aws:states:eu-west-1:111111111111:execution:${scan.stateMachineName}/*`,
    );
    const [schedule] = Object.values(s.hubTemplate.findResources('AWS::Scheduler::Schedule'));
    expect((schedule!.Properties as { Target: { Arn: unknown } }).Target.Arn).toEqual({ Ref: idOf(s.hub, scan.stateMachine) });
    const listing = roleStatements(s.hubTemplate, idOf(s.hub, scan.listAccounts.role)).flatMap((st) => asArray(st.Action));
    expect(listing.filter((a) => a.startsWith('organizations:')).every((a) => /^organizations:(Describe|List)/.test(a))).toBe(
      true,
    );
  });

  it('serves every route but POST /exposures under /accounts/{accountId}, each in its own route group', () => {
    // Prepare
    const methodsOf = (resource: apigateway.IResource | undefined) =>
      (resource?.node.children ?? [])
        .filter((c): c is apigateway.Method => c instanceof apigateway.Method)
        .map((m) => m.httpMethod);
    const account = s.hub.api.api.root.getResource('accounts')?.getResource('{accountId}');
    const user = (parent: string) => account?.getResource(parent)?.getResource('{userName}');
    // Act
    const served = {
      offboardings: methodsOf(account?.getResource('offboardings')),
      offboardingOfUser: methodsOf(user('offboardings')).sort(),
      approval: methodsOf(user('offboardings')?.getResource('approval')),
      rotations: methodsOf(account?.getResource('rotations')),
      rollback: methodsOf(user('rotations')?.getResource('rollback')),
      users: methodsOf(user('users')),
      exposures: methodsOf(account?.getResource('exposures')),
    };
    const groups = (accountRoutes: boolean) => {
      const policy = apiResourcePolicy({ offboard: [], rotate: [], read: [] }, '111111111111', accountRoutes);
      const statements = (policy.toJSON() as { Statement: Statement[] }).Statement;
      return Object.fromEntries(
        statements
          .filter((st) => st.Sid?.endsWith('AllowTaggedPrincipals'))
          .map((st) => [st.Sid, (asArray(st.Resource) as string[]).filter((r) => r.includes('/accounts/'))]),
      );
    };
    // Assess
    expect(served).toEqual({
      offboardings: ['POST'],
      offboardingOfUser: ['DELETE', 'GET'],
      approval: ['POST'],
      rotations: ['POST'],
      rollback: ['POST'],
      users: ['GET'],
      exposures: [],
    });
    expect(groups(true)).toEqual({
      OffboardAllowTaggedPrincipals: [
        'execute-api:/*/POST/accounts/*/offboardings',
        'execute-api:/*/DELETE/accounts/*/offboardings/*',
        'execute-api:/*/POST/accounts/*/offboardings/*/approval',
      ],
      RotateAllowTaggedPrincipals: [
        'execute-api:/*/POST/accounts/*/rotations',
        'execute-api:/*/POST/accounts/*/rotations/*/rollback',
      ],
      ReadAllowTaggedPrincipals: ['execute-api:/*/GET/accounts/*/offboardings/*', 'execute-api:/*/GET/accounts/*/users/*'],
    });
    expect(Object.values(groups(false)).flat()).toEqual([]); // single-account mode: no account route
  });

  it('passes cdk-nag on the hub and member stacks, with no CDK error or warning', () => {
    // Act
    const found = [s.hub, s.member].flatMap((stack) => new AwsSolutionsChecks().validateScope(stack).violations);
    // Assess
    expect(found.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    for (const stack of [s.hub, s.member]) {
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    }
  });
});
