/**
 * Issue #6 section 4 against moto: a stored key is readable by its workload, not by everyone.
 * Every secret the stack writes carries a deny-only resource policy naming its readers, a secret the
 * stack did not create is refused and left untouched, and the workflows learn which key is stored
 * from metadata, never by decrypting it. Production handlers and the real ASL, endpoint changed only.
 */
import { TagUserCommand } from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { createLocalEnvironment, type LocalEnvironment } from '../../functions/local/environment';
import { seedUser } from '../../functions/local/seed';
import { parseConfig, secretNameFor } from '../../functions/shared/config';
import { ForeignSecretError, SafetyCheckError } from '../../functions/shared/errors';
import { SecretStore } from '../../functions/shared/secret-store';
import { startRotation } from '../../functions/rotation/start';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';
import { rotationHarness } from '../support/rotation-harness';

const PATH = '/secret-trust/';
const CI_ROLE = 'arn:aws:iam::123456789012:role/ci';
const TAGGED_ROLE = 'arn:aws:iam::123456789012:role/tagged-reader';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function configFor(userName: string) {
  return parseConfig({
    timeScale: 86400 * 7,
    managedUsers: { pathPrefix: PATH },
    secretReaders: { byUser: { [userName]: [CI_ROLE] } },
  });
}

/** Records the name of every Secrets Manager command the environment sends. */
function recordSecretsCommands(env: LocalEnvironment): string[] {
  const names: string[] = [];
  env.clients.secrets.middlewareStack.add(
    (next, context) => async (args) => {
      names.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordSecretsCommands' },
  );
  return names;
}

async function policyOf(env: LocalEnvironment, secretName: string) {
  const out = await env.clients.secrets.send(new GetResourcePolicyCommand({ SecretId: secretName }));
  return JSON.parse(out.ResourcePolicy ?? '{}') as {
    Statement: { Sid: string; Effect: string; Action: string | string[]; Condition?: Record<string, Record<string, string[]>> }[];
  };
}

async function valueOf(env: LocalEnvironment, secretName: string): Promise<string | undefined> {
  return (await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: secretName }))).SecretString;
}

