/**
 * The CLI around the local stack without starting one: finding it (or not), stale state files,
 * options that do not apply, and the time-scaled scan schedule.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';
import { stateFilePath, writeStateExclusive } from '../../functions/local/stack/state';
import { MIN_SCAN_INTERVAL_MS, scanIntervalMs, scheduleScans } from '../../functions/local/stack/scheduler';
import { formatLeftovers } from '../../functions/cli/stack-client';

/** The id of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('local stack CLI', () => {
  const previousHome = process.env.IAM_LIFECYCLE_HOME;
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'stack-cli-'));
    process.env.IAM_LIFECYCLE_HOME = home;
  });
  afterAll(() => {
    process.env.IAM_LIFECYCLE_HOME = previousHome;
  });

  const writeDead = () => {
    const pid = deadPid();
    writeStateExclusive(
      home,
      {
        pid,
        apiUrl: 'http://127.0.0.1:1/',
        endpoint: 'http://127.0.0.1:2',
        motoOwned: true,
        timeScale: 1,
        logFile: join(home, 'local-stack.log'),
        startedAt: new Date().toISOString(),
        token: 't',
      },
      () => false,
    );
    return pid;
  };

  it('local status finds a stale state file, says so and removes it', async () => {
    // Prepare
    const pid = writeDead();
    // Act
    const result = await runCli(['local', 'status']);
    // Assess
    expect(result.code).toBe(1);
    expect(result.out).toBe(
      `removed a stale state file (pid ${pid} no longer runs); no local stack is running (start one with \`iam-lifecycle local up\`)`,
    );
    expect(existsSync(stateFilePath(home))).toBe(false);
  });

  it('local down with nothing running says so and succeeds; a stale file is cleaned', async () => {
    // Prepare
    writeDead();
    // Act
    const result = await runCli(['local', 'down']);
    const again = await runCli(['local', 'down']);
    // Assess
    expect([result.code, again.code]).toEqual([0, 0]);
    expect(result.out).toBe('no local stack is running (removed a stale state file)');
    expect(again.out).toBe('no local stack is running');
  });

  it('--local with only a stale state file is refused (nothing to talk to) and the file is cleaned', async () => {
    // Prepare
    writeDead();
    // Act
    const result = await runCli(['status', 'alice', '--local']);
    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toBe('iam-lifecycle: no local stack is running; start one with `iam-lifecycle local up`');
    expect(existsSync(stateFilePath(home))).toBe(false);
  });

  it('refuses what does not apply, changing nothing', async () => {
    // Act
    const results = await Promise.all([
      runCli(['status', 'alice', '--local', '--endpoint', 'http://127.0.0.1:9']),
      runCli(['local']),
      runCli(['local', 'sideways']),
      runCli(['local', 'status', '--port', '4510']),
      runCli(['local', 'up', '--port', 'http']),
      runCli(['demo', '--local']),
    ]);
    // Assess
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(results[0]!.err).toMatch(/--local and --endpoint exclude each other; nothing was done/);
    expect(results[1]!.err).toMatch(/missing required argument 'action'/);
    expect(results[2]!.err).toMatch(/unknown local command "sideways"/);
    expect(results[3]!.err).toMatch(/local status does not take --port \(they are for local up\)/);
    expect(results[4]!.err).toMatch(/--port must be a port number/);
    expect(results[5]!.err).toMatch(/demo takes only --config, not --local/);
    expect(existsSync(stateFilePath(home))).toBe(false);
  });
});

describe('local stack scan schedule', () => {
  it('runs every 24 h / timeScale, at most every 10 s, and skips a tick while a scan still runs', async () => {
    // Prepare
    jest.useFakeTimers({ now: new Date('2026-11-30T00:00:00Z') });
    let release: () => void = () => undefined;
    const scans: number[] = [];
    const scan = () => {
      scans.push(Date.now());
      return new Promise<string>((resolve) => (release = () => resolve('done')));
    };
    // Act
    const schedule = scheduleScans(1440, scan);
    await jest.advanceTimersByTimeAsync(60_000); // first scan, still running
    await jest.advanceTimersByTimeAsync(60_000); // skipped: the first has not finished
    release();
    await jest.advanceTimersByTimeAsync(60_000); // second scan
    schedule.stop();
    jest.useRealTimers();
    // Assess
    expect([scanIntervalMs(1), scanIntervalMs(1440), scanIntervalMs(86400)]).toEqual([86_400_000, 60_000, MIN_SCAN_INTERVAL_MS]);
    expect(scans.map((t) => new Date(t).toISOString())).toEqual(['2026-11-30T00:01:00.000Z', '2026-11-30T00:03:00.000Z']);
    expect(schedule.last()).toEqual({ at: '2026-11-30T00:01:00.000Z', ok: true, summary: 'done' });
    expect(schedule.nextAt()).toBeUndefined();
  });
});

describe('local down report', () => {
  it('names each workflow left running, what it leaves, and whether the data outlives the stack', () => {
    // Prepare
    const left = [
      {
        kind: 'offboarding' as const,
        executionName: 'offboard-bob-1',
        userName: 'bob',
        leaves: 'bob is left disabled',
        restore: ['aws ... update-access-key'],
      },
    ];
    // Act
    const owned = formatLeftovers({ endpoint: 'http://127.0.0.1:5', motoOwned: true, left: [] });
    const external = formatLeftovers({ endpoint: 'http://127.0.0.1:5', motoOwned: false, left });
    // Assess
    expect(owned).toEqual([
      '  no workflow was running',
      '  the moto server it started (http://127.0.0.1:5) is stopped: its data (users, keys, secrets, records) is gone with it',
    ]);
    expect(external).toEqual([
      '  1 workflow(s) were still running and stopped with it:',
      '    offboarding offboard-bob-1: bob is left disabled',
      '      to restore:',
      '        aws ... update-access-key',
      "  the endpoint http://127.0.0.1:5 was not the stack's own: its users stay as they are (above)",
    ]);
  });
});
