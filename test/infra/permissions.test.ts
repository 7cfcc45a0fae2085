/**
 * Least privilege, checked on the synthesized template: the exact permissions of every role, no
 * wildcard allows anywhere, IAM writes only on managed users, and the protected-user Deny statements.
 */
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { isIamWriteAction, PROTECTED_USER_READABLE_ACTIONS } from '../../infra/constructs/managed-user-access';
import type { LifecycleFunction } from '../../infra/constructs/lifecycle-function';
import {
  allIdentityStatements,
  asArray,
  logicalId,
  render,
  roleStatements,
  synth,
  type Statement,
  type Synthesized,
} from './support';

const PARTITION = '{Ref:AWS::Partition}';
const ACCOUNT = '{Ref:AWS::AccountId}';
const userArn = (resource: string) => `arn:${PARTITION}:iam::${ACCOUNT}:user/${resource}`;

const LOGS = ['logs:CreateLogStream on own log group', 'logs:PutLogEvents on own log group'];
const PUBLISH = ['sns:Publish on topic', 'kms:GenerateDataKey on topic key', 'kms:Decrypt on topic key'];

/** The permission table: what each handler calls (functions/rotation/handlers.ts, functions/scan/). */
const EXPECTED_PERMISSIONS: Record<string, string[]> = {
  prepare: [
    ...LOGS,
    'iam:GetUser on managed users',
    'iam:ListUserTags on managed users',
    'iam:ListAccessKeys on managed users',
    'iam:GetAccessKeyLastUsed on managed users',
    'iam:DeleteAccessKey on managed users',
    ...PUBLISH,
  ],
  createAndStore: [
    ...LOGS,
    'iam:ListAccessKeys on managed users',
    'iam:CreateAccessKey on managed users',
    'iam:DeleteAccessKey on managed users',
    'secretsmanager:DescribeSecret on managed secrets',
    'secretsmanager:GetSecretValue on managed secrets',
    'secretsmanager:PutSecretValue on managed secrets',
    'secretsmanager:CreateSecret on managed secrets',
    'secretsmanager:TagResource on managed secrets',
    'kms:GenerateDataKey on secrets key',
    'kms:Decrypt on secrets key',
  ],
  checkCutover: [...LOGS, 'iam:GetAccessKeyLastUsed on managed users', ...PUBLISH],
  deactivateOldKey: [
    ...LOGS,
    'iam:ListAccessKeys on managed users',
    'iam:UpdateAccessKey on managed users',
    'secretsmanager:GetSecretValue on managed secrets',
    'kms:Decrypt on secrets key',
    ...PUBLISH,
  ],
  finishRotation: [...LOGS, 'iam:ListAccessKeys on managed users', 'iam:DeleteAccessKey on managed users', ...PUBLISH],
  notify: [...LOGS, ...PUBLISH],
  scan: [
    ...LOGS,
    'iam:GenerateCredentialReport on *',
    'iam:GetCredentialReport on *',
    'iam:ListAccessKeys on managed users',
    'iam:ListUserTags on managed users',
    'states:StartExecution on rotation state machine',
    'states:DescribeExecution on rotation executions',
    ...PUBLISH,
  ],
};

function functionsOf(s: Synthesized): Record<string, LifecycleFunction> {
  return { ...s.stack.keyRotation.functions, scan: s.stack.dailyScan.function };
}

/** Names every resource an Allow statement may use, so permissions read as "action on what". */
function resourceLabeler(s: Synthesized, fn: LifecycleFunction): (resource: unknown) => string {
  const { stack } = s;
  const labels = new Map<string, string>([
    ['*', '*'],
    [render(stack.resolve(fn.logGroup.logGroupArn)), 'own log group'],
    [render(stack.resolve(stack.notifications.topic.topicArn)), 'topic'],
    [render(stack.resolve(stack.notifications.key.keyArn)), 'topic key'],
    [render(stack.resolve(stack.secretsKey.key.keyArn)), 'secrets key'],
    [render(stack.resolve(stack.secretsKey.secretArnPattern)), 'managed secrets'],
    [render(stack.resolve(stack.keyRotation.stateMachine.stateMachineArn)), 'rotation state machine'],
    ...stack.userAccess.managedUserArns.map((arn) => [render(stack.resolve(arn)), 'managed users'] as [string, string]),
  ]);
  const machine = logicalId(stack, stack.keyRotation.stateMachine);
  return (resource) => {
    const text = render(resource);
    if (labels.has(text)) return labels.get(text)!;
    if (text.includes(`:execution:{GetAtt:${machine}.Name}:*`)) return 'rotation executions';
    return `UNEXPECTED ${text}`;
  };
}