describe('stored keys are readable by their workload only', () => {
  it('every stored secret carries a deny-only policy naming its readers, re-applied on each store, and no step decrypts', async () => {
    // Prepare: readers from the config (by name) and from the user's tag; one tag entry is not an ARN
    const userName = uniqueName('st-reader');
    const config = configFor(userName);
    const env = createLocalEnvironment({ endpoint: motoEndpoint(), config, logger: silent });
    const user = await seedUser(
      { iam: env.clients.iam, secrets: env.secrets, config },
      { userName, path: PATH, tags: { 'iam-lifecycle:secret-reader': `${TAGGED_ROLE}, not-an-arn` } },
    );
    const seededPolicy = await policyOf(env, user.secretName!);
    await env.clients.iam.send(
      new TagUserCommand({ UserName: userName, Tags: [{ Key: 'iam-lifecycle:secret-reader', Value: '' }] }),
    );
    await sleep(1100); // the key is older than the quiet period, so "never used" is trusted
    const commands = recordSecretsCommands(env);

    // Act: a full rotation
    const started = await startRotation(env.workflows, config, {
      userName,
      accessKeyId: user.accessKeyIds[0]!,
      requestedBy: 'test',
      trigger: 'on-demand',
    });
    const summary = await env.workflows.wait('rotation', started.executionName);

    // Assess: the seeded secret denied GetSecretValue to all but both readers
    expect(seededPolicy.Statement).toEqual([
      {
        Sid: 'IamLifecycleOnlyReadersGetValue',
        Effect: 'Deny',
        Principal: '*',
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalArn': [CI_ROLE, TAGGED_ROLE] } },
      },
    ]);
    // ... the rotation's store re-applied it: the reader removed from the tag is gone
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.output).toMatchObject({ status: 'completed' });
    const policy = await policyOf(env, user.secretName!);
    expect(policy.Statement.every((s) => s.Effect === 'Deny')).toBe(true);
    expect(policy.Statement[0]!.Condition).toEqual({ StringNotEquals: { 'aws:PrincipalArn': [CI_ROLE] } });
    // ... and no step decrypted the secret to learn which key it holds
    expect(commands).toContain('PutSecretValueCommand');
    expect(commands.indexOf('PutResourcePolicyCommand')).toBeLessThan(commands.indexOf('PutSecretValueCommand'));
    expect(commands).not.toContain('GetSecretValueCommand');
  });

  it.each([
    ['without the stack tag', undefined],
    ['with the stack tags but a policy that grants', 'allow'],
    ['with the stack tags but replicated to another region', 'replica'],
  ] as const)(
    'a secret created by someone else (%s) is refused before any key is created, and left unchanged',
    async (_label, variant) => {
      // Prepare: the user's secret name is taken by a secret this stack did not write
      const userName = uniqueName('st-foreign');
      const config = configFor(userName);
      const env = createLocalEnvironment({ endpoint: motoEndpoint(), config, logger: silent });
      const user = await seedUser(
        { iam: env.clients.iam, secrets: env.secrets, config },
        { userName, path: PATH, storeFirstKey: false },
      );
      const secretName = secretNameFor(config, userName);
      await env.clients.secrets.send(
        new CreateSecretCommand({
          Name: secretName,
          SecretString: 'planted by someone else',
          ...(variant === 'replica' ? { AddReplicaRegions: [{ Region: 'eu-west-1' }] } : {}),
          ...(variant !== undefined
            ? {
                Tags: [
                  { Key: 'iam-lifecycle:managed-by', Value: 'iam-user-lifecycle' },
                  { Key: 'iam-lifecycle:user', Value: userName },
                ],
              }
            : {}),
        }),
      );
      if (variant === 'allow') {
        await env.clients.secrets.send(
          new PutResourcePolicyCommand({
            SecretId: secretName,
            ResourcePolicy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: 'arn:aws:iam::999999999999:root' },
                  Action: 'secretsmanager:GetSecretValue',
                  Resource: '*',
                },
              ],
            }),
          }),
        );
      }

      // Act
      const started = await startRotation(env.workflows, config, {
        userName,
        accessKeyId: user.accessKeyIds[0]!,
        requestedBy: 'test',
        trigger: 'on-demand',
      });
      const summary = await env.workflows.wait('rotation', started.executionName);

      // Assess: blocked and notified, no key created, the secret as it was
      expect(summary.status).toBe('SUCCEEDED');
      expect(summary.output).toMatchObject({ status: 'blocked', code: 'foreign-secret' });
      expect(env.notifications.sent).toEqual([
        expect.objectContaining({ type: 'rotation.blocked', code: 'foreign-secret', userName }),
      ]);
      expect((await env.iam.listAccessKeys(userName)).map((k) => k.accessKeyId)).toEqual(user.accessKeyIds);
      expect(await valueOf(env, secretName)).toBe('planted by someone else');
    },
  );

  it('a secret that turns foreign after Prepare is refused by the store: the new key is deleted, the secret unchanged', async () => {
    // Prepare: the real workflow; the stack's tag is taken off the secret between Prepare and the store
    const userName = uniqueName('st-race');
    const config = configFor(userName);
    let before: string | undefined;
    let storeError: Error | undefined;
    const h = rotationHarness(config, {
      wrap: (real) => ({
        ...real,
        createAndStore: async (state) => {
          await h.clients.secrets.send(
            new UntagResourceCommand({ SecretId: state.secretName, TagKeys: ['iam-lifecycle:managed-by'] }),
          );
          before = (await h.clients.secrets.send(new GetSecretValueCommand({ SecretId: state.secretName }))).SecretString;
          return real.createAndStore(state).catch((error: Error) => {
            storeError = error;
            throw error;
          });
        },
      }),
      retryIntervalOverrides: { CreateAndStoreKey: 0 },
    });
    const user = await seedUser({ iam: h.clients.iam, secrets: h.secrets, config }, { userName, path: PATH });

    // Act
    const started = await startRotation(h.workflows, config, {
      userName,
      accessKeyId: user.accessKeyIds[0]!,
      requestedBy: 'test',
      trigger: 'on-demand',
    });
    const summary = await h.workflows.wait('rotation', started.executionName);

    // Assess
    expect(summary.status).toBe('FAILED');
    expect(storeError).toBeInstanceOf(ForeignSecretError);
    expect(storeError?.name).toBe('ForeignSecretError');
    expect((await h.iam.listAccessKeys(userName)).map((k) => k.accessKeyId)).toEqual(user.accessKeyIds);
    expect((await h.clients.secrets.send(new GetSecretValueCommand({ SecretId: user.secretName! }))).SecretString).toBe(before);
  });

  it('a new secret is created empty and gets its policy before it holds a key', async () => {
    // Prepare
    const userName = uniqueName('st-new');
    const config = configFor(userName);
    const env = createLocalEnvironment({ endpoint: motoEndpoint(), config, logger: silent });
    const sent: { name: string; input: Record<string, unknown> }[] = [];
    env.clients.secrets.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push({ name: String(context.commandName), input: args.input as Record<string, unknown> });
        return next(args);
      },
      { step: 'initialize', name: 'recordSecretsInputs' },
    );
    // Act
    await seedUser({ iam: env.clients.iam, secrets: env.secrets, config }, { userName, path: PATH });
    // Assess
    const writes = sent.filter((c) => c.name !== 'DescribeSecretCommand');
    expect(writes.map((c) => c.name)).toEqual([
      'CreateSecretCommand',
      'PutResourcePolicyCommand',
      'PutSecretValueCommand',
      'TagResourceCommand',
    ]);
    expect(writes[0]!.input).not.toHaveProperty('SecretString');
    expect(writes[1]!.input).toMatchObject({ BlockPublicPolicy: true });
  });

  it('a secret encrypted with another KMS key is refused by the store and left unchanged', async () => {
    // Prepare: the stack's key and another one (moto records the key id as given); the secret was created with the other
    const clients = testClients();
    const stackKey = 'arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111';
    const otherKey = 'arn:aws:kms:us-east-1:123456789012:key/22222222-2222-2222-2222-222222222222';
    const userName = uniqueName('st-kms');
    const secretName = `iam-user-lifecycle/${userName}`;
    await new SecretStore(clients.secrets, otherKey).storeKey(
      secretName,
      userName,
      { accessKeyId: 'AKIAOLDKEY0000000000', secretAccessKey: 'old', createdAt: new Date() },
      'seed-request-token-for-this-test-0000',
    );
    const store = new SecretStore(clients.secrets, stackKey);
    const before = (await clients.secrets.send(new DescribeSecretCommand({ SecretId: secretName }))).VersionIdsToStages;

    // Act
    const error = await store
      .storeKey(
        secretName,
        userName,
        { accessKeyId: 'AKIANEWKEY0000000000', secretAccessKey: 'new', createdAt: new Date() },
        'x'.repeat(40),
      )
      .catch((e: Error) => e);

    // Assess
    expect(error).toBeInstanceOf(ForeignSecretError);
    expect(String(error)).toContain("not encrypted with the stack's KMS key");
    expect((await clients.secrets.send(new DescribeSecretCommand({ SecretId: secretName }))).VersionIdsToStages).toEqual(before);
  });

  it('a secret stored before version ids named the key is read from its key-id tag (in-flight rotations survive an upgrade)', async () => {
    // Prepare: what the previous store wrote: version id = request token, key id only in the tag
    const clients = testClients();
    const userName = uniqueName('st-legacy');
    const secretName = `iam-user-lifecycle/${userName}`;
    const token = `rotate-${userName}-AKIAOLDKEY0000000000`.padEnd(40, '0');
    await clients.secrets.send(
      new CreateSecretCommand({
        Name: secretName,
        SecretString: JSON.stringify({ userName, accessKeyId: 'AKIANEWKEY0000000000', secretAccessKey: 'x' }),
        ClientRequestToken: token,
        Tags: [
          { Key: 'iam-lifecycle:managed-by', Value: 'iam-user-lifecycle' },
          { Key: 'iam-lifecycle:user', Value: userName },
          { Key: 'iam-lifecycle:access-key-id', Value: 'AKIANEWKEY0000000000' },
        ],
      }),
    );
    const store = new SecretStore(clients.secrets);
    // Act
    const current = await store.currentKey(secretName);
    const same = await store.whyNotCurrent(secretName, { accessKeyId: 'AKIANEWKEY0000000000', versionId: token });
    const other = await store.whyNotCurrent(secretName, { accessKeyId: 'AKIAOTHERKEY00000000', versionId: token });
    // Assess
    expect(current).toEqual({ accessKeyId: 'AKIANEWKEY0000000000', versionId: token });
    expect(same).toBeUndefined();
    expect(other).toContain('does not hold AKIAOTHERKEY00000000');
  });

  it('deactivateOldKey refuses when AWSCURRENT is not the version the store recorded, without decrypting', async () => {
    // Prepare: the real workflow; AWSCURRENT is moved back to the seeded version before deactivation
    const userName = uniqueName('st-stage');
    const config = configFor(userName);
    const commands: string[] = [];
    let deactivateError: Error | undefined;
    let seededVersion = '';
    const h = rotationHarness(config, {
      wrap: (real) => ({
        ...real,
        deactivateOldKey: async (state) => {
          await h.clients.secrets.send(
            new UpdateSecretVersionStageCommand({
              SecretId: state.secretName,
              VersionStage: 'AWSCURRENT',
              MoveToVersionId: seededVersion,
              RemoveFromVersionId: state.newKey!.secretVersionId,
            }),
          );
          h.clients.secrets.middlewareStack.add(
            (next, context) => async (args) => {
              commands.push(String(context.commandName));
              return next(args);
            },
            { step: 'initialize', name: 'recordSecretsCommands' },
          );
          return real.deactivateOldKey(state).catch((error: Error) => {
            deactivateError = error;
            throw error;
          });
        },
      }),
      retryIntervalOverrides: { DeactivateOldKey: 0 },
    });
    const user = await seedUser({ iam: h.clients.iam, secrets: h.secrets, config }, { userName, path: PATH });
    seededVersion = (await h.secrets.currentKey(user.secretName!))!.versionId;
    await sleep(1100); // the key is older than the quiet period, so "never used" is trusted

    // Act
    const started = await startRotation(h.workflows, config, {
      userName,
      accessKeyId: user.accessKeyIds[0]!,
      requestedBy: 'test',
      trigger: 'on-demand',
    });
    const summary = await h.workflows.wait('rotation', started.executionName);

    // Assess: refused, the old key still active, nothing decrypted
    expect(summary.status).toBe('FAILED');
    expect(deactivateError).toBeInstanceOf(SafetyCheckError);
    const keys = await h.iam.listAccessKeys(userName);
    expect(keys.find((k) => k.accessKeyId === user.accessKeyIds[0])?.status).toBe('Active');
    expect(commands.length).toBeGreaterThan(0);
    expect(new Set(commands)).toEqual(new Set(['DescribeSecretCommand']));
  });
});
