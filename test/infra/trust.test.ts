/**
 * Trust boundaries (issue #6), proven on the synthesized template with the policy simulator
 * (test/support/policy-simulator.ts), not by matching policy text: conditions, NotAction and
 * explicit denies count.
 *
 * - No role can grant: attach or put a policy other than the stack's own deny policy, add a user to
 *   a group, set a boundary, change a policy or a trust policy, pass a role, or tag outside the
 *   offboarding's own tag keys; on a protected user every IAM write is denied.
 * - The API has a resource policy that refuses a broad identity without the `iam-lifecycle:api`
 *   principal tag; the records bucket refuses writes from everyone but the roles that write records;
 *   the secrets key refuses kms:Decrypt outside Secrets Manager; only the create-and-store step may
 *   create a managed secret, and it can put the secret's resource policy.
 *
 * Every check runs on the default config and on one with a managed path, tag and protected names.
 * Roles are told apart by their construct path (`.../Offboarding/Disable/Role/...`), resources by
 * their type or the stack's typed properties, never by a logical id.
 */
import { CfnRole } from 'aws-cdk-lib/aws-iam';
import { OFFBOARDING_TAG_KEYS } from '../../functions/offboarding/domain';
import { SECRET_TAG_KEYS, SECRET_TAGS } from '../../functions/shared/secret-store';
import { isIamWriteAction } from '../../infra/constructs/managed-user-access';
import {
  asList,
  rolePolicies,
  simulate,
  statementsOf,
  TemplateResolver,
  TEST_ENVIRONMENT,
  type CfnResource,
  type CfnTemplate,
  type ContextValue,
  type Decision,
  type PolicyDocument,
  type PolicyStatement,
  type RequestPrincipal,
} from '../support/policy-simulator';
import { logicalId, synth, type Synthesized } from './support';

const { accountId: ACCOUNT, region: REGION } = TEST_ENVIRONMENT;
const iamArn = (resource: string) => `arn:aws:iam::${ACCOUNT}:${resource}`;

/** A managed, unprotected user: under the managed path, with the managed tag. */
const MANAGED_USER = iamArn('user/service-accounts/alice');
const MANAGED_USER_TAGS = { 'iam:ResourceTag/lifecycle': 'managed' };
const SECRET_PREFIX = 'iam-user-lifecycle';

interface Setup {
  /** The lifecycle config the stack is synthesized with. */
  readonly config: Record<string, unknown>;
  /** Users the config protects, each with the request keys IAM would see for it. */
  readonly protectedUsers: readonly { arn: string; context: Record<string, string> }[];
}

/** Every check runs on the default config and on one with a managed path, a managed tag and protected names. */
const SETUPS: readonly [string, Setup][] = [
  [
    'the default config',
    {
      config: {},
      // The default protects by tag only.
      protectedUsers: [
        { arn: iamArn('user/service-accounts/carol'), context: { 'iam:ResourceTag/iam-lifecycle:protected': 'true' } },
      ],
    },
  ],
  [
    'a managed path, a managed tag and protected names',
    {
      config: {
        managedUsers: { pathPrefix: '/service-accounts/', tag: { key: 'lifecycle', value: 'managed' } },
        protectedUsers: { userNames: ['break-glass'], tagKey: 'security:protected' },
        secretPrefix: SECRET_PREFIX,
      },
      // By name (with the managed tag too, so only the protection can refuse), and by tag.
      protectedUsers: [
        { arn: iamArn('user/service-accounts/break-glass'), context: MANAGED_USER_TAGS },
        { arn: iamArn('user/break-glass'), context: MANAGED_USER_TAGS },
        {
          arn: iamArn('user/service-accounts/carol'),
          context: { ...MANAGED_USER_TAGS, 'iam:ResourceTag/security:protected': 'true' },
        },
      ],
    },
  ],
];
const ADMINISTRATOR_ACCESS = 'arn:aws:iam::aws:policy/AdministratorAccess';
const CUSTOMER_POLICY = iamArn('policy/team-admin');
const ADMIN_GROUP = iamArn('group/admins');
/** Every request arrives over TLS 1.3, so the buckets' transport denies are not what refuses it. */
const TRANSPORT = { 'aws:SecureTransport': 'true', 's3:TlsVersion': '1.3' };

