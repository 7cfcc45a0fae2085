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
import { parseConfig, rotationTiming, secretNameFor } from '../../functions/shared/config';
import { ForeignSecretError, SafetyCheckError } from '../../functions/shared/errors';
import { SecretStore } from '../../functions/shared/secret-store';
import { startRotation } from '../../functions/rotation/start';
import type { RotationState } from '../../functions/rotation/handlers';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';

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

function rotationRequest(userName: string, accessKeyId: string, config: ReturnType<typeof configFor>) {
  return {
    userName,
    accessKeyId,
    timing: rotationTiming(config),
    executionName: `rotate-${userName}-${accessKeyId}`,
    startedAt: new Date(Date.now() - 2000).toISOString(),
  };
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
    // Prepare: prepared against the stack's own secret, which then loses the stack's tag
    const userName = uniqueName('st-race');
    const config = configFor(userName);
    const env = createLocalEnvironment({ endpoint: motoEndpoint(), config, logger: silent });
    const user = await seedUser({ iam: env.clients.iam, secrets: env.secrets, config }, { userName, path: PATH });
    const prepared = await env.rotation.prepare(rotationRequest(userName, user.accessKeyIds[0]!, config));
    expect(prepared.status).toBe('ready');
    await env.clients.secrets.send(
      new UntagResourceCommand({ SecretId: user.secretName!, TagKeys: ['iam-lifecycle:managed-by'] }),
    );
    const before = await valueOf(env, user.secretName!);

    // Act
    const error = await env.rotation.createAndStore(prepared as RotationState).catch((e: Error) => e);

    // Assess
    expect(error).toBeInstanceOf(ForeignSecretError);
    expect((error as Error).name).toBe('ForeignSecretError');
    expect((await env.iam.listAccessKeys(userName)).map((k) => k.accessKeyId)).toEqual(user.accessKeyIds);
    expect(await valueOf(env, user.secretName!)).toBe(before);
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
    // Prepare: a stored new key, then AWSCURRENT moved back to the seeded version
    const userName = uniqueName('st-stage');
    const config = configFor(userName);
    const env = createLocalEnvironment({ endpoint: motoEndpoint(), config, logger: silent });
    const user = await seedUser({ iam: env.clients.iam, secrets: env.secrets, config }, { userName, path: PATH });
    const seededVersion = (await env.secrets.currentKey(user.secretName!))!.versionId;
    const prepared = (await env.rotation.prepare(rotationRequest(userName, user.accessKeyIds[0]!, config))) as RotationState;
    const newKey = await env.rotation.createAndStore(prepared);
    await env.clients.secrets.send(
      new UpdateSecretVersionStageCommand({
        SecretId: user.secretName!,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: seededVersion,
        RemoveFromVersionId: newKey.secretVersionId,
      }),
    );
    const commands = recordSecretsCommands(env);

    // Act
    const error = await env.rotation.deactivateOldKey({ ...prepared, newKey }).catch((e: Error) => e);

    // Assess: refused, the old key still active, nothing decrypted
    expect(error).toBeInstanceOf(SafetyCheckError);
    const keys = await env.iam.listAccessKeys(userName);
    expect(keys.find((k) => k.accessKeyId === user.accessKeyIds[0])?.status).toBe('Active');
    expect(commands).toEqual(['DescribeSecretCommand']);
  });
});
