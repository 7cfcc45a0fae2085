/**
 * The policy evaluator of the infra tests (test/support/policy-simulator.ts). Several cases are ones
 * a string match on the policy text gets wrong: an Allow whose condition blocks the request, an
 * explicit Deny over an Allow, NotAction/NotResource, a resource policy that only delegates.
 */
import {
  conditionHolds,
  rolePolicies,
  simulate,
  TemplateResolver,
  UnsupportedPolicyError,
  type CfnTemplate,
  type PolicyDocument,
  type PolicyStatement,
  type SimulationRequest,
} from '../support/policy-simulator';

const ACCOUNT = '111111111111';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/step`;
const USER = `arn:aws:iam::${ACCOUNT}:user/staff/alice`;
const OWN_DENY = `arn:aws:iam::${ACCOUNT}:policy/stack-deny-all`;
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const request = (action: string, resource: string, context: SimulationRequest['context'] = {}, tags = {}): SimulationRequest => ({
  principal: { arn: ROLE, tags },
  action,
  resource,
  context,
});
const decide = (policies: PolicyDocument[], req: SimulationRequest) => simulate({ identityPolicies: policies }, req).decision;
const ctx = (entries: Record<string, string | string[]>) =>
  new Map(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), v]));

describe('policy simulator: Allow, Deny, actions and resources', () => {
  it('allows what an Allow statement covers and nothing else', () => {
    // Prepare
    const policy = doc({ Effect: 'Allow', Action: 'iam:GetUser', Resource: `arn:aws:iam::${ACCOUNT}:user/*` });
    // Act
    const covered = decide([policy], request('iam:GetUser', USER));
    const otherAction = decide([policy], request('iam:DeleteUser', USER));
    const otherResource = decide([policy], request('iam:GetUser', `arn:aws:iam::${ACCOUNT}:role/x`));
    // Assess
    expect([covered, otherAction, otherResource]).toEqual(['Allowed', 'ImplicitlyDenied', 'ImplicitlyDenied']);
  });

  it('lets an explicit Deny win over an Allow in another policy (a string match sees only the Allow)', () => {
    // Prepare
    const allow = doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' });
    const deny = doc({ Effect: 'Deny', Action: ['iam:Put*', 'iam:Attach*'], Resource: `arn:aws:iam::${ACCOUNT}:user/staff/*` });
    // Act
    const put = simulate({ identityPolicies: [allow, deny] }, request('iam:PutUserPolicy', USER));
    const read = decide([allow, deny], request('iam:GetUser', USER));
    // Assess
    expect(put.decision).toBe('ExplicitlyDenied');
    expect(put.deciding).toEqual([expect.objectContaining({ Effect: 'Deny' })]);
    expect(read).toBe('Allowed');
  });

  it('matches actions case-insensitively with * and ?, resources case-sensitively', () => {
    // Prepare
    const policy = doc({
      Effect: 'Allow',
      Action: ['IAM:get?ser', 's3:Put*'],
      Resource: ['arn:aws:s3:::bucket/Records/*', USER],
    });
    // Act
    const results = [
      decide([policy], request('iam:GetUser', USER)),
      decide([policy], request('iam:GetUsers', USER)),
      decide([policy], request('s3:PutObject', 'arn:aws:s3:::bucket/Records/a/b.json')),
      decide([policy], request('s3:PutObject', 'arn:aws:s3:::bucket/records/a.json')),
    ];
    // Assess
    expect(results).toEqual(['Allowed', 'ImplicitlyDenied', 'Allowed', 'ImplicitlyDenied']);
  });

  it('reads NotAction and NotResource as "everything except"', () => {
    // Prepare: PowerUserAccess's shape, and a Deny on every resource but one.
    const powerUser = doc({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' });
    const denyElsewhere = doc({ Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::mine/*' });
    // Act
    const results = [
      decide([powerUser], request('iam:AttachUserPolicy', USER)),
      decide([powerUser], request('s3:PutObject', 'arn:aws:s3:::other/x')),
      decide([powerUser, denyElsewhere], request('s3:PutObject', 'arn:aws:s3:::other/x')),
      decide([powerUser, denyElsewhere], request('s3:PutObject', 'arn:aws:s3:::mine/x')),
    ];
    // Assess
    expect(results).toEqual(['ImplicitlyDenied', 'Allowed', 'ExplicitlyDenied', 'Allowed']);
  });
});

describe('policy simulator: conditions', () => {
  const attachOwnDeny = doc({
    Effect: 'Allow',
    Action: 'iam:AttachUserPolicy',
    Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
    Condition: { ArnEquals: { 'iam:PolicyARN': OWN_DENY } },
  });

  it('honours a condition that blocks the request (a string match sees iam:AttachUserPolicy allowed)', () => {
    // Act
    const admin = decide([attachOwnDeny], request('iam:AttachUserPolicy', USER, { 'iam:PolicyARN': ADMIN }));
    const own = decide([attachOwnDeny], request('iam:AttachUserPolicy', USER, { 'iam:PolicyARN': OWN_DENY }));
    const without = decide([attachOwnDeny], request('iam:AttachUserPolicy', USER));
    // Assess
    expect([admin, own, without]).toEqual(['ImplicitlyDenied', 'Allowed', 'ImplicitlyDenied']);
  });

  it('limits tagging to listed keys with ForAllValues, which needs Null false to refuse a request without keys', () => {
    // Prepare
    const keys = ['iam-lifecycle:offboarding', 'iam-lifecycle:offboarding-execution'];
    const onlyForAll = doc({
      Effect: 'Allow',
      Action: 'iam:TagUser',
      Resource: '*',
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': keys } },
    });
    const withNull = doc({
      Effect: 'Allow',
      Action: 'iam:TagUser',
      Resource: '*',
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': keys }, Null: { 'aws:TagKeys': 'false' } },
    });
    // Act
    const results = [
      decide([withNull], request('iam:TagUser', USER, { 'aws:TagKeys': ['iam-lifecycle:offboarding'] })),
      decide([withNull], request('iam:TagUser', USER, { 'aws:TagKeys': [...keys] })),
      decide([withNull], request('iam:TagUser', USER, { 'aws:TagKeys': ['iam-lifecycle:offboarding', 'admin'] })),
      decide([withNull], request('iam:TagUser', USER, { 'aws:TagKeys': ['admin'] })),
      decide([withNull], request('iam:TagUser', USER)),
      decide([onlyForAll], request('iam:TagUser', USER)),
    ];
    // Assess
    expect(results).toEqual(['Allowed', 'Allowed', 'ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied', 'Allowed']);
  });

  it('is true for ForAnyValue when one request value matches, false without any value', () => {
    // Act
    const results = [
      conditionHolds('ForAnyValue:StringLike', 'aws:TagKeys', ['admin*'], ctx({ 'aws:TagKeys': ['team', 'administrator'] })),
      conditionHolds('ForAnyValue:StringLike', 'aws:TagKeys', ['admin*'], ctx({ 'aws:TagKeys': ['team'] })),
      conditionHolds('ForAnyValue:StringLike', 'aws:TagKeys', ['admin*'], ctx({})),
      conditionHolds('ForAnyValue:StringNotEquals', 'aws:TagKeys', ['team'], ctx({ 'aws:TagKeys': ['team', 'other'] })),
      conditionHolds('ForAllValues:StringNotEquals', 'aws:TagKeys', ['team'], ctx({ 'aws:TagKeys': ['team', 'other'] })),
    ];
    // Assess
    expect(results).toEqual([true, false, false, true, false]);
  });

  it('makes a negated operator true when the key is missing, a positive one false, IfExists true', () => {
    // Act
    const results = [
      conditionHolds('StringNotEquals', 'aws:PrincipalTag/team', ['ops'], ctx({})),
      conditionHolds('StringEquals', 'aws:PrincipalTag/team', ['ops'], ctx({})),
      conditionHolds('StringEqualsIfExists', 'aws:PrincipalTag/team', ['ops'], ctx({})),
      conditionHolds('StringEqualsIfExists', 'aws:PrincipalTag/team', ['ops'], ctx({ 'aws:PrincipalTag/team': 'dev' })),
      conditionHolds('StringNotLike', 'aws:PrincipalTag/team', ['op*'], ctx({ 'aws:PrincipalTag/team': 'ops' })),
      conditionHolds('StringNotEquals', 'aws:PrincipalTag/team', ['ops', 'dev'], ctx({ 'aws:PrincipalTag/team': 'qa' })),
      conditionHolds('StringEqualsIgnoreCase', 'aws:PrincipalTag/team', ['OPS'], ctx({ 'aws:PrincipalTag/team': 'ops' })),
    ];
    // Assess
    expect(results).toEqual([true, false, true, false, false, true, true]);
  });

  it('compares ARNs part by part: a wildcard does not run across a colon', () => {
    // Act
    const results = [
      conditionHolds('ArnLike', 'aws:PrincipalArn', ['arn:aws:iam::*:role/step'], ctx({ 'aws:PrincipalArn': ROLE })),
      conditionHolds('ArnLike', 'aws:PrincipalArn', ['arn:aws:iam::111111111111:role/*'], ctx({ 'aws:PrincipalArn': ROLE })),
      conditionHolds(
        'ArnLike',
        'aws:SourceArn',
        ['arn:aws:*:eu-west-1:111111111111:x'],
        ctx({ 'aws:SourceArn': 'arn:aws:s3:::eu-west-1:111111111111:x' }),
      ),
      conditionHolds('ArnEquals', 'aws:PrincipalArn', [ROLE], ctx({ 'aws:PrincipalArn': ROLE })),
      conditionHolds('ArnNotLike', 'aws:PrincipalArn', ['arn:aws:iam::*:role/step'], ctx({ 'aws:PrincipalArn': ROLE })),
      conditionHolds('ArnNotEquals', 'aws:PrincipalArn', [ROLE], ctx({ 'aws:PrincipalArn': `${ROLE}2` })),
      conditionHolds('ArnLike', 'aws:PrincipalArn', ['arn:aws:iam::*:role/*'], ctx({ 'aws:PrincipalArn': 'not-an-arn' })),
    ];
    // Assess
    expect(results).toEqual([true, true, false, true, false, true, false]);
  });

  it('evaluates Bool, Null, numeric and date operators', () => {
    // Act
    const results = [
      conditionHolds('Bool', 'aws:SecureTransport', ['false'], ctx({ 'aws:SecureTransport': 'false' })),
      conditionHolds('Bool', 'aws:SecureTransport', ['false'], ctx({ 'aws:SecureTransport': 'true' })),
      conditionHolds('Null', 'iam:ResourceTag/protected', ['false'], ctx({ 'iam:ResourceTag/protected': 'yes' })),
      conditionHolds('Null', 'iam:ResourceTag/protected', ['false'], ctx({})),
      conditionHolds('Null', 'iam:ResourceTag/protected', ['true'], ctx({})),
      conditionHolds('NumericLessThan', 's3:TlsVersion', ['1.2'], ctx({ 's3:TlsVersion': '1.1' })),
      conditionHolds('NumericLessThan', 's3:TlsVersion', ['1.2'], ctx({ 's3:TlsVersion': '1.3' })),
      conditionHolds('NumericGreaterThanEquals', 'n', ['10'], ctx({ n: '10' })),
      conditionHolds('NumericLessThan', 'n', ['10'], ctx({ n: 'abc' })),
      conditionHolds(
        'DateGreaterThan',
        'aws:CurrentTime',
        ['2026-01-01T00:00:00Z'],
        ctx({ 'aws:CurrentTime': '2026-06-01T00:00:00Z' }),
      ),
      conditionHolds('DateGreaterThan', 'aws:CurrentTime', ['2026-01-01T00:00:00Z'], ctx({ 'aws:CurrentTime': '1700000000' })),
    ];
    // Assess
    expect(results).toEqual([true, false, true, false, true, true, false, true, false, true, false]);
  });

  it('reads condition keys case-insensitively and policy values with policy variables', () => {
    // Prepare
    const policy = doc({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*',
      Condition: { StringEquals: { 'AWS:PRINCIPALACCOUNT': ACCOUNT } },
    });
    // Act
    const own = decide([policy], request('s3:GetObject', 'arn:aws:s3:::bucket/ops/x', {}, { team: 'ops' }));
    const other = decide([policy], request('s3:GetObject', 'arn:aws:s3:::bucket/dev/x', {}, { team: 'ops' }));
    const untagged = decide([policy], request('s3:GetObject', 'arn:aws:s3:::bucket/ops/x'));
    // Assess
    expect([own, other, untagged]).toEqual(['Allowed', 'ImplicitlyDenied', 'ImplicitlyDenied']);
  });

  it('fills the principal keys (ARN, account, type, user id, tags) from the caller', () => {
    // Prepare
    const policy = doc({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: '*',
      Condition: {
        StringLike: { 'aws:userid': 'AROAEXAMPLE:*' },
        StringEquals: { 'aws:PrincipalType': 'AssumedRole', 'aws:PrincipalAccount': ACCOUNT, 'aws:PrincipalTag/team': 'ops' },
        ArnEquals: { 'aws:PrincipalArn': ROLE },
      },
    });
    const run = (principal: SimulationRequest['principal']) =>
      simulate({ identityPolicies: [policy] }, { principal, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }).decision;
    // Act
    const results = [
      run({ arn: ROLE, userId: 'AROAEXAMPLE:session', tags: { team: 'ops' } }),
      run({ arn: ROLE, userId: 'AROAOTHER:session', tags: { team: 'ops' } }),
      run({ arn: ROLE, tags: { team: 'ops' } }),
      run({ arn: USER, userId: 'AROAEXAMPLE:session', tags: { team: 'ops' } }),
    ];
    // Assess
    expect(results).toEqual(['Allowed', 'ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied']);
  });

  it('refuses operators it does not implement instead of guessing', () => {
    // Prepare
    const policy = doc({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
    });
    // Act
    const act = () => decide([policy], request('s3:GetObject', 'arn:aws:s3:::b/x'));
    // Assess
    expect(act).toThrow(UnsupportedPolicyError);
  });
});

describe('policy simulator: resource policies', () => {
  const bucketObject = 'arn:aws:s3:::records/offboarding/alice/snapshot.json';
  const s3Writer = doc({ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::records/*' });
  const writer = `arn:aws:iam::${ACCOUNT}:role/snapshot`;

  it('denies writers outside the list by aws:PrincipalArn even when their identity policy allows', () => {
    // Prepare
    const bucketPolicy = doc({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:PutObject', 's3:DeleteObject*'],
      Resource: 'arn:aws:s3:::records/*',
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': [writer] } },
    });
    // Act
    const stranger = simulate(
      { identityPolicies: [s3Writer], resourcePolicy: bucketPolicy },
      request('s3:PutObject', bucketObject),
    );
    const listed = simulate(
      { identityPolicies: [s3Writer], resourcePolicy: bucketPolicy },
      { principal: { arn: writer }, action: 's3:PutObject', resource: bucketObject },
    );
    // Assess
    expect(stranger.decision).toBe('ExplicitlyDenied');
    expect(listed.decision).toBe('Allowed');
  });

  it('grants through a statement naming the principal or *, never through one naming only the account', () => {
    // Prepare
    const toRole = doc({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 's3:GetObject', Resource: '*' });
    const toEveryone = doc({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' });
    const toAccount = doc({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 's3:GetObject',
      Resource: '*',
    });
    const run = (resourcePolicy: PolicyDocument) =>
      simulate({ identityPolicies: [], resourcePolicy }, request('s3:GetObject', bucketObject)).decision;
    // Act
    const results = [run(toRole), run(toEveryone), run(toAccount)];
    // Assess
    expect(results).toEqual(['Allowed', 'Allowed', 'ImplicitlyDenied']);
  });

  it('applies a Deny with NotPrincipal to everyone except the named principals', () => {
    // Prepare
    const policy = doc({ Effect: 'Deny', NotPrincipal: { AWS: [writer] }, Action: 's3:PutObject', Resource: '*' });
    // Act
    const stranger = simulate(
      { identityPolicies: [s3Writer], resourcePolicy: policy },
      request('s3:PutObject', bucketObject),
    ).decision;
    const named = simulate(
      { identityPolicies: [s3Writer], resourcePolicy: policy },
      { principal: { arn: writer }, action: 's3:PutObject', resource: bucketObject },
    ).decision;
    // Assess
    expect([stranger, named]).toEqual(['ExplicitlyDenied', 'Allowed']);
  });

  it('needs both the identity and the resource policy for a caller of another account', () => {
    // Prepare
    const other = 'arn:aws:iam::222222222222:role/foreign';
    const identity = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });
    const toEveryone = doc({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' });
    const toOtherAccount = doc({ Effect: 'Allow', Principal: { AWS: '222222222222' }, Action: 's3:GetObject', Resource: '*' });
    const run = (arn: string, identityPolicies: PolicyDocument[], resourcePolicy: PolicyDocument) =>
      simulate(
        { identityPolicies, resourcePolicy, resourceAccount: ACCOUNT },
        { principal: { arn }, action: 's3:GetObject', resource: bucketObject },
      ).decision;
    // Act
    const results = [
      run(ROLE, [], toEveryone),
      run(
        ROLE,
        [identity],
        doc({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 's3:GetObject', Resource: '*' }),
      ),
      run(other, [], toEveryone),
      run(other, [identity], doc({ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: '*' })),
      run(other, [identity], toEveryone),
      run(other, [identity], toOtherAccount),
    ];
    // Assess
    expect(results).toEqual(['Allowed', 'Allowed', 'ImplicitlyDenied', 'ImplicitlyDenied', 'Allowed', 'Allowed']);
  });

  it('needs the key policy for KMS: an identity Allow counts only where the key policy delegates to the account', () => {
    // Prepare
    const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/k`;
    const decrypt = doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' });
    const delegating = doc({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    });
    const delegatingById = doc({ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'kms:*', Resource: '*' });
    const viaSecretsManager = doc(
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, NotAction: 'kms:Decrypt', Resource: '*' },
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      },
    );
    const run = (keyPolicy: PolicyDocument | undefined, identity: PolicyDocument[], context = {}) =>
      simulate(
        { identityPolicies: identity, resourcePolicy: keyPolicy, resourcePolicyKind: 'kms-key' },
        request('kms:Decrypt', key, context),
      ).decision;
    // Act
    const results = [
      run(undefined, [decrypt]),
      run(delegating, [decrypt]),
      run(delegating, []),
      run(delegatingById, [decrypt]),
      run(viaSecretsManager, [decrypt]),
      run(viaSecretsManager, [decrypt], { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' }),
    ];
    // Assess
    expect(results).toEqual(['ImplicitlyDenied', 'Allowed', 'ImplicitlyDenied', 'Allowed', 'ImplicitlyDenied', 'Allowed']);
  });
});

describe('policy simulator: CloudFormation templates', () => {
  const template: CfnTemplate = {
    Resources: {
      StepRole: {
        Type: 'AWS::IAM::Role',
        Properties: { Policies: [{ PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }) }] },
      },
      Records: { Type: 'AWS::S3::Bucket' },
      DenyAll: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: { ManagedPolicyName: 'stack-deny-all', PolicyDocument: doc({ Effect: 'Deny', Action: '*', Resource: '*' }) },
      },
      StepPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'StepRole' }],
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: 's3:PutObject',
                Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Records', 'Arn'] }, '/offboarding/*']] },
              },
              {
                Effect: 'Allow',
                Action: 'iam:AttachUserPolicy',
                Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*' },
                Condition: { ArnEquals: { 'iam:PolicyARN': { Ref: 'DenyAll' } } },
              },
            ],
          },
        },
      },
    },
  };

  it('resolves Ref, Fn::GetAtt, Fn::Join and Fn::Sub to concrete strings', () => {
    // Prepare
    const resolver = new TemplateResolver(template);
    // Act
    const resolved = resolver.resolve({
      a: { 'Fn::GetAtt': ['StepRole', 'Arn'] },
      b: { Ref: 'DenyAll' },
      c: { 'Fn::Sub': ['${Bucket}/x/${!Literal}', { Bucket: { 'Fn::GetAtt': ['Records', 'Arn'] } }] },
      d: { 'Fn::Join': [':', [{ Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }]] },
    });
    // Assess
    expect(resolved).toEqual({
      a: `arn:aws:iam::${ACCOUNT}:role/StepRole`,
      b: `arn:aws:iam::${ACCOUNT}:policy/stack-deny-all`,
      c: 'arn:aws:s3:::bucket-records/x/${Literal}',
      d: `eu-west-1:${ACCOUNT}`,
    });
  });

  it('gathers a role inline, attached and managed policies and evaluates them', () => {
    // Prepare
    const resolver = new TemplateResolver(template);
    const known = { 'arn:aws:iam::aws:policy/ReadOnlyAccess': doc({ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }) };
    const withManaged: CfnTemplate = {
      Resources: {
        ...template.Resources,
        StepRole: {
          Type: 'AWS::IAM::Role',
          Properties: {
            ...template.Resources.StepRole!.Properties,
            ManagedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
          },
        },
      },
    };
    const policies = rolePolicies(new TemplateResolver(withManaged), 'StepRole', known);
    const principal = { arn: resolver.getAtt('StepRole', 'Arn') };
    const run = (action: string, resource: string, context = {}) =>
      simulate({ identityPolicies: policies }, { principal, action, resource, context }).decision;
    // Act
    const results = [
      run('sts:GetCallerIdentity', '*'),
      run('iam:GetUser', USER),
      run('s3:PutObject', 'arn:aws:s3:::bucket-records/offboarding/a.json'),
      run('iam:AttachUserPolicy', USER, { 'iam:PolicyARN': OWN_DENY }),
      run('iam:AttachUserPolicy', USER, { 'iam:PolicyARN': ADMIN }),
    ];
    // Assess
    expect(policies).toHaveLength(3);
    expect(results).toEqual(['Allowed', 'Allowed', 'Allowed', 'Allowed', 'ImplicitlyDenied']);
  });

  it('refuses a managed policy it cannot see and an intrinsic it cannot resolve', () => {
    // Prepare
    const unknown: CfnTemplate = {
      Resources: {
        R: { Type: 'AWS::IAM::Role', Properties: { ManagedPolicyArns: ['arn:aws:iam::aws:policy/PowerUserAccess'] } },
      },
    };
    // Act
    const gather = () => rolePolicies(new TemplateResolver(unknown), 'R');
    const importValue = () => new TemplateResolver(unknown).resolve({ 'Fn::ImportValue': 'x' });
    // Assess
    expect(gather).toThrow(/PowerUserAccess/);
    expect(importValue).toThrow(UnsupportedPolicyError);
  });
});