/** AWS's PowerUserAccess: everything except IAM, Organizations and Account (the attacker of issue #6). */
const POWER_USER_ACCESS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
    {
      Effect: 'Allow',
      Action: [
        'iam:CreateServiceLinkedRole',
        'iam:DeleteServiceLinkedRole',
        'iam:ListRoles',
        'organizations:DescribeOrganization',
        'account:ListRegions',
        'account:GetAccountInformation',
      ],
      Resource: '*',
    },
  ],
};
const POWER_USER: RequestPrincipal = { arn: iamArn('role/PowerUser') };

/**
 * Actions that grant access (or change who can get it) when the stack holds them. None of them may
 * be allowed to any role, on any resource.
 */
const GRANT_ACTIONS = [
  'iam:PutUserPolicy',
  'iam:AddUserToGroup',
  'iam:PutUserPermissionsBoundary',
  'iam:PutGroupPolicy',
  'iam:AttachGroupPolicy',
  'iam:PutRolePolicy',
  'iam:AttachRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:UpdateAssumeRolePolicy',
  'iam:PassRole',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
] as const;

interface RoleUnderTest {
  readonly logicalId: string;
  /** Construct path, e.g. `IamUserLifecycle/Offboarding/Disable/Role/Resource`. */
  readonly path: string;
  readonly principal: RequestPrincipal;
  readonly policies: readonly PolicyDocument[];
}

/** Roles by step: a construct path segment pair such as `Offboarding/Disable`. */
const isStep = (role: RoleUnderTest, capability: string, step: string) => new RegExp(`/${capability}/${step}/`).test(role.path);
const DISABLE = (r: RoleUnderTest) => isStep(r, 'Offboarding', 'Disable');
const CHECK_STILL_DISABLED = (r: RoleUnderTest) => isStep(r, 'Offboarding', 'CheckStillDisabled');
/** The CloudTrail reactions re-disable through the offboarding's own switch-off. */
const REACTIONS = (r: RoleUnderTest) => isStep(r, 'Reactions', 'Function');
const CREATE_AND_STORE = (r: RoleUnderTest) => isStep(r, 'KeyRotation', 'CreateAndStore[A-Za-z]*');
/** The exposure response's replacement key: the rotation's create-and-store under the exposure's check. */
const EXPOSURE_CREATE_AND_STORE = (r: RoleUnderTest) => isStep(r, 'Exposure', 'CreateAndStoreKey');
const SNAPSHOT = (r: RoleUnderTest) => isStep(r, 'Offboarding', 'Snapshot');
/** The offboarding steps that set or remove the offboarding's own tags. */
const OFFBOARDING_TAGGERS = (r: RoleUnderTest) =>
  /\/Offboarding\/(Disable|CheckStillDisabled|DeleteUser|RestoreUser)\//.test(r.path);

