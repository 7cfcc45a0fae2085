/**
 * Who may call what through the API: the REST API's resource policy, evaluated (test/support/
 * policy-simulator.ts) for callers of every kind against every route, with the default config
 * (principal tag `iam-lifecycle:api`) and with configured principals (`api.principals`).
 */
import { API_ACCESS_TAG, API_ROUTE_GROUP, API_ROUTES, type ApiRoute } from '../../infra/constructs/lifecycle-api';
import { API_ROUTE_GROUPS, type ApiRouteGroup } from '../../functions/shared/config';
import { simulate, type PolicyDocument, type PolicyStatement } from '../support/policy-simulator';
import { synth, type Synthesized } from './support';

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const POWER_USER = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PowerUserAccess_0123456789abcdef`;
const HR_ROLE = `arn:aws:iam::${ACCOUNT}:role/hr/OffboardingIntegration`;

interface ApiCaller {
  /** aws:PrincipalArn: the role (for a role session), the user, or the federated user. */
  readonly principalArn: string;
  readonly account: string;
  /** aws:PrincipalTag/* (principal and session tags). */
  readonly tags?: Readonly<Record<string, string>>;
  /** Whether the caller's identity policies allow execute-api:Invoke on the API (PowerUserAccess does). */
  readonly identityAllows: boolean;
}

const INVOKE_ANY_API: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }] };

/** The resource policy of the synthesized REST API, with the account filled in. */
function resourcePolicy(s: Synthesized): PolicyStatement[] {
  const apis = Object.values(s.template.findResources('AWS::ApiGateway::RestApi'));
  expect(apis).toHaveLength(1);
  const policy = (apis[0]!.Properties as { Policy?: { Statement: PolicyStatement[] } }).Policy;
  if (!policy) throw new Error('the REST API has no resource policy');
  return JSON.parse(
    JSON.stringify(policy.Statement).replaceAll('{"Ref":"AWS::AccountId"}', JSON.stringify(ACCOUNT)),
  ) as PolicyStatement[];
}

/** The execute-api resource of a call to the route on stage v1. */
function resourceOf(route: ApiRoute): string {
  const [method, path] = route.split(' ') as [string, string];
  return `execute-api:/v1/${method}${path.replace('{userName}', 'alice')}`;
}

/**
 * The routes this caller gets into: API Gateway's decision for an AWS_IAM-authorized caller (an
 * explicit Deny refuses; the API's own account needs the resource or the identity policy to allow,
 * another account both).
 */
function admitted(statements: PolicyStatement[], caller: ApiCaller): ApiRoute[] {
  return API_ROUTES.filter(
    (route) =>
      simulate(
        {
          identityPolicies: caller.identityAllows ? [INVOKE_ANY_API] : [],
          resourcePolicy: { Statement: statements },
          resourceAccount: ACCOUNT,
        },
        {
          principal: { arn: caller.principalArn, tags: caller.tags },
          action: 'execute-api:Invoke',
          resource: resourceOf(route),
          context: { 'aws:PrincipalAccount': caller.account },
        },
      ).decision === 'Allowed',
  );
}

function routesOf(...groups: ApiRouteGroup[]): ApiRoute[] {
  return API_ROUTES.filter((route) => groups.includes(API_ROUTE_GROUP[route]));
}

const tagged = (value: string, overrides: Partial<ApiCaller> = {}): ApiCaller => ({
  principalArn: `arn:aws:iam::${ACCOUNT}:role/Operator`,
  account: ACCOUNT,
  tags: { [API_ACCESS_TAG]: value },
  identityAllows: true,
  ...overrides,
});

describe('API resource policy with the default config (principal tag iam-lifecycle:api)', () => {
  let s: Synthesized;
  let statements: PolicyStatement[];
  beforeAll(() => {
    s = synth({}, { bundle: false });
    statements = resourcePolicy(s);
  });

  it('puts every route in one route group, each group non-empty', () => {
    // Assess
    expect(Object.keys(API_ROUTE_GROUP).sort()).toEqual([...API_ROUTES].sort());
    for (const group of API_ROUTE_GROUPS) expect(routesOf(group).length).toBeGreaterThan(0);
    expect(routesOf('offboard')).toEqual([
      'POST /offboardings',
      'DELETE /offboardings/{userName}',
      'POST /offboardings/{userName}/approval',
    ]);
    expect(routesOf('rotate')).toEqual(['POST /rotations', 'POST /rotations/{userName}/rollback', 'POST /exposures']);
    expect(routesOf('read')).toEqual(['GET /offboardings/{userName}', 'GET /users/{userName}']);
  });

  it('refuses a broad identity without the tag (PowerUserAccess allows execute-api:Invoke) on every route', () => {
    // Prepare
    const powerUser: ApiCaller = { principalArn: POWER_USER, account: ACCOUNT, identityAllows: true };
    // Act / Assess
    expect(admitted(statements, powerUser)).toEqual([]);
    expect(admitted(statements, { ...powerUser, tags: { team: 'platform' } })).toEqual([]);
  });

  it.each([
    ['offboard', routesOf('offboard')],
    ['rotate', routesOf('rotate')],
    ['read', routesOf('read')],
    ['offboard read', routesOf('offboard', 'read')],
    ['read offboard', routesOf('offboard', 'read')],
    ['read rotate offboard', routesOf('offboard', 'rotate', 'read')],
    ['rotate read', routesOf('rotate', 'read')],
  ])('admits a principal tagged "%s" to exactly its groups', (value, expected) => {
    // Act / Assess: the resource policy alone admits it, with or without an identity policy
    expect(admitted(statements, tagged(value))).toEqual(expected);
    expect(admitted(statements, tagged(value, { identityAllows: false }))).toEqual(expected);
  });

  it('refuses POST /exposures (it replaces and deactivates a key) to every caller without the rotate group', () => {
    // Prepare
    const powerUser: ApiCaller = { principalArn: POWER_USER, account: ACCOUNT, identityAllows: true };
    const callers = [powerUser, tagged('offboard read'), tagged('rotator'), tagged('')];
    // Act
    const admittedToExposures = callers.map((caller) => admitted(statements, caller).includes('POST /exposures'));
    // Assess
    expect(admittedToExposures).toEqual([false, false, false, false]);
    expect(admitted(statements, tagged('rotate'))).toContain('POST /exposures');
  });

  it.each(['offboarder', 'reoffboard', 'offboarding read', 'Offboard', 'offboard,read', '*', ''])(
    'matches whole words only: "%s" admits no offboard route',
    (value) => {
      // Act
      const routes = admitted(statements, tagged(value));
      // Assess
      expect(routes.filter((r) => API_ROUTE_GROUP[r] === 'offboard')).toEqual([]);
    },
  );

  it('refuses tagged principals of another account and federated-user sessions (their caller picks the tags)', () => {
    // Prepare
    const foreign = tagged('offboard rotate read', {
      principalArn: `arn:aws:iam::${OTHER_ACCOUNT}:role/Operator`,
      account: OTHER_ACCOUNT,
    });
    const federated = tagged('offboard rotate read', { principalArn: `arn:aws:sts::${ACCOUNT}:federated-user/mallory` });
    // Act / Assess
    expect(admitted(statements, foreign)).toEqual([]);
    expect(admitted(statements, federated)).toEqual([]);
  });
});

describe('API resource policy with configured principals (api.principals)', () => {
  let s: Synthesized;
  let statements: PolicyStatement[];
  let defaults: Synthesized;
  const offboarders = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Offboarders_*`;
  beforeAll(() => {
    s = synth(
      { lifecycleConfig: { api: { principals: { offboard: [HR_ROLE, offboarders], read: [HR_ROLE] } } } },
      { bundle: false },
    );
    statements = resourcePolicy(s);
    defaults = synth({}, { bundle: false });
  });

  it('admits the configured principals to their groups only, and nobody else there, tag or not', () => {
    // Prepare
    const hr: ApiCaller = { principalArn: HR_ROLE, account: ACCOUNT, identityAllows: false };
    const ssoOffboarder: ApiCaller = {
      principalArn: `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Offboarders_5a6b7c8d`,
      account: ACCOUNT,
      identityAllows: true,
    };
    const powerUser: ApiCaller = { principalArn: POWER_USER, account: ACCOUNT, identityAllows: true };
    // Act / Assess
    expect(admitted(statements, hr)).toEqual(routesOf('offboard', 'read'));
    expect(admitted(statements, ssoOffboarder)).toEqual(routesOf('offboard'));
    expect(admitted(statements, powerUser)).toEqual([]);
    // Groups with principals ignore the tag; the unconfigured group (rotate) still goes by the tag.
    expect(admitted(statements, tagged('offboard rotate read'))).toEqual(routesOf('rotate'));
  });

  // A changed resource policy takes effect only with a new deployment; CDK hashes the policy into it.
  it('redeploys the API when the resource policy changes', () => {
    // Act
    const deployment = (x: Synthesized) => Object.keys(x.template.findResources('AWS::ApiGateway::Deployment'));
    // Assess
    expect(deployment(s)).not.toEqual(deployment(defaults));
  });

  it.each([
    [{ offboard: ['*'] }, /api\.principals\.offboard must be a list of IAM role or user ARNs/],
    [{ read: [`arn:aws:sts::${ACCOUNT}:assumed-role/Ops/alice`] }, /api\.principals\.read/],
    [{ rotate: 'arn:aws:iam::111122223333:role/Ops' }, /api\.principals\.rotate/],
    [{ delete: [] }, /unknown api\.principals group "delete"/],
  ])('refuses api.principals %j at synth', (principals, message) => {
    // Act / Assess
    expect(() => synth({ lifecycleConfig: { api: { principals } } }, { bundle: false })).toThrow(message);
  });
});
