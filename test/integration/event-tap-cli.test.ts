/** The AWS CLI pointed at the event tap (`aws --endpoint-url`) acts like an account with CloudTrail on. */
import { execFile, execFileSync } from 'node:child_process';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { startEventTap, type EventTap } from '../../functions/local/event-tap';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';

function awsCliPresent(): boolean {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}
// Skipped, with this reason, where the AWS CLI is not installed (`which aws` finds nothing).
const withCli = awsCliPresent() ? it : it.skip;

let tap: EventTap;
beforeAll(async () => {
  tap = await startEventTap({ targetEndpoint: motoEndpoint() });
});
afterAll(() => tap.stop());

function aws(endpoint: string, key: { AccessKeyId?: string; SecretAccessKey?: string }, args: string[]) {
  return new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      'aws',
      ['--endpoint-url', endpoint, '--region', 'us-east-1', '--output', 'json', ...args],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_ACCESS_KEY_ID: key.AccessKeyId,
          AWS_SECRET_ACCESS_KEY: key.SecretAccessKey,
          AWS_MAX_ATTEMPTS: '1',
        },
        timeout: 30_000,
      },
      (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
    );
  });
}

withCli(
  'aws iam update-access-key through the tap re-activating a key yields the UpdateAccessKey event naming the CLI user',
  async () => {
    // Prepare
    const { iam } = testClients();
    const admin = uniqueName('cli-admin');
    const target = uniqueName('cli-target');
    await iam.send(new CreateUserCommand({ UserName: admin }));
    await iam.send(new CreateUserCommand({ UserName: target }));
    const adminKey = (await iam.send(new CreateAccessKeyCommand({ UserName: admin }))).AccessKey!;
    const targetKey = (await iam.send(new CreateAccessKeyCommand({ UserName: target }))).AccessKey!;
    // Act
    const out = await aws(tap.url, adminKey, [
      'iam',
      'update-access-key',
      '--user-name',
      target,
      '--access-key-id',
      targetKey.AccessKeyId!,
      '--status',
      'Active',
    ]);
    const failed = await aws(tap.url, adminKey, [
      'iam',
      'delete-access-key',
      '--user-name',
      target,
      '--access-key-id',
      'AKIANOTAKEYXXXXXXXXX',
    ]);
    // Assess
    expect(out.code).toBe(0);
    expect(failed.code).not.toBe(0);
    const events = tap.events().filter((e) => e.detail.userIdentity.accessKeyId === adminKey.AccessKeyId);
    expect(events.map((e) => e.detail)).toEqual([
      expect.objectContaining({
        eventName: 'UpdateAccessKey',
        eventSource: 'iam.amazonaws.com',
        userIdentity: expect.objectContaining({ type: 'IAMUser', userName: admin }),
        requestParameters: { userName: target, accessKeyId: targetKey.AccessKeyId, status: 'Active' },
        responseElements: null,
        userAgent: expect.stringMatching(/^aws-cli\//),
      }),
    ]);
  },
);

withCli(
  'aws iam create-access-key prints the same answer through the tap as from moto, and the event has no secret',
  async () => {
    // Prepare
    const { iam } = testClients();
    const admin = uniqueName('cli-admin');
    await iam.send(new CreateUserCommand({ UserName: admin }));
    const adminKey = (await iam.send(new CreateAccessKeyCommand({ UserName: admin }))).AccessKey!;
    // Act
    const direct = await aws(motoEndpoint(), adminKey, ['iam', 'get-user', '--user-name', admin]);
    const via = await aws(tap.url, adminKey, ['iam', 'get-user', '--user-name', admin]);
    const created = await aws(tap.url, adminKey, ['iam', 'create-access-key', '--user-name', admin]);
    // Assess
    expect(via).toEqual(direct);
    const secret = (JSON.parse(created.stdout) as { AccessKey: { SecretAccessKey: string } }).AccessKey.SecretAccessKey;
    expect(secret).toBeTruthy();
    expect(JSON.stringify(tap.events())).not.toContain(secret);
  },
);