function allowedPermissions(s: Synthesized, fn: LifecycleFunction): string[] {
  const label = resourceLabeler(s, fn);
  return roleStatements(s.template, logicalId(s.stack, fn.role))
    .filter((st) => st.Effect === 'Allow')
    .flatMap((st) => asArray(st.Action).flatMap((action) => asArray(st.Resource).map((r) => `${action} on ${label(r)}`)))
    .sort();
}

function iamWriteAllows(statements: Statement[]): Statement[] {
  return statements.filter((st) => st.Effect === 'Allow' && asArray(st.Action).some(isIamWriteAction));
}

function statementsOfRole(s: Synthesized, role: IRole): Statement[] {
  return roleStatements(s.template, logicalId(s.stack, role));
}

describe('IAM permissions with the default config', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  });

  it.each(Object.keys(EXPECTED_PERMISSIONS))('the %s role allows exactly what its handler calls', (name) => {
    // Act
    const allowed = allowedPermissions(s, functionsOf(s)[name]!);
    // Assess
    expect(allowed).toEqual([...EXPECTED_PERMISSIONS[name]!].sort());
  });

  it('gives every function its own role', () => {
    // Prepare
    const fns = s.template.findResources('AWS::Lambda::Function');
    // Act
    const roles = Object.values(fns).map((f) => render((f.Properties as { Role: unknown }).Role));
    // Assess
    expect(roles).toHaveLength(7);
    expect(new Set(roles).size).toBe(7);
  });

  it('attaches no AWS managed policy to any role', () => {
    // Act
    const roles = Object.values(s.template.findResources('AWS::IAM::Role'));
    // Assess
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) expect((role.Properties as { ManagedPolicyArns?: unknown }).ManagedPolicyArns).toBeUndefined();
  });

  it('allows no wildcard action, no NotAction/NotResource, and no IAM write on "*" anywhere', () => {
    // Act
    const allows = allIdentityStatements(s.template).filter((st) => st.Effect === 'Allow');
    // Assess
    expect(allows.length).toBeGreaterThan(20);
    for (const st of allows) {
      expect(st.NotAction).toBeUndefined();
      expect(st.NotResource).toBeUndefined();
      for (const action of asArray(st.Action)) {
        expect(action).not.toContain('*');
        if (action.startsWith('iam:') && isIamWriteAction(action)) expect(asArray(st.Resource)).not.toContain('*');
      }
    }
  });

  it('allows IAM writes only on users under the managed path', () => {
    // Act
    const writes = iamWriteAllows(allIdentityStatements(s.template));
    // Assess
    expect(writes.length).toBe(4); // prepare, createAndStore, deactivateOldKey, finishRotation
    for (const st of writes) expect(asArray(st.Resource).map(render)).toEqual([userArn('*')]);
  });

  it('grants KMS on the secrets key only through Secrets Manager, for secrets under the prefix', () => {
    // Prepare
    const prefixPattern = `arn:${PARTITION}:secretsmanager:{Ref:AWS::Region}:${ACCOUNT}:secret:iam-user-lifecycle/*`;
    const secretsKey = render(s.stack.resolve(s.stack.secretsKey.key.keyArn));
    for (const fn of [s.stack.keyRotation.functions.createAndStore, s.stack.keyRotation.functions.deactivateOldKey]) {
      // Act
      const kms = statementsOfRole(s, fn.role).filter((st) => asArray(st.Resource).map(render).includes(secretsKey));
      // Assess
      expect(kms).toHaveLength(1);
      expect(render((kms[0]!.Condition!.StringEquals as Record<string, unknown>)['kms:ViaService'])).toBe(
        'secretsmanager.{Ref:AWS::Region}.amazonaws.com',
      );
      expect(render((kms[0]!.Condition!.StringLike as Record<string, unknown>)['kms:EncryptionContext:SecretARN'])).toBe(
        prefixPattern,
      );
    }
  });

  it('lets createAndStore create secrets only with the stack key, and tag them only with the store tags', () => {
    // Act
    const statements = statementsOfRole(s, s.stack.keyRotation.functions.createAndStore.role);
    const create = statements.find((st) => asArray(st.Action).includes('secretsmanager:CreateSecret'))!;
    const tag = statements.find((st) => asArray(st.Action).includes('secretsmanager:TagResource'))!;
    // Assess
    expect(render((create.Condition!.StringEquals as Record<string, unknown>)['secretsmanager:KmsKeyArn'])).toBe(
      render(s.stack.resolve(s.stack.secretsKey.key.keyArn)),
    );
    expect(tag.Condition).toEqual({
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['iam-lifecycle:managed-by', 'iam-lifecycle:user'] },
    });
  });

  it('lets the state machine invoke exactly the six rotation functions (no version or alias wildcard)', () => {
    // Prepare
    const fnArns = Object.values(s.stack.keyRotation.functions)
      .map((f) => render(s.stack.resolve(f.function.functionArn)))
      .sort();
    // Act
    const statements = statementsOfRole(s, s.stack.keyRotation.stateMachine.role).filter((st) => st.Effect === 'Allow');
    const invoke = statements.filter((st) => asArray(st.Action).includes('lambda:InvokeFunction'));
    const others = statements.filter((st) => !asArray(st.Action).includes('lambda:InvokeFunction'));
    // Assess
    expect(invoke).toHaveLength(1);
    expect(asArray(invoke[0]!.Resource).map(render).sort()).toEqual(fnArns);
    // Everything else is what CDK adds for logging and tracing (acknowledged IAM5, see nag.test.ts).
    for (const st of others) {
      for (const action of asArray(st.Action)) expect(action).toMatch(/^(logs|xray):/);
    }
  });

  it('lets EventBridge Scheduler invoke only the scan function, from this account', () => {
    // Prepare
    const role = s.stack.dailyScan.schedulerRole;
    // Act
    const statements = statementsOfRole(s, role);
    const trust = (
      s.template.findResources('AWS::IAM::Role')[logicalId(s.stack, role)]!.Properties as {
        AssumeRolePolicyDocument: { Statement: Statement[] & { Principal?: unknown }[] };
      }
    ).AssumeRolePolicyDocument.Statement;
    // Assess
    expect(statements).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: s.stack.resolve(s.stack.dailyScan.function.function.functionArn),
      }),
    ]);
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({
      Principal: { Service: 'scheduler.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
  });

  it('denies IAM writes on users carrying the protected tag, in every role with IAM permissions', () => {
    for (const [name, fn] of Object.entries(functionsOf(s))) {
      // Act
      const statements = statementsOfRole(s, fn.role);
      const hasIam = statements.some((st) => st.Effect === 'Allow' && asArray(st.Action).some((a) => a.startsWith('iam:')));
      const deny = statements.find((st) => st.Sid === 'DenyWritesOnProtectedTag');
      // Assess
      if (!hasIam) {
        expect([name, deny]).toEqual([name, undefined]);
        continue;
      }
      expect(deny).toMatchObject({
        Effect: 'Deny',
        Resource: '*',
        Condition: { Null: { 'iam:ResourceTag/iam-lifecycle:protected': 'false' } },
      });
      for (const write of ['iam:CreateAccessKey', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey', 'iam:DeleteUser']) {
        expect(asArray(deny!.Action).some((pattern) => write.startsWith(pattern.replace(/\*$/, '')))).toBe(true);
      }
      // No protected names configured: no name Deny with an empty resource list.
      expect(statements.find((st) => st.Sid === 'DenyProtectedUserNames')).toBeUndefined();
    }
  });

  it('carries no tag condition on writes when no managed tag is configured', () => {
    // Act
    const writes = iamWriteAllows(allIdentityStatements(s.template));
    // Assess
    for (const st of writes) expect(st.Condition).toBeUndefined();
  });
});