describe.each(SETUPS)('trust boundaries with %s: what the stack roles can do, by policy simulation', (_name, setup) => {
  let s: Synthesized;
  let resolver: TemplateResolver;
  let roles: RoleUnderTest[];

  beforeAll(() => {
    s = synth({ lifecycleConfig: setup.config }, { bundle: false });
    resolver = new TemplateResolver(s.template.toJSON() as CfnTemplate);
    roles = s.stack.node
      .findAll()
      .filter((c): c is CfnRole => c instanceof CfnRole)
      .map((cfn) => {
        const id = s.stack.getLogicalId(cfn);
        return {
          logicalId: id,
          path: cfn.node.path,
          principal: { arn: resolver.getAtt(id, 'Arn'), userId: `${resolver.getAtt(id, 'RoleId')}:session` },
          policies: rolePolicies(resolver, id),
        };
      });
  });

  /** The template's resources of one type, by logical id. */
  const findResources = (type: string): Record<string, CfnResource> =>
    Object.fromEntries(Object.entries(resolver.template.Resources).filter(([, r]) => r.Type === type));
  /** The decision for one role; `context` adds request keys to the managed user's tags and TLS. */
  const decide = (role: RoleUnderTest, action: string, resource: string, context: Record<string, ContextValue> = {}): Decision =>
    simulate(
      { identityPolicies: role.policies },
      { principal: role.principal, action, resource, context: { ...TRANSPORT, ...context } },
    ).decision;
  /** Paths of the roles allowed the request. */
  const allowedRoles = (action: string, resource: string, context: Record<string, ContextValue> = {}) =>
    roles.filter((role) => decide(role, action, resource, context) === 'Allowed').map((role) => role.path);
  const pathsOf = (filter: (r: RoleUnderTest) => boolean) => roles.filter(filter).map((r) => r.path);

  /** The stack-owned customer managed policy that denies everything (the offboarding's deny). */
  const ownDenyPolicyArns = (): string[] =>
    Object.entries(findResources('AWS::IAM::ManagedPolicy'))
      .filter(([, resource]) => {
        const statements = statementsOf(
          resolver.resolve((resource.Properties as { PolicyDocument: unknown }).PolicyDocument) as PolicyDocument,
        );
        return statements.length > 0 && statements.every(isDenyEverything);
      })
      .map(([id]) => resolver.arnOf(id));

  /** A request a role could send under each grant action, on every kind of resource it names. */
  const grantRequests = (): { action: string; resource: string; context: Record<string, ContextValue> }[] => {
    const resources = [MANAGED_USER, ADMIN_GROUP, CUSTOMER_POLICY, iamArn('role/any-role'), ...roles.map((r) => r.principal.arn)];
    const context = {
      ...MANAGED_USER_TAGS,
      'iam:PolicyARN': ADMINISTRATOR_ACCESS,
      'iam:PermissionsBoundary': ADMINISTRATOR_ACCESS,
      'iam:PassedToService': 'lambda.amazonaws.com',
    };
    return GRANT_ACTIONS.flatMap((action) => resources.map((resource) => ({ action, resource, context })));
  };

  it('finds every role of the template, each with its policies', () => {
    // Assess: the simulations below cover every role.
    expect(roles.map((r) => r.logicalId).sort()).toEqual(Object.keys(findResources('AWS::IAM::Role')).sort());
    // Exactly one role per step the tests name, with its statements gathered.
    const steps = [DISABLE, CHECK_STILL_DISABLED, CREATE_AND_STORE, SNAPSHOT];
    expect(steps.map((step) => roles.filter(step).map((r) => r.policies.flatMap(statementsOf).length > 3))).toEqual(
      steps.map(() => [true]),
    );
  });

  it('lets no role attach AdministratorAccess or a customer policy to a managed user', () => {
    // Act
    const attachAdmin = allowedRoles('iam:AttachUserPolicy', MANAGED_USER, {
      ...MANAGED_USER_TAGS,
      'iam:PolicyARN': ADMINISTRATOR_ACCESS,
    });
    const attachCustomer = allowedRoles('iam:AttachUserPolicy', MANAGED_USER, {
      ...MANAGED_USER_TAGS,
      'iam:PolicyARN': CUSTOMER_POLICY,
    });
    // Assess
    expect(attachAdmin).toEqual([]);
    expect(attachCustomer).toEqual([]);
  });

  it('has a stack-owned deny-everything policy that only the disable and observation-check steps and the reactions can attach', () => {
    // Prepare
    const denyPolicies = ownDenyPolicyArns();
    expect(denyPolicies).toHaveLength(1);
    const ownDeny = denyPolicies[0]!;
    // Act
    const attach = allowedRoles('iam:AttachUserPolicy', MANAGED_USER, { ...MANAGED_USER_TAGS, 'iam:PolicyARN': ownDeny });
    // Assess
    expect(attach).toEqual(expect.arrayContaining(pathsOf(DISABLE)));
    expect(attach).toEqual(expect.arrayContaining(pathsOf(REACTIONS)));
    expect(
      attach.filter((path) => !pathsOf((r) => DISABLE(r) || CHECK_STILL_DISABLED(r) || REACTIONS(r)).includes(path)),
    ).toEqual([]);
  });

  it('lets no role put an inline policy, add to a group, set a boundary, change a policy or trust policy, or pass a role', () => {
    // Act
    const granted = grantRequests().flatMap(({ action, resource, context }) =>
      allowedRoles(action, resource, context).map((path) => `${path}: ${action} on ${resource}`),
    );
    // Assess
    expect(granted).toEqual([]);
  });

  it('lets no role tag or untag a user with a key outside the offboarding tag keys', () => {
    // Prepare: keys that grant (ABAC), scope (the managed tag) or protect (the protected tag).
    const foreignKeys = [['admin'], [OFFBOARDING_TAG_KEYS[0]!, 'admin'], ['lifecycle'], ['security:protected']];
    // Act
    const allowed = ['iam:TagUser', 'iam:UntagUser'].flatMap((action) =>
      foreignKeys.flatMap((keys) =>
        allowedRoles(action, MANAGED_USER, { ...MANAGED_USER_TAGS, 'aws:TagKeys': keys }).map(
          (path) => `${path}: ${action} ${keys.join(',')}`,
        ),
      ),
    );
    // Assess
    expect(allowed).toEqual([]);
  });

  it('lets only the offboarding steps set the offboarding tags, and the disable step can', () => {
    // Act
    const tagging = allowedRoles('iam:TagUser', MANAGED_USER, { ...MANAGED_USER_TAGS, 'aws:TagKeys': [...OFFBOARDING_TAG_KEYS] });
    // Assess
    expect(tagging).toEqual(expect.arrayContaining(pathsOf(DISABLE)));
    expect(tagging.filter((path) => !pathsOf(OFFBOARDING_TAGGERS).includes(path))).toEqual([]);
  });

  it('denies every IAM write on a protected user (by name or by tag) to every role', () => {
    // Prepare: every IAM write any role holds, plus the grant actions, asked the way each step would.
    const granted = roles.flatMap((r) => r.policies.flatMap(statementsOf)).filter((st) => st.Effect === 'Allow');
    const writes = new Set<string>([...GRANT_ACTIONS, ...granted.flatMap((st) => asList(st.Action)).filter(isIamWriteAction)]);
    // Group membership and MFA device deletion are authorized on the group and the device, not the user.
    for (const action of ['iam:AddUserToGroup', 'iam:RemoveUserFromGroup', 'iam:DeleteVirtualMFADevice', 'iam:PassRole'])
      writes.delete(action);
    const ownDeny = ownDenyPolicyArns()[0] ?? iamArn('policy/own-deny');
    // Act
    const allowed = setup.protectedUsers.flatMap((user) =>
      [...writes].flatMap((action) =>
        allowedRoles(action, user.arn, {
          ...user.context,
          'aws:TagKeys': [...OFFBOARDING_TAG_KEYS],
          'iam:PolicyARN': ownDeny,
        }).map((path) => `${path}: ${action} on ${user.arn}`),
      ),
    );
    // Assess: the simulation did test writes (a role can write on an unprotected managed user).
    expect(writes.size).toBeGreaterThan(10);
    expect(allowedRoles('iam:UpdateAccessKey', MANAGED_USER, MANAGED_USER_TAGS).length).toBeGreaterThan(0);
    expect(allowed).toEqual([]);
  });

  describe('the API resource policy', () => {
    /** `arn:...:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>` of every method of the API. */
    const methodArns = (apiId: string): string[] => {
      const stages = Object.values(findResources('AWS::ApiGateway::Stage')).map((st) =>
        String((st.Properties as Record<string, unknown>).StageName),
      );
      const resources = findResources('AWS::ApiGateway::Resource');
      const pathOf = (resourceId: unknown): string => {
        const ref = (resourceId as { Ref?: string }).Ref;
        if (!ref) return ''; // the root resource (Fn::GetAtt RestApi.RootResourceId)
        const props = resources[ref]!.Properties as { ParentId: unknown; PathPart: string };
        // A request names a concrete user where the route has a path parameter.
        return `${pathOf(props.ParentId)}/${props.PathPart.replace(/^\{.+\}$/, 'alice')}`;
      };
      const methods = Object.values(findResources('AWS::ApiGateway::Method'))
        .map((m) => m.Properties as { HttpMethod: string; ResourceId: unknown })
        .filter((m) => m.HttpMethod !== 'OPTIONS');
      return stages.flatMap((stage) =>
        methods.map(
          (m) => `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/${stage}/${m.HttpMethod}${pathOf(m.ResourceId) || '/'}`,
        ),
      );
    };
    const apiPolicy = () => {
      const apis = Object.entries(findResources('AWS::ApiGateway::RestApi'));
      expect(apis).toHaveLength(1);
      const [id, api] = apis[0]!;
      const apiId = resolver.ref(id);
      const raw = (api.Properties as { Policy?: unknown }).Policy;
      // "execute-api:/..." in a REST API policy stands for the API's own ARN prefix.
      const prefix = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/`;
      const policy =
        raw === undefined
          ? undefined
          : (JSON.parse(JSON.stringify(resolver.resolve(raw)).replace(/"execute-api:\//g, `"${prefix}`)) as PolicyDocument);
      return { apiId, policy };
    };
    const invoke = (policy: PolicyDocument | undefined, principal: RequestPrincipal, resource: string) =>
      simulate(
        { identityPolicies: [POWER_USER_ACCESS], resourcePolicy: policy },
        { principal, action: 'execute-api:Invoke', resource, context: TRANSPORT },
      ).decision;

    it('exists and refuses a broad identity without the iam-lifecycle:api principal tag on every route', () => {
      // Prepare
      const { apiId, policy } = apiPolicy();
      const methods = methodArns(apiId);
      // Act
      const admitted = methods.filter((arn) => invoke(policy, POWER_USER, arn) === 'Allowed');
      // Assess
      expect(policy).toBeDefined();
      expect(methods.length).toBeGreaterThanOrEqual(6);
      expect(admitted).toEqual([]);
    });

    it('admits a caller tagged for every route group', () => {
      // Prepare
      const { apiId, policy } = apiPolicy();
      const tagged: RequestPrincipal = { arn: iamArn('role/Operator'), tags: { 'iam-lifecycle:api': 'offboard rotate read' } };
      // Act
      const refused = methodArns(apiId).filter((arn) => invoke(policy, tagged, arn) !== 'Allowed');
      // Assess
      expect(policy).toBeDefined();
      expect(refused).toEqual([]);
    });

    it('admits a tagged caller to the route groups its tag names and to no other', () => {
      // Prepare: route groups (issue #6): offboard = /offboardings writes, rotate = /rotations and /exposures, read = GETs.
      const { apiId, policy } = apiPolicy();
      const groupOf = (arn: string) => {
        const [method, resource] = /\/(GET|POST|DELETE|PUT|PATCH)(\/[^/]*)/.exec(arn.slice(arn.indexOf(apiId)))!.slice(1);
        if (method === 'GET') return 'read';
        if (resource === '/offboardings') return 'offboard';
        // POST /exposures replaces and deactivates a key, as a rotation does: the rotate group.
        return resource === '/rotations' || resource === '/exposures' ? 'rotate' : 'unknown';
      };
      const methods = methodArns(apiId);
      // Act
      const outcomes = ['read', 'offboard', 'rotate'].map((tag) => {
        const caller: RequestPrincipal = { arn: iamArn(`role/${tag}-caller`), tags: { 'iam-lifecycle:api': tag } };
        return methods
          .filter((arn) => (invoke(policy, caller, arn) === 'Allowed') !== (groupOf(arn) === tag))
          .map((arn) => `${tag}: ${invoke(policy, caller, arn)} ${arn}`);
      });
      // Assess
      expect(policy).toBeDefined();
      expect(new Set(methods.map(groupOf))).toEqual(new Set(['read', 'offboard', 'rotate']));
      expect(outcomes.flat()).toEqual([]);
    });
  });

  describe('the records bucket policy', () => {
    const bucket = () => {
      const id = logicalId(s.stack, s.stack.offboarding.bucket);
      const policies = Object.values(findResources('AWS::S3::BucketPolicy')).filter(
        (p) => ((p.Properties as { Bucket: { Ref?: string } }).Bucket.Ref ?? '') === id,
      );
      expect(policies).toHaveLength(1);
      return {
        arn: resolver.arnOf(id),
        policy: resolver.resolve((policies[0]!.Properties as { PolicyDocument: unknown }).PolicyDocument) as PolicyDocument,
      };
    };
    const WRITES = ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'];

    it('refuses record writes and deletes from a broad identity of the account', () => {
      // Prepare
      const { arn, policy } = bucket();
      const record = `${arn}/offboarding/alice/offboard-alice-AIDA1/snapshot.json`;
      // Act
      const decisions = WRITES.map(
        (action) =>
          simulate(
            { identityPolicies: [POWER_USER_ACCESS], resourcePolicy: policy },
            { principal: POWER_USER, action, resource: record, context: TRANSPORT },
          ).decision,
      );
      // Assess
      expect(decisions).toEqual(WRITES.map(() => expect.not.stringMatching(/^Allowed$/)));
    });

    it('refuses a forged reminder marker or approval request from a broad identity, and lets the scan write them', () => {
      // Prepare: a marker would silence a reminder; a request would wait for a rubber-stamp approval
      const { arn, policy } = bucket();
      const forged = [`${arn}/signals/alice/expiry-2027-01-01-rung-7.json`, `${arn}/approvals/alice/offboard-0001/request.json`];
      const [scan] = roles.filter((r) => isStep(r, 'DailyScan', 'Scan'));
      // Act
      const attacker = forged.map(
        (resource) =>
          simulate(
            { identityPolicies: [POWER_USER_ACCESS], resourcePolicy: policy },
            { principal: POWER_USER, action: 's3:PutObject', resource, context: TRANSPORT },
          ).decision,
      );
      const scanner = forged.map(
        (resource) =>
          simulate(
            { identityPolicies: scan!.policies, resourcePolicy: policy },
            { principal: scan!.principal, action: 's3:PutObject', resource, context: TRANSPORT },
          ).decision,
      );
      // Assess
      expect(attacker).toEqual(forged.map(() => expect.not.stringMatching(/^Allowed$/)));
      expect(scanner).toEqual(['Allowed', 'Allowed']);
    });

    it('lets the snapshot step write its records', () => {
      // Prepare
      const { arn, policy } = bucket();
      const record = `${arn}/offboarding/alice/offboard-alice-AIDA1/snapshot.json`;
      const [snapshot] = roles.filter(SNAPSHOT);
      // Act
      const decision = simulate(
        { identityPolicies: snapshot!.policies, resourcePolicy: policy },
        { principal: snapshot!.principal, action: 's3:PutObject', resource: record, context: TRANSPORT },
      ).decision;
      // Assess
      expect(decision).toBe('Allowed');
    });
  });

  describe('the secrets key and the managed secrets', () => {
    const key = () => {
      const id = logicalId(s.stack, s.stack.secretsKey.key);
      const keyPolicy = resolver.resolve(
        (resolver.resource(id).Properties as { KeyPolicy: unknown }).KeyPolicy,
      ) as PolicyDocument;
      return { arn: resolver.arnOf(id), keyPolicy };
    };
    const secretArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${SECRET_PREFIX}/alice-AbCdEf`;
    /** A create or resource-policy write as the secret store sends it: own key, own tags, no public policy. */
    const secretWriteContext = (): Record<string, ContextValue> => {
      const tags = { [SECRET_TAGS.managedBy]: 'iam-user-lifecycle', [SECRET_TAGS.user]: 'alice' };
      return {
        'secretsmanager:KmsKeyArn': key().arn,
        'secretsmanager:BlockPublicPolicy': 'true',
        'aws:TagKeys': [...SECRET_TAG_KEYS],
        ...Object.fromEntries(
          Object.entries(tags).flatMap(([k, v]) => [
            [`aws:RequestTag/${k}`, v],
            [`aws:ResourceTag/${k}`, v],
            [`secretsmanager:ResourceTag/${k}`, v],
          ]),
        ),
      };
    };
    /** What KMS sees when Secrets Manager decrypts the secret for the caller. */
    const throughSecretsManager = {
      'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`,
      'kms:CallerAccount': ACCOUNT,
      'kms:EncryptionContext:SecretARN': secretArn,
      'aws:ViaAWSService': 'true',
    };

    it('refuses kms:Decrypt outside Secrets Manager to a broad identity of the account', () => {
      // Prepare
      const { arn, keyPolicy } = key();
      // Act
      const decision = simulate(
        { identityPolicies: [POWER_USER_ACCESS], resourcePolicy: keyPolicy, resourcePolicyKind: 'kms-key' },
        { principal: POWER_USER, action: 'kms:Decrypt', resource: arn, context: { ...TRANSPORT, 'kms:CallerAccount': ACCOUNT } },
      ).decision;
      // Assess
      expect(decision).not.toBe('Allowed');
    });

    it('lets the create-and-store step decrypt through Secrets Manager', () => {
      // Prepare
      const { arn, keyPolicy } = key();
      const [store] = roles.filter(CREATE_AND_STORE);
      // Act
      const decision = simulate(
        { identityPolicies: store!.policies, resourcePolicy: keyPolicy, resourcePolicyKind: 'kms-key' },
        {
          principal: store!.principal,
          action: 'kms:Decrypt',
          resource: arn,
          context: { ...TRANSPORT, ...throughSecretsManager },
        },
      ).decision;
      // Assess
      expect(decision).toBe('Allowed');
    });

    it('lets no role but the create-and-store steps (rotation, exposure) create a managed secret or put its resource policy', () => {
      // Prepare
      const context = secretWriteContext();
      const writers = pathsOf((r) => CREATE_AND_STORE(r) || EXPOSURE_CREATE_AND_STORE(r));
      expect(writers).toHaveLength(2);
      // Act
      const others = ['secretsmanager:CreateSecret', 'secretsmanager:PutResourcePolicy'].flatMap((action) =>
        allowedRoles(action, secretArn, context)
          .filter((path) => !writers.includes(path))
          .map((path) => `${path}: ${action}`),
      );
      // Assess
      expect(others).toEqual([]);
    });

    it('lets the create-and-store step create a secret and put its resource policy', () => {
      // Prepare
      const [store] = roles.filter(CREATE_AND_STORE);
      const context = secretWriteContext();
      // Act
      const decisions = ['secretsmanager:CreateSecret', 'secretsmanager:PutResourcePolicy'].map(
        (action) => `${action}: ${decide(store!, action, secretArn, context)}`,
      );
      // Assess
      expect(decisions).toEqual(['secretsmanager:CreateSecret: Allowed', 'secretsmanager:PutResourcePolicy: Allowed']);
    });
  });
});

function isDenyEverything(statement: PolicyStatement): boolean {
  return (
    statement.Effect === 'Deny' &&
    asList(statement.Action).includes('*') &&
    asList(statement.Resource).includes('*') &&
    statement.Condition === undefined &&
    statement.NotAction === undefined &&
    statement.NotResource === undefined
  );
}
