/**
 * The strict command line (issue #7): per-verb help, --version, one user-name rule, one-line errors
 * (and JSON), exit codes, endpoint and credential errors, a workflow that ran and was blocked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFile, runCli } from '../support/cli';
import { freePort } from '../../functions/local/moto';
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import { SecretStore } from '../../functions/shared/secret-store';
import { IamUsers } from '../../functions/shared/iam/users';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';

const PATH = '/cli-strict-it/';
const CONFIG = { timeScale: 86400 * 7, managedUsers: { pathPrefix: PATH }, maxKeyAgeDays: 7 };
const VERSION = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

describe('iam-lifecycle command line', () => {
  const clients = testClients();
  const secrets = new SecretStore(clients.secrets);
  const iam = new IamUsers(clients.iam);
  const config = parseConfig(CONFIG);
  const seed = (keys = 1) =>
    seedUser({ iam: clients.iam, secrets, config }, { userName: uniqueName('strict'), path: PATH, keys });
  const local = () => ['--endpoint', motoEndpoint(), '--config', configFile(CONFIG)];

  it('prints each verb’s own help, the verb list with the exit codes, and the version; exit 0', async () => {
    // Act
    const [verbHelp, rootHelp, version] = await Promise.all([
      runCli(['offboard', '--help']),
      runCli(['--help']),
      runCli(['--version']),
    ]);
    // Assess
    expect([verbHelp.code, rootHelp.code, version.code]).toEqual([0, 0, 0]);
    expect(verbHelp.out).toMatch(/^Usage: iam-lifecycle offboard \[options\] <userName>/);
    expect(verbHelp.out).toContain('--reason <text>');
    expect(verbHelp.out).toContain('--dry-run');
    expect(verbHelp.out).not.toContain('--key');
    for (const verb of [
      'scan',
      'rotate',
      'rollback',
      'offboard',
      'cancel-offboarding',
      'approve-offboarding',
      'status',
      'demo',
    ]) {
      expect(rootHelp.out).toMatch(new RegExp(`^  ${verb} `, 'm'));
    }
    expect(rootHelp.out).toMatch(
      /Exit codes:\n {2}0 +done\n {2}1 +failed.*\n {2}2 +refused or bad input.*\n {2}3 +blocked.*\n {2}130 +interrupted/,
    );
    expect(version.out).toBe(VERSION);
  });

  it('refuses an invalid user name with the same one line for every verb, before anything runs', async () => {
    // Prepare
    const verbs = [
      ['rotate'],
      ['rollback'],
      ['offboard', '--reason', 'x'],
      ['cancel-offboarding'],
      ['approve-offboarding'],
      ['status'],
    ];
    // Act
    const results = await Promise.all(verbs.map(([verb, ...rest]) => runCli([verb!, 'bad user!', ...rest, ...local()])));
    // Assess
    const expected =
      'iam-lifecycle: invalid user name "bad user!": IAM user names are 1-64 letters, digits and + = , . @ _ -; nothing was done, check the name';
    expect(results.map((r) => [r.code, r.err, r.out])).toEqual(verbs.map(() => [2, expected, '']));
  });

  it('under --json an error is one JSON object on stderr with its exit code, wherever --json stands', async () => {
    // Act
    const results = await Promise.all([
      runCli(['--json', 'rotate', 'bad user!', ...local()]),
      runCli(['status', 'ok-name', '--no-such-flag', '--json']),
    ]);
    // Assess
    expect(results.map((r) => [r.code, r.out])).toEqual([
      [2, ''],
      [2, ''],
    ]);
    expect(JSON.parse(results[0]!.err)).toEqual({
      error: 'CliError',
      message: expect.stringMatching(/^invalid user name "bad user!"/),
      exitCode: 2,
    });
    expect(JSON.parse(results[1]!.err)).toEqual({
      error: 'UsageError',
      message: "unknown option '--no-such-flag'; nothing was done (see `iam-lifecycle status --help`)",
      exitCode: 2,
    });
  });

  it('--endpoint not-a-url is one line naming the fix, exit 2', async () => {
    // Act
    const result = await runCli(['scan', '--endpoint', 'not-a-url']);
    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      'iam-lifecycle: --endpoint "not-a-url" is not a URL; give the emulator\'s address, e.g. --endpoint http://127.0.0.1:5000',
    );
  });

  it('an unreachable endpoint fails within seconds with one line naming it and how to start one, before or after the verb', async () => {
    // Prepare: a port nothing listens on
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    // Act
    const results = await Promise.all([
      runCli(['scan', '--endpoint', endpoint]),
      runCli(['--endpoint', endpoint, 'status', 'someone']),
    ]);
    // Assess
    expect(Date.now() - started).toBeLessThan(5000);
    for (const result of results) {
      expect(result.code).toBe(1);
      expect(result.err).toBe(
        `iam-lifecycle: nothing answers at --endpoint ${endpoint} (ECONNREFUSED); start one with \`python3 -m moto.server -p 5000\` ` +
          '(pip install "moto[server]==5.2.1") and pass --endpoint http://127.0.0.1:5000, or run `npm start` for the self-contained demo',
      );
    }
  }, 20_000);

  it('deployed mode without AWS credentials says how to run locally (--endpoint URL) or configure credentials', async () => {
    // Prepare
    const saved = { ...process.env };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_PROFILE;
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    // Act
    const result = await runCli(['scan']).finally(() => {
      process.env = saved;
    });
    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      'iam-lifecycle: no AWS credentials found for the deployed stack; to run locally pass --endpoint URL (e.g. --endpoint http://127.0.0.1:5000 for moto), ' +
        'or configure credentials (`aws configure`, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
    );
  });

  it('rotate --key on a user whose rotation is blocked exits 3 with why, and changes nothing', async () => {
    // Prepare
    const user = await seed(2);
    // Act
    const result = await runCli(['rotate', user.userName, '--key', user.accessKeyIds[0]!, ...local()]);
    // Assess
    expect(result.code).toBe(3);
    expect(result.out).toContain('finished SUCCEEDED: {"status":"blocked"');
    expect(result.err).toBe(
      `iam-lifecycle: the rotation rotate-${user.userName}-${user.accessKeyIds[0]} ran and was blocked: ` +
        `the user has two active access keys (${user.accessKeyIds.join(', ')}); a person must decide which one to retire; nothing was changed`,
    );
    expect((await iam.listAccessKeys(user.userName)).map((k) => [k.accessKeyId, k.status])).toEqual(
      user.accessKeyIds.map((id) => [id, 'Active']),
    );
  });

  it('prints one line per state entered, with the time and, for waits, until when', async () => {
    // Prepare
    const user = await seed();
    const [oldKey] = user.accessKeyIds;
    const name = `rotate-${user.userName}-${oldKey}`;
    // Act
    const result = await runCli(['rotate', user.userName, ...local()]);
    // Assess
    expect(result.code).toBe(0);
    const time = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';
    expect(result.out).toMatch(new RegExp(`^  ${time} ${name}: Prepare$`, 'm'));
    expect(result.out).toMatch(new RegExp(`^  ${time} ${name}: CreateAndStoreKey$`, 'm'));
    expect(result.out).toMatch(
      new RegExp(
        `^  ${time} ${name}: ObserveGracePeriod \\(grace period: old key ${oldKey} is deleted at ${time} unless rolled back\\)$`,
        'm',
      ),
    );
    expect(result.out.indexOf(': Prepare')).toBeLessThan(result.out.indexOf(': FinishRotation'));
  });

  it('local mode without a timeScale runs a day per second and says so', async () => {
    // Prepare: no timeScale in the flags or the file; a one-day grace period
    const user = await seed();
    const file = configFile({ managedUsers: { pathPrefix: PATH }, maxKeyAgeDays: 7, deactivatedGracePeriodDays: 1 });
    // Act
    const result = await runCli(['rotate', user.userName, '--endpoint', motoEndpoint(), '--config', file]);
    // Assess
    expect(result.code).toBe(0);
    expect(result.out.split('\n')[0]).toBe(
      "note: local mode runs at --time-scale 86400 (a day lasts a second: a rotation's 7-day grace period takes 7 s); " +
        'pass --time-scale 1 (or timeScale in --config) for real time',
    );
    expect(result.out).toMatch(/finished SUCCEEDED: .*"status":"completed"/);
  }, 30_000);
});
