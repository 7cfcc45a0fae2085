/** The pure rules of who may read and write a managed secret (functions/shared/secret-access.ts). */
import { parseConfig } from '../../functions/shared/config';
import { ConfigError } from '../../functions/shared/errors';
import {
  accessKeyIdOfVersion,
  foreignSecretReason,
  readersOf,
  secretResourcePolicy,
  versionIdFor,
} from '../../functions/shared/secret-access';
import { simulate, type PolicyDocument } from '../support/policy-simulator';

const ACCOUNT = '123456789012';
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:iam-user-lifecycle/ci-deployer-AbCdEf`;
const CI = `arn:aws:iam::${ACCOUNT}:role/ci`;
const WRITER = `arn:aws:iam::${ACCOUNT}:role/stack-CreateAndStoreKeyRole-1`;
const POWER_USER = `arn:aws:iam::${ACCOUNT}:role/PowerUser`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;

describe('secretReaders config', () => {
  it('defaults to no readers and the iam-lifecycle:secret-reader tag', () => {
    // Act
    const config = parseConfig({});
    // Assess
    expect(config.secretReaders).toEqual({ byUser: {}, tagKey: 'iam-lifecycle:secret-reader' });
  });

  it('accepts role ARNs by user name and a tag key', () => {
    // Act
    const config = parseConfig({ secretReaders: { byUser: { 'ci-deployer': [CI] }, tagKey: 'readers' } });
    // Assess
    expect(config.secretReaders).toEqual({ byUser: { 'ci-deployer': [CI] }, tagKey: 'readers' });
  });

  it.each([
    [{ byUser: { bot: ['not-an-arn'] } }, 'secretReaders.byUser.bot must be a list of IAM role or user ARNs'],
    [{ byUser: { bot: [`arn:aws:sts::${ACCOUNT}:assumed-role/ci/session`] } }, 'secretReaders.byUser.bot must be a list'],
    [{ byUser: { Bot: [CI], bot: [CI] } }, 'secretReaders.byUser names one user twice'],
    [{ byUser: [] }, 'secretReaders.byUser must be an object'],
    [{ tagKey: '' }, 'secretReaders.tagKey must be a non-empty string'],
    [{ readers: [] }, 'unknown field secretReaders.readers'],
    ['all', 'secretReaders must be an object'],
  ])('rejects %j', (secretReaders, problem) => {
    // Act
    const act = () => parseConfig({ secretReaders });
    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(problem);
  });
});

describe('readersOf', () => {
  it('joins the configured readers (name matched case-insensitively) and the ARNs of the user tag', () => {
    // Prepare
    const readers = parseConfig({ secretReaders: { byUser: { 'CI-Deployer': [CI] } } }).secretReaders;
    const tagged = `arn:aws:iam::${ACCOUNT}:role/app`;
    // Act
    const result = readersOf(readers, 'ci-deployer', { 'iam-lifecycle:secret-reader': `${tagged}, ${CI}  bogus` });
    // Assess
    expect(result).toEqual({ arns: [tagged, CI].sort(), ignored: ['bogus'] });
  });
});

describe('the secret resource policy, evaluated', () => {
  const policyOf = (readers: string[]) =>
    JSON.parse(secretResourcePolicy({ secretArn: SECRET_ARN, readers, writers: [WRITER] })) as PolicyDocument;
  const policy = policyOf([CI]);
  const statements = [policy.Statement].flat();
  // No identity policy: the decision is the resource policy's alone (ImplicitlyDenied = left to identity policies).
  const decide = (principalArn: string, action: string, resourcePolicy = policy) =>
    simulate({ identityPolicies: [], resourcePolicy }, { principal: { arn: principalArn }, action, resource: SECRET_ARN })
      .decision;

  it('only denies: it can never grant', () => {
    // Assess
    expect(statements.every((s) => s.Effect === 'Deny')).toBe(true);
  });

  it.each([
    [POWER_USER, 'secretsmanager:GetSecretValue', 'ExplicitlyDenied'],
    [WRITER, 'secretsmanager:GetSecretValue', 'ExplicitlyDenied'],
    [ROOT, 'secretsmanager:GetSecretValue', 'ExplicitlyDenied'],
    [CI, 'secretsmanager:GetSecretValue', 'ImplicitlyDenied'],
    [POWER_USER, 'secretsmanager:PutSecretValue', 'ExplicitlyDenied'],
    [POWER_USER, 'secretsmanager:UpdateSecret', 'ExplicitlyDenied'],
    [POWER_USER, 'secretsmanager:UpdateSecretVersionStage', 'ExplicitlyDenied'],
    [POWER_USER, 'secretsmanager:TagResource', 'ExplicitlyDenied'],
    [CI, 'secretsmanager:PutSecretValue', 'ExplicitlyDenied'],
    [WRITER, 'secretsmanager:PutSecretValue', 'ImplicitlyDenied'],
    [POWER_USER, 'secretsmanager:PutResourcePolicy', 'ExplicitlyDenied'],
    [POWER_USER, 'secretsmanager:DeleteResourcePolicy', 'ExplicitlyDenied'],
    [WRITER, 'secretsmanager:PutResourcePolicy', 'ImplicitlyDenied'],
    [ROOT, 'secretsmanager:DeleteResourcePolicy', 'ImplicitlyDenied'],
  ])('%s calling %s: %s (ImplicitlyDenied = left to identity policies)', (principal, action, decision) => {
    // Act / Assess
    expect(decide(principal, action)).toBe(decision);
  });

  it('denies GetSecretValue to everyone when a user has no reader', () => {
    // Act
    const none = policyOf([]);
    // Assess
    expect(decide(CI, 'secretsmanager:GetSecretValue', none)).toBe('ExplicitlyDenied');
  });
});

describe('version ids that name the stored key', () => {
  it('names the key, is 64 characters, stable per key and token, different per key', () => {
    // Act
    const a = versionIdFor('AKIAIOSFODNN7EXAMPLE', 'rotate-bot-AKIAOLD');
    const again = versionIdFor('AKIAIOSFODNN7EXAMPLE', 'rotate-bot-AKIAOLD');
    const other = versionIdFor('AKIAI44QH8DHBEXAMPLE', 'rotate-bot-AKIAOLD');
    // Assess
    expect(a).toHaveLength(64);
    expect(again).toBe(a);
    expect(other).not.toBe(a);
    expect(accessKeyIdOfVersion(a)).toBe('AKIAIOSFODNN7EXAMPLE');
    expect(accessKeyIdOfVersion('rotate-bot-AKIAOLD-0000000000000000000')).toBeUndefined();
    expect(accessKeyIdOfVersion(undefined)).toBeUndefined();
  });
});

describe('foreignSecretReason', () => {
  const expected = {
    userName: 'bot',
    kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1111`,
    managedBy: 'iam-user-lifecycle',
    tagKeys: { managedBy: 'iam-lifecycle:managed-by', user: 'iam-lifecycle:user' },
  };
  const ours = { 'iam-lifecycle:managed-by': 'iam-user-lifecycle', 'iam-lifecycle:user': 'bot' };
  const policy = secretResourcePolicy({ secretArn: SECRET_ARN, readers: [CI], writers: [WRITER] });

  it("accepts the stack's own secret (its key by ARN or id, its deny-only policy)", () => {
    // Act / Assess
    expect(foreignSecretReason({ tags: ours, kmsKeyId: expected.kmsKeyId, policy }, expected)).toBeUndefined();
    expect(foreignSecretReason({ tags: ours, kmsKeyId: '1111' }, expected)).toBeUndefined();
  });

  it.each([
    ['no stack tag', { tags: { 'iam-lifecycle:user': 'bot' }, kmsKeyId: '1111' }, 'does not carry the tag'],
    ['another user', { tags: { ...ours, 'iam-lifecycle:user': 'eve' }, kmsKeyId: '1111' }, 'does not name bot'],
    ['the AWS managed key', { tags: ours }, "not encrypted with the stack's KMS key"],
    ['another key', { tags: ours, kmsKeyId: '2222' }, "not encrypted with the stack's KMS key"],
    [
      'a policy that grants',
      {
        tags: ours,
        kmsKeyId: '1111',
        policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }),
      },
      'resource policy grants access',
    ],
    ['an unreadable policy', { tags: ours, kmsKeyId: '1111', policy: '{' }, 'cannot be read'],
    ['a replica in another region', { tags: ours, kmsKeyId: '1111', replicaRegions: ['eu-west-1'] }, 'replicated to eu-west-1'],
    ['a managing service', { tags: ours, kmsKeyId: '1111', owningService: 'rds' }, 'managed by rds'],
  ])('refuses a secret with %s', (_label, facts, reason) => {
    // Act / Assess
    expect(foreignSecretReason(facts, expected)).toContain(reason);
  });
});
