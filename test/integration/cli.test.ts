/** The iam-lifecycle CLI in local mode (`--endpoint`), as an operator would call it. */
import { configFile, runCli } from '../support/cli';
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import { SecretStore } from '../../functions/shared/secret-store';
import { IamUsers } from '../../functions/shared/iam/users';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';

const PATH = '/cli-it/';
const CONFIG = { timeScale: 86400 * 7, managedUsers: { pathPrefix: PATH }, maxKeyAgeDays: 7 };

describe('iam-lifecycle (local mode)', () => {
  const clients = testClients();
  const secrets = new SecretStore(clients.secrets);
  const iam = new IamUsers(clients.iam);
  const config = parseConfig(CONFIG);
  const seed = (keys = 1) => seedUser({ iam: clients.iam, secrets, config }, { userName: uniqueName('cli'), path: PATH, keys });

  it('rotate <user> runs the rotation to the end and leaves the stored key', async () => {
    // Prepare
    const user = await seed();
    // Act
    const result = await runCli(['rotate', user.userName, '--endpoint', motoEndpoint(), '--config', configFile(CONFIG)]);
    // Assess
    expect(result.code).toBe(0);
    expect(result.out).toContain(`started: rotate-${user.userName}-${user.accessKeyIds[0]}`);
    expect(result.out).toMatch(/finished SUCCEEDED: .*"status":"completed"/);
    const keys = await iam.listAccessKeys(user.userName);
    expect(keys.map((k) => k.accessKeyId)).toEqual([(await secrets.currentKey(user.secretName!))!.accessKeyId]);
  });

  it('refuses bad input with a clear message and exit code 2, changing nothing', async () => {
    // Prepare
    const twoKeys = await seed(2);
    const endpoint = ['--endpoint', motoEndpoint(), '--config', configFile(CONFIG)];
    // Act
    const results = await Promise.all([
      runCli(['rotate', twoKeys.userName, ...endpoint]),
      runCli(['rotate', uniqueName('ghost'), ...endpoint]),
      runCli(['rotate', ...endpoint]),
      runCli(['offboard', twoKeys.userName, ...endpoint]),
      runCli(['frobnicate']),
      runCli(['scan', '--time-scale', '0.5', ...endpoint]),
      runCli(['scan', '--no-such-flag']),
      runCli(['rotate', twoKeys.userName, '--reason', 'x', ...endpoint]),
      runCli(['rotate', twoKeys.userName, uniqueName('second'), ...endpoint]),
      runCli(['status', twoKeys.userName, '--cancel', ...endpoint]),
    ]);
    // Assess
    expect(results.map((r) => [r.code, r.err])).toEqual(results.map((r) => [2, r.err]));
    expect(results.map((r) => r.err.split('\n').length)).toEqual(results.map(() => 1));
    expect(results[7]!.err).toMatch(/unknown option '--reason'.*; nothing was done \(see `iam-lifecycle rotate --help`\)/);
    expect(results[8]!.err).toMatch(/too many arguments for 'rotate'. Expected 1 argument but got 2; nothing was done/);
    expect(results[9]!.err).toMatch(/unknown option '--cancel'; nothing was done \(see `iam-lifecycle status --help`\)/);
    expect(results[0]!.err).toMatch(/two active access keys .*deactivate the one no longer used first/);
    expect(results[1]!.err).toMatch(/UserNotFoundError: user .* does not exist; check the spelling/);
    expect(results[2]!.err).toMatch(/missing required argument 'userName'; nothing was done/);
    expect(results[3]!.err).toMatch(/offboard needs --reason/);
    expect(results[4]!.err).toMatch(/unknown command 'frobnicate'/);
    expect(results[5]!.err).toMatch(/--time-scale must be a number >= 1/);
    expect((await iam.listAccessKeys(twoKeys.userName)).map((k) => k.status)).toEqual(['Active', 'Active']);
  });

  it('rotate records the caller’s STS identity as requestedBy, never $USER, and sends no timing', async () => {
    // Prepare
    const user = await seed();
    const previousUser = process.env.USER;
    process.env.USER = 'mallory';
    // Act
    const result = await runCli([
      'rotate',
      user.userName,
      '--json',
      '--endpoint',
      motoEndpoint(),
      '--config',
      configFile(CONFIG),
    ]);
    process.env.USER = previousUser;
    // Assess
    expect(result.code).toBe(0);
    const outcome = JSON.parse(result.out) as { final: { input: Record<string, unknown> } };
    expect(outcome.final.input).toEqual({
      userName: user.userName,
      accessKeyId: user.accessKeyIds[0],
      requestedBy: expect.stringMatching(/^cli:arn:aws:(sts|iam)::\d{12}:/),
      trigger: 'on-demand',
    });
    expect(result.out).not.toContain('mallory');
  });

  it('a bad --config file is refused with every problem listed', async () => {
    // Prepare
    const file = configFile({ maxKeyAgeDays: -1, cutoverDeadlineAction: 'panic' }, 'bad.json');
    // Act
    const result = await runCli(['scan', '--dry-run', '--endpoint', motoEndpoint(), '--config', file]);
    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/maxKeyAgeDays must be a positive number.*cutoverDeadlineAction must be "notify" or "deactivate"/);
  });

  it('status <user> --json shows keys and the secret’s key id, never the secret', async () => {
    // Prepare
    const user = await seed();
    const secret = (await secrets.readCredentials(user.secretName!))!.credentials.secretAccessKey;
    // Act
    const result = await runCli([
      'status',
      user.userName,
      '--json',
      '--endpoint',
      motoEndpoint(),
      '--config',
      configFile(CONFIG),
    ]);
    // Assess
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.out) as { user: { accessKeys: unknown[] }; offboarding: { phase: string } };
    expect(parsed.user.accessKeys).toEqual([
      expect.objectContaining({ accessKeyId: user.accessKeyIds[0], isSecretCurrent: true }),
    ]);
    expect(parsed.offboarding.phase).toBe('not-offboarded');
    expect(result.out).not.toContain(secret);
  });
});
