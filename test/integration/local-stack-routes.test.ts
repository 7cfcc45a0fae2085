/**
 * The local stack's routes with the stack running in this process (cheaper than a process per
 * call; test/integration/local-stack.test.ts drives separate processes): verbs routed over HTTP,
 * the caller identity (`--as` header, else the endpoint's STS caller), `--wait` through the stack,
 * and what the loopback server refuses.
 */
import { request } from 'node:http';
import { runCli } from '../support/cli';
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import { SecretStore } from '../../functions/shared/secret-store';
import { IamUsers } from '../../functions/shared/iam/users';
import { testClients, uniqueName } from '../support/aws';
import { waitFor } from '../support/iam-fixtures';
import { useInProcessStack } from '../support/local-stack';

const PATH = '/local-routes-it/';
// A day lasts a second: cutover in a moment, a 7-second grace period (long enough to roll back).
const CONFIG = {
  timeScale: 86400,
  cutoverCheckIntervalHours: 1,
  cutoverQuietPeriodHours: 1,
  managedUsers: { pathPrefix: PATH },
  offboardingApproval: 'required',
  approvalExpiryHours: 200_000,
};

function raw(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('local stack routes (stack in this process)', () => {
  const clients = testClients();
  const secrets = new SecretStore(clients.secrets);
  const config = parseConfig(CONFIG);
  const local = useInProcessStack('local-routes', CONFIG);

  const seed = () => seedUser({ iam: clients.iam, secrets, config }, { userName: uniqueName('routes'), path: PATH });

  it('records --as as the requester, refuses self-approval, and records the endpoint caller as approver', async () => {
    // Prepare
    const user = await seed();
    // Act
    const requested = await runCli(['offboard', user.userName, '--reason', 'left', '--as', 'alice']);
    const self = await runCli(['approve-offboarding', user.userName, '--as', 'alice', '--local']);
    const approved = await runCli(['approve-offboarding', user.userName, '--local']);
    // Assess
    expect(requested.code).toBe(0);
    expect(requested.out).toMatch(new RegExp(`^recorded: offboard request \\S+ for ${user.userName} by alice;`));
    expect(self.code).toBe(2);
    expect(self.err).toMatch(/SelfApprovalError: alice requested this/);
    expect(approved.code).toBe(0);
    expect(approved.out).toMatch(/^approved offboard request \S+ of alice as arn:aws:sts::123456789012:user\/moto/);
    expect(approved.out).toMatch(new RegExp(`started: offboard-${user.userName}-`));
  });

  it('rotate --wait follows the rotation in the stack to its end', async () => {
    // Prepare
    const user = await seed();
    // Act
    const result = await runCli(['rotate', user.userName, '--wait', '--local']);
    // Assess
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toContain(`started: rotate-${user.userName}-${user.accessKeyIds[0]!}`);
    expect(result.out).toMatch(/finished SUCCEEDED$/);
  });

  it('rollback over the stack API reaches a rotation the stack runs (the caller holds no runner)', async () => {
    // Prepare
    const user = await seed();
    const oldKey = user.accessKeyIds[0]!;
    const iam = new IamUsers(clients.iam);
    const started = await runCli(['rotate', user.userName, '--local']);
    await waitFor('the old key to be deactivated', async () =>
      (await iam.listAccessKeys(user.userName)).some((k) => k.accessKeyId === oldKey && k.status === 'Inactive'),
    );
    // Act
    const rolledBack = await runCli(['rollback', user.userName, '--local']);
    // Assess
    expect(started.code).toBe(0);
    expect(rolledBack.err).toBe('');
    expect(rolledBack.code).toBe(0);
    expect(rolledBack.out).toMatch(new RegExp(`^reactivated ${oldKey} of ${user.userName}: `));
    expect((await iam.listAccessKeys(user.userName)).find((k) => k.accessKeyId === oldKey)?.status).toBe('Active');
  });

  it('previews and reports through the stack: read-only, nothing started, its running workflows seen', async () => {
    // Prepare: one user with a rotation running in the stack (another terminal's), one untouched
    const busy = await seed();
    const idle = await seed();
    const iam = new IamUsers(clients.iam);
    const started = await runCli(['rotate', busy.userName, '--local']);
    const before = await iam.listAccessKeys(idle.userName);
    // Act
    const offboardPlan = await runCli(['offboard', idle.userName, '--reason', 'left', '--dry-run', '--local', '--json']);
    const report = await runCli(['report', '--local', '--json']);
    // Assess
    expect([started.code, offboardPlan.code, report.code]).toEqual([0, 0, 0]);
    // The stack's own config (offboardingApproval: required) decides, not this process's defaults.
    expect(JSON.parse(offboardPlan.out)).toMatchObject({ outcome: 'approval-required' });
    expect(offboardPlan.out).toContain(idle.accessKeyIds[0]!);
    const row = (JSON.parse(report.out) as { users: { userName: string; workflows?: unknown }[] }).users.find(
      (u) => u.userName === busy.userName,
    );
    // The rotation runs in the stack, not in this process: the report sees it through the stack.
    expect(JSON.stringify(row)).toContain(`rotate-${busy.userName}`);
    expect(await iam.listAccessKeys(idle.userName)).toEqual(before);
    expect((await iam.getUser(idle.userName))?.userName).toBe(idle.userName);
  });

  it('answers scan and status through its local routes, and refuses what it does not take', async () => {
    // Act
    const [scan, ghost, key, config] = await Promise.all([
      runCli(['scan', '--dry-run']),
      runCli(['status', uniqueName('ghost'), '--local']),
      runCli(['rotate', 'anyone', '--key', 'AKIAEXAMPLE', '--local']),
      runCli(['status', 'anyone', '--time-scale', '2']),
    ]);
    // Assess
    expect(scan.code).toBe(0);
    expect(scan.out).toMatch(/^DRY RUN: \d+ users in the credential report/);
    expect(scan.err).toContain(`(via the local stack at ${local.stack.state.apiUrl}`);
    expect(ghost.code).toBe(2);
    expect(ghost.err).toMatch(/UserNotFoundError: user ghost-\S+ does not exist/);
    expect(key.code).toBe(2);
    expect(key.err).toMatch(/--key is not taken by the local stack/);
    expect(config.code).toBe(2);
    expect(config.err).toMatch(/--time-scale: the running local stack has its own/);
  });

  it('refuses its local routes without the token and any request not addressed to the loopback port', async () => {
    // Prepare
    const url = new URL(local.stack.state.apiUrl);
    // Act
    const noToken = await raw(`${local.stack.state.apiUrl}_local/health`, {});
    const withToken = await raw(`${local.stack.state.apiUrl}_local/health`, { 'x-iam-lifecycle-token': local.stack.state.token });
    const rebound = await raw(`${local.stack.state.apiUrl}users/alice`, { host: `evil.example:${url.port}` });
    // Assess
    expect([noToken, withToken, rebound]).toEqual([403, 200, 403]);
  });
});
