/**
 * `iam-lifecycle report` against moto through the CLI: real credential report, real IAM reads, the
 * real scan handler's dry run. Assertions concern this file's own users (a unique path prefix),
 * because all test files share one moto server.
 */
import { CreateAccessKeyCommand, CreateLoginProfileCommand, CreateUserCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { localContext, type CliContext } from '../../functions/cli/context';
import { collectFleetReport } from '../../functions/cli/report';
import type { FleetReport, UserRow } from '../../functions/report/domain';
import { startOnDemandRotation } from '../../functions/rotation/on-demand';
import { countApiCalls } from '../../functions/scan/api-calls';
import { parseCsv } from '../../functions/scan/csv';
import { IamUsers } from '../../functions/shared/iam/users';
import { configFile, runCli } from '../support/cli';
import { motoEndpoint, testClients, uniqueName, useKey } from '../support/aws';

const { iam } = testClients();
const run = uniqueName('report');
const prefix = `/${run}/`;
const name = (role: string) => `${run}-${role}`;
const users = {
  oldestA: name('oldest-a'), // stale key: rotated by the next scan
  oldestB: name('oldest-b'), // stale key: rotated by the next scan
  deferred: name('deferred'), // stale key, younger: beyond maxRotationsPerScan (2)
  console: name('console'), // console password, no MFA, no keys
  guarded: name('guarded'), // protected by tag, stale key
  twoActive: name('two-active'), // two stale active keys: blocked
  rotating: name('rotating'), // a rotation runs (second test)
  elsewhere: name('elsewhere'), // outside the managed path
};
const secrets: string[] = [];
const secretOf = new Map<string, string>();
const keys: Record<string, string> = {};

// timeScale 7 days per second: maxKeyAgeDays and reportUnusedCredentialDays (7) last one second.
const TIME_SCALE = String(86400 * 7);
const settings = {
  maxKeyAgeDays: 7,
  reportUnusedCredentialDays: 7,
  maxRotationsPerScan: 2,
  managedUsers: { pathPrefix: prefix },
};

async function createUser(userName: string, tags: Record<string, string> = {}): Promise<void> {
  await iam.send(
    new CreateUserCommand({
      UserName: userName,
      Path: prefix,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
}

async function createKey(userName: string): Promise<string> {
  const out = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  secrets.push(out.AccessKey!.SecretAccessKey!);
  secretOf.set(out.AccessKey!.AccessKeyId!, out.AccessKey!.SecretAccessKey!);
  return out.AccessKey!.AccessKeyId!;
}

const keyIdsOf = async (userName: string) =>
  ((await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? []).map((k) => k.AccessKeyId);

describe('iam-lifecycle report against moto', () => {
  let config: string;
  const args = () => ['report', '--endpoint', motoEndpoint(), '--config', config, '--time-scale', TIME_SCALE];

  beforeAll(async () => {
    config = configFile(settings);
    await createUser(users.oldestA);
    keys.oldestA = await createKey(users.oldestA);
    await createUser(users.oldestB);
    keys.oldestB = await createKey(users.oldestB);
    // The credential report dates keys to the second: the deferred key must be younger than the rest.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await createUser(users.deferred);
    keys.deferred = await createKey(users.deferred);
    await createUser(users.console);
    await iam.send(new CreateLoginProfileCommand({ UserName: users.console, Password: 'Initial-Passw0rd!' }));
    await createUser(users.guarded, { 'iam-lifecycle:protected': 'break-glass' });
    keys.guarded = await createKey(users.guarded);
    await createUser(users.twoActive);
    keys.twoActiveFirst = await createKey(users.twoActive);
    keys.twoActiveSecond = await createKey(users.twoActive);
    await iam.send(new CreateUserCommand({ UserName: users.elsewhere, Path: `/${run}-other/` }));
    await createUser(users.rotating);
    keys.rotating = await createKey(users.rotating);
    // Let every key grow older than the (scaled) maximum age of one second.
    await new Promise((resolve) => setTimeout(resolve, 1300));
  });

  const row = (report: FleetReport, userName: string): UserRow => {
    const found = report.users.find((u) => u.userName === userName);
    if (!found) throw new Error(`${userName} is not in the report`);
    return found;
  };

  it('--json: every user with key ids, scope, findings and what the next scan does, deferred ones included', async () => {
    // Prepare
    const before = await keyIdsOf(users.oldestA);

    // Act
    const { code, out, err } = await runCli([...args(), '--json']);

    // Assess
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const report = JSON.parse(out) as FleetReport;
    const a = row(report, users.oldestA);
    expect(a).toMatchObject({ scope: 'managed', nextScan: { action: 'rotate', accessKeyId: keys.oldestA } });
    expect(a.keys).toEqual([expect.objectContaining({ slot: 1, accessKeyId: keys.oldestA, status: 'Active' })]);
    expect(a.keys[0]!.lastUsedAt).toBeUndefined();
    expect(a.findings.map((f) => f.code)).toEqual(['key-older-than-max-age', 'unused-access-key']);
    expect(row(report, users.oldestB).nextScan).toMatchObject({ action: 'rotate', accessKeyId: keys.oldestB });
    expect(row(report, users.deferred).nextScan).toEqual({
      action: 'deferred',
      accessKeyId: keys.deferred,
      reason: 'maxRotationsPerScan (2) reached; the next scan takes it',
    });
    expect(row(report, users.console)).toMatchObject({
      console: { passwordEnabled: true, mfaActive: false },
      keys: [],
      nextScan: { action: 'nothing' },
    });
    expect(row(report, users.console).findings.map((f) => f.code)).toEqual(['unused-password', 'console-without-mfa']);
    expect(row(report, users.guarded)).toMatchObject({
      scope: 'protected',
      scopeReason: 'tagged iam-lifecycle:protected',
      nextScan: { action: 'skip', code: 'protected' },
    });
    expect(row(report, users.guarded).findings.map((f) => f.code)).toContain('key-older-than-max-age');
    expect(row(report, users.twoActive)).toMatchObject({ nextScan: { action: 'blocked', accessKeyId: keys.twoActiveFirst } });
    expect(row(report, users.twoActive).findings.map((f) => f.code)).toContain('two-active-keys');
    // Every user is listed, those the automation does not manage with the reason.
    expect(row(report, users.elsewhere)).toMatchObject({
      scope: 'out-of-scope',
      scopeReason: `path /${run}-other/ is outside ${prefix}`,
      nextScan: { action: 'nothing' },
    });
    expect(report.summary.users).toBe(report.users.length);
    // Read only, and never a secret.
    expect(await keyIdsOf(users.oldestA)).toEqual(before);
    for (const secret of secrets) expect(out).not.toContain(secret);
  });

  it('prints a table by default, with the findings and the next scan per user', async () => {
    // Act
    const { code, out } = await runCli(args());

    // Assess
    expect(code).toBe(0);
    const line = (userName: string) => out.split('\n').find((l) => l.startsWith(`${userName} `)) ?? '';
    expect(line(users.oldestA)).toMatch(
      new RegExp(`managed\\s+${keys.oldestA}\\s+Active\\s+\\d+\\s+never\\s+no\\s+no\\s+rotate ${keys.oldestA}`),
    );
    expect(line(users.deferred)).toContain(`deferred ${keys.deferred} (cap 2)`);
    expect(line(users.console)).toMatch(/managed\s+-\s+yes\s+no\s+-\s+-\s+unused-password console-without-mfa/);
    expect(line(users.guarded)).toContain('protected');
    expect(out).toContain(`  ${users.guarded}: protected, tagged iam-lifecycle:protected`);
    expect(out).toContain(`  ${users.console}: console-without-mfa: console password enabled and no MFA device active`);
    expect(out).toMatch(/findings: \d+ key-older-than-max-age, \d+ unused-access-key/);
    for (const secret of secrets) expect(out).not.toContain(secret);
  });

  it('--csv: RFC 4180 records a spreadsheet can read, one per user; --json with --csv is refused', async () => {
    // Act
    const { code, out } = await runCli([...args(), '--csv']);
    const both = await runCli([...args(), '--csv', '--json']);

    // Assess
    expect(code).toBe(0);
    const [header, ...records] = parseCsv(out).map((r) => r.fields);
    const mine = records.filter((r) => r[0]!.startsWith(run));
    expect(mine).toHaveLength(Object.keys(users).length);
    const field = (userName: string, column: string) => mine.find((r) => r[0] === userName)![header!.indexOf(column)];
    expect(field(users.deferred, 'key_1_id')).toBe(keys.deferred);
    expect(field(users.deferred, 'next_scan')).toBe('deferred');
    expect(field(users.console, 'findings')).toBe('unused-password console-without-mfa');
    expect(field(users.guarded, 'scope_reason')).toBe('tagged iam-lifecycle:protected');
    expect(field(users.twoActive, 'key_2_id')).toBe(keys.twoActiveSecond);
    expect(out).toContain('\r\n');
    expect(both.code).toBe(2);
    expect(both.err).toContain('report takes --json or --csv, not both');
  });

  it('refuses what report does not take, and --csv on another verb, changing nothing', async () => {
    // Act
    const withUser = await runCli([...args(), users.oldestA]);
    const dryRun = await runCli([...args(), '--dry-run']);
    const scanCsv = await runCli(['scan', '--endpoint', motoEndpoint(), '--csv']);

    // Assess
    expect([withUser.code, dryRun.code, scanCsv.code]).toEqual([2, 2, 2]);
    expect(withUser.err).toContain("too many arguments for 'report'. Expected 0 arguments but got 1; nothing was done");
    expect(dryRun.err).toContain("unknown option '--dry-run'; nothing was done (see `iam-lifecycle report --help`)");
    expect(scanCsv.err).toContain("unknown option '--csv'; nothing was done (see `iam-lifecycle scan --help`)");
  });

  describe('with a rotation running', () => {
    let ctx: CliContext;
    let executionName: string;

    afterAll(async () => {
      await ctx?.workflows.stop('rotation', executionName, { error: 'TestDone', cause: 'end of test' });
      await ctx?.local?.workflows.waitForAll();
    });

    it('shows the running workflow, the next scan leaves it alone, and IAM is read once per fleet plus ListAccessKeys per user with keys', async () => {
      // Prepare: a rotation waiting for cutover (both keys active; the old key is in use, so the
      // rotation waits for the workload to switch) in this process's local runner
      await useKey(keys.rotating!, secretOf.get(keys.rotating!)!);
      ctx = await localContext(
        { endpoint: motoEndpoint(), configFile: config, timeScale: Number(TIME_SCALE), stack: 'unused', json: true },
        { waitTimeOverrides: { WaitForCutover: 60_000 } },
      );
      const started = await startOnDemandRotation(ctx, { userName: users.rotating, requestedBy: 'test' });
      executionName = started.executionName;
      const deadline = Date.now() + 10_000;
      const waiting = () =>
        ctx
          .local!.workflows.history('rotation', executionName)
          .some((e) => e.type === 'StateEntered' && e.stateName === 'WaitForCutover');
      while (!waiting() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const clients = testClients();
      const calls = countApiCalls(clients.iam);

      // Act
      const report = await collectFleetReport({ ...ctx, clients, iam: new IamUsers(clients.iam) });

      // Assess
      const rotating = row(report, users.rotating);
      expect(rotating.workflows).toEqual([expect.objectContaining({ kind: 'rotation', executionName })]);
      expect(rotating.nextScan).toMatchObject({ action: 'already-running', executionName });
      expect(rotating.findings.find((f) => f.code === 'two-active-keys')?.detail).toContain(
        `rotation ${executionName} is running`,
      );
      const withKeys = report.users.filter((u) => u.keys.some((k) => k.slot !== undefined)).length;
      expect(calls.byOperation()).toEqual({
        GenerateCredentialReport: expect.any(Number),
        GetCredentialReport: expect.any(Number),
        GetAccountAuthorizationDetails: 1,
        ListAccessKeys: withKeys,
      });
    });
  });
});
