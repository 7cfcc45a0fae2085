/**
 * The reactions linked into local runs: a call through the local stack's event tap reaches the
 * real reactions handler (as EventBridge would deliver it when deployed), and `react --event FILE`
 * replays a CloudTrail event into the same handler.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { configFile, runCli } from '../support/cli';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';
import { waitFor } from '../support/iam-fixtures';
import { useInProcessStack } from '../support/local-stack';

const PATH = '/reactions-local/';
const CONFIG = { managedUsers: { pathPrefix: PATH }, reactions: { outOfBandKey: 'deactivate' } };
const { iam } = testClients();

async function keyStatus(userName: string, accessKeyId: string): Promise<string | undefined> {
  const keys = (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
  return keys.find((k) => k.AccessKeyId === accessKeyId)?.Status;
}

describe('reactions in the local stack', () => {
  const local = useInProcessStack('reactions-local', CONFIG);

  it('a key created by hand through the tap on a managed user is deactivated by the reactions', async () => {
    // Prepare
    const userName = uniqueName('oob');
    await iam.send(new CreateUserCommand({ UserName: userName, Path: PATH }));
    const viaTap = new IAMClient({
      region: 'us-east-1',
      endpoint: local.stack.state.tapUrl,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    // Act
    const key = (await viaTap.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
    // Assess
    const status = await waitFor(
      'the reactions to deactivate the key',
      async () => (await keyStatus(userName, key.AccessKeyId!)) === 'Inactive' && 'Inactive',
      10_000,
    );
    expect(status).toBe('Inactive');
  });
});

describe('iam-lifecycle react --event FILE (local)', () => {
  it('replays a CloudTrail event into the reactions: the out-of-band key is deactivated', async () => {
    // Prepare
    const userName = uniqueName('react-cli');
    await iam.send(new CreateUserCommand({ UserName: userName, Path: PATH }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
    const raw = JSON.parse(readFileSync(join(__dirname, '../fixtures/events/CreateAccessKey.json'), 'utf8'));
    raw.detail.requestParameters = { userName };
    raw.detail.responseElements = { accessKey: { userName, accessKeyId: key.AccessKeyId, status: 'Active' } };
    raw.detail.eventID = uniqueName('event');
    const file = join(mkdtempSync(join(tmpdir(), 'react-event-')), 'event.json');
    writeFileSync(file, JSON.stringify(raw));
    // Act
    const result = await runCli(['react', '--event', file, '--endpoint', motoEndpoint(), '--config', configFile(CONFIG)]);
    // Assess
    expect(result.err).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect(result.out).toContain('"result":"reacted"');
    expect(await keyStatus(userName, key.AccessKeyId!)).toBe('Inactive');
  });
});
