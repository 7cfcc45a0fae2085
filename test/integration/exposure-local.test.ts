/**
 * The exposure response in the local product: the tap's record of a key's calls as its CloudTrail
 * activity, POST /exposures and `expose` through the local stack, `expose` and `react --event` with
 * a Health event in-process (--endpoint).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startEventTap } from '../../functions/local/event-tap';
import { tapKeyActivity } from '../../functions/local/tap/activity';
import { configFile, runCli } from '../support/cli';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';
import { useInProcessStack } from '../support/local-stack';
import { waitFor } from '../support/iam-fixtures';

const PATH = '/exposure-local/';
// A day lasts 1/7 s: the 7-day grace period before the exposed key is deleted takes a second.
const CONFIG = { timeScale: 86400 * 7, managedUsers: { pathPrefix: PATH } };

async function managedUserWithKey(prefix: string) {
  const { iam } = testClients();
  const userName = uniqueName(prefix);
  await iam.send(new CreateUserCommand({ UserName: userName, Path: PATH }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  return {
    userName,
    accessKeyId: key.AccessKeyId!,
    credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! },
  };
}

async function keysOf(userName: string) {
  const out = await testClients().iam.send(new ListAccessKeysCommand({ UserName: userName }));
  return (out.AccessKeyMetadata ?? []).map((k) => ({ id: k.AccessKeyId!, status: k.Status! }));
}

function healthFile(accessKeyIds: string[]): string {
  const event = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'health', 'credentials-exposed.json'), 'utf8'));
  event.detail.affectedEntities = accessKeyIds.map((entityValue) => ({ entityValue }));
  const file = join(mkdtempSync(join(tmpdir(), 'exposure-local-')), 'health.json');
  writeFileSync(file, JSON.stringify(event));
  return file;
}

function cloudTrailFile(): string {
  const record = {
    eventVersion: '1.08',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLE',
      arn: 'arn:aws:iam::123456789012:user/ops',
      accountId: '123456789012',
      accessKeyId: 'AKIAOPS0000EXAMPLE',
    },
    eventTime: '2026-11-30T12:00:00Z',
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateAccessKey',
    eventID: 'e6d7c2a4-0000-0000-0000-EXAMPLE00001',
  };
  const file = join(mkdtempSync(join(tmpdir(), 'exposure-local-')), 'record.json');
  writeFileSync(file, JSON.stringify(record));
  return file;
}

describe('the event tap as the local CloudTrail of a key', () => {
  it('records every signed call (reads of any service, IAM writes) as that key’s activity, and only that key’s', async () => {
    // Prepare
    const tap = await startEventTap({ targetEndpoint: motoEndpoint() });
    const user = await managedUserWithKey('tap-act');
    const other = await managedUserWithKey('tap-other');
    const config = { region: 'eu-west-1', endpoint: tap.url, credentials: user.credentials };
    const sts = new STSClient(config);
    const secrets = new SecretsManagerClient(config);
    const iam = new IAMClient({ ...config, region: 'us-east-1' });
    try {
      // Act
      await sts.send(new GetCallerIdentityCommand({}));
      await sts.send(new GetCallerIdentityCommand({}));
      await secrets.send(new ListSecretsCommand({}));
      await iam.send(new UpdateAccessKeyCommand({ UserName: user.userName, AccessKeyId: user.accessKeyId, Status: 'Active' }));
      await new STSClient({ ...config, credentials: other.credentials }).send(new GetCallerIdentityCommand({}));
      const found = await tapKeyActivity(() => tap).lookupByAccessKey(user.accessKeyId, {
        startTime: new Date(Date.now() - 60_000),
        endTime: new Date(Date.now() + 1000),
        budgetMs: 1000,
      });
      // Assess
      expect(found.truncated).toBe(false);
      expect(found.events.map((e) => [e.eventName, e.eventSource, e.awsRegion, e.sourceIPAddress]).sort()).toEqual(
        [
          // The SDK calls STS's regional endpoint, which CloudTrail logs in that region; IAM is global (us-east-1).
          ['GetCallerIdentity', 'sts.amazonaws.com', 'eu-west-1', '127.0.0.1'],
          ['GetCallerIdentity', 'sts.amazonaws.com', 'eu-west-1', '127.0.0.1'],
          ['ListSecrets', 'secretsmanager.amazonaws.com', 'eu-west-1', '127.0.0.1'],
          ['UpdateAccessKey', 'iam.amazonaws.com', 'us-east-1', '127.0.0.1'],
        ].sort(),
      );
      expect(tap.events().map((e) => e.detail.eventName)).toEqual(['UpdateAccessKey']);
    } finally {
      sts.destroy();
      secrets.destroy();
      iam.destroy();
      await tap.stop();
    }
  });
});

describe('the exposure response through the local stack', () => {
  const local = useInProcessStack('exposure-stack', CONFIG);

  it('expose --wait: the key is replaced and deactivated, and key.exposed carries the calls made through the tap', async () => {
    // Prepare: the key is used through the stack's tap before it is reported
    const user = await managedUserWithKey('stack-exp');
    const sts = new STSClient({ region: 'us-east-1', endpoint: local.stack.state.tapUrl, credentials: user.credentials });
    for (let i = 0; i < 3; i++) await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    // Act
    const run = await runCli(['expose', user.accessKeyId, '--reason', 'pasted in a public repo', '--wait']);
    // Assess
    expect(run.err).toContain('via the local stack');
    expect(run.code).toBe(0);
    expect(run.out).toContain(`exposure response for ${user.accessKeyId} (user ${user.userName}): started`);
    expect(run.out).toContain('finished SUCCEEDED');
    const keys = await keysOf(user.userName);
    expect(keys.find((k) => k.id === user.accessKeyId)?.status ?? 'deleted').not.toBe('Active');
    expect(keys.filter((k) => k.id !== user.accessKeyId && k.status === 'Active')).toHaveLength(1);
    const line = local.log.find((l) => l.includes('key.exposed') || l.includes(`exposed key ${user.accessKeyId}`));
    expect(line).toContain('GetCallerIdentity x3');
    expect(line).toContain('from 127.0.0.1 in us-east-1');
  });

  it('POST /exposures answers 404 for a key of no user and 400 for bad input, and starts nothing', async () => {
    // Prepare
    const url = new URL('/exposures', local.stack.state.apiUrl);
    const post = (body: unknown) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // Act
    const unknown = await post({ accessKeyId: 'AKIAUNKNOWNKEY000009', reason: 'x' });
    const noReason = await post({ accessKeyId: 'AKIAUNKNOWNKEY000009' });
    const extra = await post({ accessKeyId: 'AKIAUNKNOWNKEY000009', reason: 'x', userName: 'someone' });
    const cli = await runCli(['expose', 'AKIAUNKNOWNKEY000009', '--reason', 'x']);
    // Assess
    expect([unknown.status, noReason.status, extra.status]).toEqual([404, 400, 400]);
    expect(cli.code).toBe(2);
    expect(cli.err).toMatch(/AKIAUNKNOWNKEY000009 is not a key of this account/);
  });

  it('react --event with a Health event posts /exposures per affected key; a CloudTrail event is refused with the tap URL', async () => {
    // Prepare
    const a = await managedUserWithKey('stack-h1');
    const b = await managedUserWithKey('stack-h2');
    // Act
    const run = await runCli(['react', '--event', healthFile([a.accessKeyId, b.accessKeyId])]);
    // Assess
    expect(run.code).toBe(0);
    expect(run.out.split('\n').filter((l) => l.startsWith('exposure of '))).toHaveLength(2);
    for (const u of [a, b]) {
      await waitFor(`${u.accessKeyId} deactivated`, async () =>
        (await keysOf(u.userName)).every((k) => k.id !== u.accessKeyId || k.status !== 'Active'),
      );
    }
    const refused = await runCli(['react', '--event', cloudTrailFile()]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`the local stack reacts to the calls through its event tap (${local.stack.state.tapUrl})`);
  });
});

describe('expose and react in-process (--endpoint)', () => {
  const target = () => ['--endpoint', motoEndpoint(), '--config', configFile(CONFIG)];

  it('expose waits for the response and leaves the key deactivated and a replacement active', async () => {
    // Prepare
    const user = await managedUserWithKey('inproc-exp');
    // Act
    const run = await runCli(['expose', user.accessKeyId, '--reason', 'found in a log', ...target()]);
    // Assess
    expect(run.code).toBe(0);
    expect(run.out).toContain('finished SUCCEEDED');
    expect(run.out).toContain(`exposed key ${user.accessKeyId} contained`);
    const keys = await keysOf(user.userName);
    expect(keys.some((k) => k.id === user.accessKeyId && k.status === 'Active')).toBe(false);
    expect(keys.filter((k) => k.status === 'Active')).toHaveLength(1);
  });

  it('react --event responds to every key a Health event names, waits for each, and exits 0', async () => {
    // Prepare
    const a = await managedUserWithKey('inproc-h1');
    const b = await managedUserWithKey('inproc-h2');
    // Act
    const run = await runCli(['react', '--event', healthFile([a.accessKeyId, b.accessKeyId]), ...target()]);
    // Assess
    expect(run.code).toBe(0);
    expect(run.out.match(/exposure of AKIA\w+: finished SUCCEEDED/g)).toHaveLength(2);
    for (const u of [a, b]) {
      expect((await keysOf(u.userName)).some((k) => k.id === u.accessKeyId && k.status === 'Active')).toBe(false);
    }
  });

  it('refuses bad input before anything is opened: no --reason, a temporary key, --wait deployed', async () => {
    // Act
    const noReason = await runCli(['expose', 'AKIAIOSFODNN7EXAMPLE', ...target()]);
    const temporary = await runCli(['expose', 'ASIAIOSFODNN7EXAMPLE', '--reason', 'x', ...target()]);
    const deployedWait = await runCli(['expose', 'AKIAIOSFODNN7EXAMPLE', '--reason', 'x', '--wait', '--stack', 'Nope']);
    // Assess
    expect([noReason.code, temporary.code, deployedWait.code]).toEqual([2, 2, 2]);
    expect(noReason.err).toMatch(/needs --reason/);
    expect(temporary.err).toMatch(/temporary \(ASIA\) key/);
    expect(deployedWait.err).toMatch(/--wait is for local mode/);
  });
});