describe('IAM permissions shaped by the config', () => {
  const config = {
    managedUsers: { pathPrefix: '/service-accounts/', tag: { key: 'lifecycle', value: 'managed' } },
    protectedUsers: { userNames: ['break-glass', 'ci.deployer@corp'], tagKey: 'security:protected' },
  };
  let s: Synthesized;
  beforeAll(() => {
    s = synth({ lifecycleConfig: config }, { bundle: false });
  });

  it('scopes every IAM user permission to the managed path', () => {
    // Act
    const userStatements = allIdentityStatements(s.template).filter(
      (st) => st.Effect === 'Allow' && asArray(st.Action).some((a) => a.startsWith('iam:') && !a.includes('CredentialReport')),
    );
    // Assess
    expect(userStatements.length).toBeGreaterThanOrEqual(7);
    for (const st of userStatements) expect(asArray(st.Resource).map(render)).toEqual([userArn('service-accounts/*')]);
  });

  it('requires the managed tag on every IAM write, and not on reads', () => {
    // Act
    const statements = allIdentityStatements(s.template).filter((st) => st.Effect === 'Allow');
    const writes = iamWriteAllows(statements);
    const reads = statements.filter((st) => st.Sid === 'ReadManagedUsers');
    // Assess
    expect(writes).toHaveLength(4);
    for (const st of writes) expect(st.Condition).toEqual({ StringEquals: { 'iam:ResourceTag/lifecycle': 'managed' } });
    expect(reads.length).toBe(6);
    for (const st of reads) expect(st.Condition).toBeUndefined();
  });

  it('denies everything but reading the user and its tags on protected names, at any path', () => {
    for (const fn of [
      s.stack.keyRotation.functions.prepare,
      s.stack.keyRotation.functions.finishRotation,
      s.stack.dailyScan.function,
    ]) {
      // Act
      const deny = statementsOfRole(s, fn.role).find((st) => st.Sid === 'DenyProtectedUserNames');
      // Assess
      expect(deny).toBeDefined();
      expect(deny!.Effect).toBe('Deny');
      expect(deny!.Action).toBeUndefined();
      expect(asArray(deny!.NotAction).sort()).toEqual([...PROTECTED_USER_READABLE_ACTIONS].sort());
      expect(asArray(deny!.Resource).map(render).sort()).toEqual(
        [userArn('break-glass'), userArn('*/break-glass'), userArn('ci.deployer@corp'), userArn('*/ci.deployer@corp')].sort(),
      );
    }
  });

  it('denies IAM writes on users carrying the configured protected tag', () => {
    // Act
    const deny = statementsOfRole(s, s.stack.keyRotation.functions.createAndStore.role).find(
      (st) => st.Sid === 'DenyWritesOnProtectedTag',
    );
    // Assess
    expect(deny?.Condition).toEqual({ Null: { 'iam:ResourceTag/security:protected': 'false' } });
  });

  it('adds no IAM statement, allow or deny, to a role that makes no IAM call', () => {
    // Act
    const statements = statementsOfRole(s, s.stack.keyRotation.functions.notify.role);
    // Assess
    const iamMentions = statements.filter((st) =>
      [...asArray(st.Action), ...asArray(st.NotAction)].some((a) => a.startsWith('iam:')),
    );
    expect(iamMentions).toEqual([]);
  });
});

describe('IAM permissions with a managed tag key and no value', () => {
  it('requires the tag to be present on every IAM write', () => {
    // Prepare + Act
    const s = synth({ lifecycleConfig: { managedUsers: { pathPrefix: '/', tag: { key: 'rotate-me' } } } }, { bundle: false });
    const writes = iamWriteAllows(allIdentityStatements(s.template));
    // Assess
    expect(writes).toHaveLength(4);
    for (const st of writes) expect(st.Condition).toEqual({ Null: { 'iam:ResourceTag/rotate-me': 'false' } });
  });
});
