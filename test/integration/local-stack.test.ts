/**
 * The local stack across processes, as an operator uses it from several terminals: `local up` in
 * one process, then `offboard`, `status`, `cancel-offboarding` each in a process of its own, then
 * `local down`. Every call is a separate `node bin/iam-lifecycle.js`; the stack acts on the test
 * run's moto (AWS_ENDPOINT_URL), so it starts no moto of its own.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFile } from '../support/cli';
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import { SecretStore } from '../../functions/shared/secret-store';
import { IamUsers } from '../../functions/shared/iam/users';
import { isAlive, readState, stateFilePath } from '../../functions/local/stack/state';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';
import { waitFor } from '../support/iam-fixtures';

const BIN = join(__dirname, '..', '..', 'bin', 'iam-lifecycle.js');
const PATH = '/local-stack-it/';
// A day lasts 10 s: the 30-day observation lasts 5 minutes, far longer than this test.
const CONFIG = { timeScale: 8640, managedUsers: { pathPrefix: PATH } };

function cli(home: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', BIN, ...args], {
      env: { ...process.env, IAM_LIFECYCLE_HOME: home, AWS_ENDPOINT_URL: motoEndpoint() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe('iam-lifecycle local up, verbs from other processes, local down', () => {
  const clients = testClients();
  const secrets = new SecretStore(clients.secrets);
  const iam = new IamUsers(clients.iam);
  const home = mkdtempSync(join(tmpdir(), 'local-stack-it-'));

  afterAll(() => {
    const state = readState(home);
    if (state && state !== 'unreadable' && isAlive(state.pid)) process.kill(state.pid, 'SIGTERM');
  });

  it('serves offboard, status and cancel-offboarding from separate processes, then reports on down', async () => {
    // Prepare
    const config = parseConfig(CONFIG);
    const seed = (prefix: string) =>
      seedUser({ iam: clients.iam, secrets, config }, { userName: uniqueName(prefix), path: PATH });
    const [kept, left] = await Promise.all([seed('kept'), seed('left')]);
    const keptKey = kept.accessKeyIds[0]!;
    const leftKey = left.accessKeyIds[0]!;

    // Act: the stack starts in the background and the command returns.
    const up = await cli(home, ['local', 'up', '--config', configFile(CONFIG)]);
    // Assess
    expect(up.err).toBe('');
    expect(up.code).toBe(0);
    const state = readState(home);
    if (!state || state === 'unreadable') throw new Error('no state file after local up');
    expect(up.out).toContain(`local stack started (pid ${state.pid})`);
    expect(up.out).toContain(`endpoint:  ${motoEndpoint()} (not the stack’s own: its data stays when the stack stops)`);

    // Act: from other processes, offboard both users; a second `local up` finds the running stack.
    const [offboarded, offboardedLeft, upAgain] = await Promise.all([
      cli(home, ['offboard', kept.userName, '--reason', 'first reason']),
      cli(home, ['offboard', left.userName, '--reason', 'left for good']),
      cli(home, ['local', 'up']),
    ]);
    // Assess
    expect([offboarded.code, offboardedLeft.code, upAgain.code]).toEqual([0, 0, 0]);
    expect(offboarded.out).toMatch(new RegExp(`^started: offboard-${kept.userName}-`));
    expect(offboarded.err).toContain(`(via the local stack at ${state.apiUrl}`);
    expect(upAgain.out).toContain(`a local stack is already running (pid ${state.pid}, API ${state.apiUrl}`);

    // Act: a repeated offboard and a status, each from yet another process.
    await waitFor(
      'the offboarding to disable the key',
      async () => (await iam.listAccessKeys(kept.userName)).every((k) => k.status === 'Inactive'),
      60_000,
    );
    const [repeated, running] = await Promise.all([
      cli(home, ['offboard', kept.userName, '--reason', 'second reason']),
      cli(home, ['status', kept.userName]),
    ]);
    // Assess
    expect(repeated.code).toBe(0);
    expect(repeated.out).toMatch(
      new RegExp(`^already running: offboard-${kept.userName}-\\S+ \\(since .*\\); nothing new was started`),
    );
    expect(running.code).toBe(0);
    expect(running.out).toMatch(new RegExp(`running offboarding offboard-${kept.userName}-`));
    expect(running.out).toContain(`offboarding of ${kept.userName}: disabled`);
    expect(running.out).toContain('reason: first reason');

    // Act: cancel from another process; it restores the user.
    const cancelled = await cli(home, ['cancel-offboarding', kept.userName]);
    await waitFor(
      'the restore to reactivate the key',
      async () => (await iam.listAccessKeys(kept.userName)).every((k) => k.status === 'Active'),
      60_000,
    );
    const restored = await waitFor(
      'the restore to finish',
      async () => {
        const status = await cli(home, ['status', kept.userName, '--json']);
        const parsed = JSON.parse(status.out) as { offboarding: { phase: string } };
        return parsed.offboarding.phase === 'cancelled' ? status : undefined;
      },
      60_000,
    );
    // Assess
    expect(cancelled.code).toBe(0);
    expect(cancelled.out).toMatch(
      new RegExp(`^restoring: restore-offboard-${kept.userName}-\\S+ \\(stopped offboard-${kept.userName}-`),
    );
    expect(JSON.parse(restored.out)).toMatchObject({
      user: { accessKeys: [{ accessKeyId: keptKey, status: 'Active' }], runningWorkflows: [] },
      offboarding: { phase: 'cancelled', reason: 'first reason' },
    });

    // Act: stop the stack while the other user's offboarding still observes.
    await waitFor(
      'the second offboarding to disable its key',
      async () => (await iam.listAccessKeys(left.userName)).every((k) => k.status === 'Inactive'),
      60_000,
    );
    const down = await cli(home, ['local', 'down']);
    // Assess
    expect(down.code).toBe(0);
    expect(down.out).toContain(`local stack stopped (pid ${state.pid})`);
    expect(down.out).toMatch(new RegExp(`offboarding offboard-${left.userName}-\\S+: ${left.userName} is left disabled`));
    expect(down.out).toContain(`update-access-key --user-name ${left.userName} --access-key-id ${leftKey} --status Active`);
    expect(down.out).toContain(`the endpoint ${motoEndpoint()} was not the stack's own: its users stay as they are`);
    expect(existsSync(stateFilePath(home))).toBe(false);
    expect(isAlive(state.pid)).toBe(false);
    expect((await iam.listAccessKeys(left.userName)).map((k) => k.status)).toEqual(['Inactive']);
  }, 300_000);
});
