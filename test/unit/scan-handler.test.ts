import { parseConfig } from '../../functions/shared/config';
import { ValidationError } from '../../functions/shared/errors';
import type { AccessKeyRecord } from '../../functions/shared/iam/records';
import { containsSecretLikeValue, RecordingNotifier, type Notification } from '../../functions/shared/notifier';
import type { ExecutionSummary, StartResult, WorkflowKind, WorkflowPort } from '../../functions/shared/workflows';
import { rotationExecutionName } from '../../functions/shared/execution-names';
import { CredentialReportUnavailableError } from '../../functions/scan/credential-report';
import { makeScanHandler, parseScanEvent, type ScanDeps } from '../../functions/scan/handler';

const NOW = new Date('2024-06-01T12:00:00Z');
const DAY = 86_400_000;
const HEADER = 'user,arn,access_key_1_active,access_key_1_last_rotated,access_key_2_active,access_key_2_last_rotated';

class FakeWorkflows implements WorkflowPort {
  readonly executions = new Map<string, ExecutionSummary>();
  readonly starts: { name: string; input: unknown }[] = [];
  async start(kind: WorkflowKind, name: string, input: unknown): Promise<StartResult> {
    const existing = this.executions.get(name);
    if (existing) return { executionArn: existing.executionArn, started: false, existing };
    this.starts.push({ name, input });
    const summary: ExecutionSummary = { kind, name, executionArn: `arn:${name}`, status: 'RUNNING', startDate: NOW, input };
    this.executions.set(name, summary);
    return { executionArn: summary.executionArn, started: true };
  }
  async describe(_kind: WorkflowKind, name: string) {
    return this.executions.get(name);
  }
  listCalls = 0;
  async list() {
    this.listCalls++;
    return [...this.executions.values()];
  }
  async stop() {
    return false;
  }
  executionArn(_kind: WorkflowKind, name: string) {
    return `arn:${name}`;
  }
  async stateOutput() {
    return undefined;
  }
}

interface FakeUser {
  readonly keys: AccessKeyRecord[];
  readonly tags?: Record<string, string>;
  readonly failWith?: Error;
}

function setup(users: Record<string, FakeUser>, overrides: Partial<ScanDeps> = {}) {
  const rows = Object.entries(users).map(([name, u]) => {
    const slot = (k?: AccessKeyRecord) =>
      k ? `${k.status === 'Active'},${k.createDate!.replace(/\.\d{3}Z$/, '+00:00')}` : 'false,N/A';
    return `${name},arn:aws:iam::123456789012:user/apps/${name},${slot(u.keys[0])},${slot(u.keys[1])}`;
  });
  const csv = [HEADER, ...rows].join('\n');
  const calls: string[] = [];
  const iam = {
    async listTags(userName: string) {
      calls.push(`ListUserTags ${userName}`);
      const u = users[userName];
      if (u?.failWith) throw u.failWith;
      return u?.tags ?? {};
    },
    async listAccessKeys(userName: string) {
      calls.push(`ListAccessKeys ${userName}`);
      return users[userName]?.keys ?? [];
    },
  };
  const workflows = new FakeWorkflows();
  const notifier = new RecordingNotifier();
  const logs: { level: string; message: string; extra?: unknown }[] = [];
  const logger = {
    info: (message: string, extra?: unknown) => void logs.push({ level: 'info', message, extra }),
    warn: (message: string, extra?: unknown) => void logs.push({ level: 'warn', message, extra }),
    error: (message: string, extra?: unknown) => void logs.push({ level: 'error', message, extra }),
  };
  const scan = makeScanHandler({
    credentialReport: { fetchReport: async () => ({ csv, generatedAt: NOW, apiCalls: 2 }) },
    iam,
    workflows,
    config: parseConfig({ managedUsers: { pathPrefix: '/apps/' } }),
    clock: () => NOW,
    notifier,
    logger: logger as unknown as ScanDeps['logger'],
    ...overrides,
  });
  return { scan, calls, workflows, notifier, logs };
}

const key = (accessKeyId: string, ageMs: number, status: 'Active' | 'Inactive' = 'Active'): AccessKeyRecord => ({
  accessKeyId,
  status,
  createDate: new Date(NOW.getTime() - ageMs + 250).toISOString(),
});

describe('parseScanEvent', () => {
  it('accepts what the scheduler sends', () => {
    expect(parseScanEvent(undefined)).toEqual({ dryRun: false });
    expect(parseScanEvent({})).toEqual({ dryRun: false });
    expect(parseScanEvent({ dryRun: true })).toEqual({ dryRun: true });
  });

  it('refuses a misspelt flag instead of running for real', () => {
    expect(() => parseScanEvent({ dryrun: true })).toThrow(ValidationError);
    expect(() => parseScanEvent({ dryRun: 'yes' })).toThrow(/dryRun must be true or false/);
    expect(() => parseScanEvent('dry')).toThrow(ValidationError);
  });
});

describe('makeScanHandler', () => {
  it('starts one rotation per stale user and notifies scan.completed with key ids only', async () => {
    // Prepare
    const { scan, workflows, notifier } = setup({
      stale: { keys: [key('AKIASTALE0000000001', 100 * DAY)] },
      fresh: { keys: [key('AKIAFRESH0000000001', DAY)] },
    });

    // Act
    const summary = await scan({});

    // Assess
    const executionName = rotationExecutionName('stale', 'AKIASTALE0000000001');
    expect(summary.started).toEqual([{ userName: 'stale', accessKeyId: 'AKIASTALE0000000001', executionName }]);
    expect(workflows.starts).toEqual([
      {
        name: executionName,
        input: expect.objectContaining({ userName: 'stale', accessKeyId: 'AKIASTALE0000000001', requestedBy: 'scan' }),
      },
    ]);
    expect(summary).toMatchObject({ scannedUsers: 2, upToDate: 1, candidates: 1, dryRun: false, notificationErrors: 0 });
    const [completed] = notifier.sent;
    expect(completed).toMatchObject({
      type: 'scan.completed',
      scannedUsers: 2,
      started: { items: [{ userName: 'stale', accessKeyId: 'AKIASTALE0000000001' }], more: 0 },
    });
    expect(containsSecretLikeValue(JSON.stringify(notifier.sent))).toBe(false);
  });

  it('lists the rotations once per scan, not once per candidate key', async () => {
    // Prepare: five stale users, each looked up before its rotation starts
    const users = Object.fromEntries(
      [1, 2, 3, 4, 5].map((i) => [`stale${i}`, { keys: [key(`AKIASTALE000000000${i}`, 100 * DAY)] }]),
    );
    const { scan, workflows } = setup(users);
    // Act
    const summary = await scan({});
    // Assess: one listing of every execution and one of the running ones, whatever the candidate count
    expect(summary.started).toHaveLength(5);
    expect(workflows.listCalls).toBeLessThanOrEqual(2);
  });

  it('starts at most maxRotationsPerScan rotations, oldest keys first, and defers the rest', async () => {
    // Prepare
    const { scan, workflows } = setup(
      {
        older: { keys: [key('AKIAOLDER0000000001', 300 * DAY)] },
        old: { keys: [key('AKIAOLD0000000000001', 100 * DAY)] },
        oldest: { keys: [key('AKIAOLDEST000000001', 900 * DAY)] },
      },
      { config: parseConfig({ managedUsers: { pathPrefix: '/apps/' }, maxRotationsPerScan: 2 }) },
    );
    // Act
    const summary = await scan({});
    // Assess
    expect(summary.started.map((r) => r.userName)).toEqual(['older', 'oldest']);
    expect(workflows.starts).toHaveLength(2);
    expect(summary.skipped).toEqual([expect.objectContaining({ userName: 'old', code: 'deferred' })]);
  });

  it('in a dry run returns the plan, starts nothing and notifies nobody', async () => {
    const { scan, workflows, notifier } = setup({
      stale: { keys: [key('AKIASTALE0000000001', 100 * DAY)] },
      both: { keys: [key('AKIABOTH00000000001', 100 * DAY), key('AKIABOTH00000000002', 120 * DAY)] },
    });

    const summary = await scan({ dryRun: true });

    expect(summary.plan).toEqual([expect.objectContaining({ userName: 'stale', accessKeyId: 'AKIASTALE0000000001' })]);
    expect(summary.blocked).toEqual([expect.objectContaining({ userName: 'both', code: 'two-active-keys' })]);
    expect(summary.started).toEqual([]);
    expect(workflows.starts).toEqual([]);
    expect(notifier.sent).toEqual([]);
  });

  it('reports a running rotation as already running, even though the user then holds two active keys', async () => {
    const { scan, workflows } = setup({
      midway: { keys: [key('AKIAOLD000000000001', 100 * DAY), key('AKIANEW000000000001', 1000)] },
    });
    const executionName = rotationExecutionName('midway', 'AKIAOLD000000000001');
    await workflows.start('rotation', executionName, {});
    workflows.starts.length = 0;

    const summary = await scan({});

    expect(summary.alreadyRunning).toEqual([{ userName: 'midway', accessKeyId: 'AKIAOLD000000000001', executionName }]);
    expect(summary.blocked).toEqual([]);
    expect(workflows.starts).toEqual([]);
  });

  it('starts a numbered next attempt when an earlier rotation of the key ended without rotating it', async () => {
    // Prepare
    const { scan, workflows } = setup({ old: { keys: [key('AKIAOLD000000000001', 100 * DAY)] } });
    const name = rotationExecutionName('old', 'AKIAOLD000000000001');
    workflows.executions.set(name, {
      kind: 'rotation',
      name,
      executionArn: 'arn',
      status: 'FAILED',
      startDate: NOW,
      stopDate: NOW,
    });
    // Act
    const summary = await scan({});
    // Assess
    expect(summary.started).toEqual([{ userName: 'old', accessKeyId: 'AKIAOLD000000000001', executionName: `${name}-2` }]);
    expect(workflows.starts.map((s: { name: string }) => s.name)).toEqual([`${name}-2`]);
  });

  describe('the previous rotation of the user is still in its grace period', () => {
    const prevName = rotationExecutionName('graced', 'AKIAPREV00000000001');
    const users = {
      graced: { keys: [key('AKIACUR000000000001', 100 * DAY), key('AKIAPREV00000000001', 300 * DAY, 'Inactive')] },
    };

    it('starts nothing while that rotation still runs', async () => {
      // Prepare
      const { scan, workflows } = setup(users);
      await workflows.start('rotation', prevName, { userName: 'graced', accessKeyId: 'AKIAPREV00000000001' });
      workflows.starts.length = 0;
      // Act
      const summary = await scan({});
      // Assess
      expect(workflows.starts).toEqual([]);
      expect(summary.skipped).toEqual([
        expect.objectContaining({ userName: 'graced', code: 'previous-rotation-in-grace', executionName: prevName }),
      ]);
    });

    it('starts nothing while the key it deactivated is younger than the grace period, and starts after', async () => {
      // Prepare
      const ended = (stopDate: Date): ExecutionSummary => ({
        kind: 'rotation',
        name: prevName,
        executionArn: `arn:${prevName}`,
        status: 'SUCCEEDED',
        startDate: new Date(stopDate.getTime() - DAY),
        stopDate,
        input: { userName: 'graced', accessKeyId: 'AKIAPREV00000000001' },
      });
      const recent = setup(users);
      recent.workflows.executions.set(prevName, ended(new Date(NOW.getTime() - 2 * DAY)));
      const old = setup(users);
      old.workflows.executions.set(prevName, ended(new Date(NOW.getTime() - 8 * DAY)));
      // Act
      const held = await recent.scan({});
      const free = await old.scan({});
      // Assess
      expect(recent.workflows.starts).toEqual([]);
      expect(held.skipped).toEqual([expect.objectContaining({ code: 'previous-rotation-in-grace' })]);
      expect(free.started).toEqual([expect.objectContaining({ userName: 'graced', accessKeyId: 'AKIACUR000000000001' })]);
    });
  });

  it('starts a next attempt when the second active key was created while the previous attempt ran (a key it lost)', async () => {
    // Prepare: attempt 1 failed; the key it created (answer lost) is the second active key
    const lostCreated = new Date(NOW.getTime() - DAY);
    const { scan, workflows } = setup({
      lost: {
        keys: [
          key('AKIAOLD000000000001', 100 * DAY),
          { accessKeyId: 'AKIALOST00000000001', status: 'Active', createDate: lostCreated.toISOString() },
        ],
      },
    });
    const name = rotationExecutionName('lost', 'AKIAOLD000000000001');
    workflows.executions.set(name, {
      kind: 'rotation',
      name,
      executionArn: `arn:${name}`,
      status: 'FAILED',
      startDate: new Date(lostCreated.getTime() - 2000),
      stopDate: new Date(lostCreated.getTime() + 60_000),
    });
    // Act
    const summary = await scan({});
    // Assess
    expect(summary.blocked).toEqual([]);
    expect(summary.plan).toEqual([
      expect.objectContaining({ accessKeyId: 'AKIAOLD000000000001', mayRemoveLostKeyId: 'AKIALOST00000000001' }),
    ]);
    expect(workflows.starts.map((x) => x.name)).toEqual([`${name}-2`]);
  });

  it('publishes rotation.blocked for a user with two active keys and starts nothing for it', async () => {
    const { scan, workflows, notifier } = setup({
      both: { keys: [key('AKIABOTH00000000001', 100 * DAY), key('AKIABOTH00000000002', 120 * DAY)] },
    });

    const summary = await scan({});

    expect(workflows.starts).toEqual([]);
    expect(summary.blocked).toEqual([expect.objectContaining({ accessKeyId: 'AKIABOTH00000000002', code: 'two-active-keys' })]);
    expect(notifier.sent.map((n: Notification) => n.type)).toEqual(['rotation.blocked', 'scan.completed']);
    expect(notifier.sent[0]).toMatchObject({ userName: 'both', code: 'two-active-keys', requestedBy: 'scan' });
  });

  it('rotation.blocked names the Owner and Purpose tags the scan already read (no extra IAM call)', async () => {
    // Prepare
    const { scan, notifier, calls } = setup({
      both: {
        keys: [key('AKIABOTH00000000001', 100 * DAY), key('AKIABOTH00000000002', 120 * DAY)],
        tags: { Owner: 'team-payments', Purpose: 'settlement batch' },
      },
    });
    // Act
    await scan({});
    // Assess
    expect(notifier.sent[0]).toMatchObject({ type: 'rotation.blocked', owner: 'team-payments', purpose: 'settlement batch' });
    expect(calls).toEqual(['ListUserTags both', 'ListAccessKeys both']);
  });

  it('resumes a rotation that ended `continued` as its next attempt instead of reporting two active keys', async () => {
    // Prepare: attempt 1 ended continued, holding the old (stale) key and its new key, both active
    const { scan, workflows, notifier } = setup({
      waiting: { keys: [key('AKIAWAITOLD00000001', 100 * DAY), key('AKIAWAITNEW00000001', 20 * DAY)] },
    });
    const name = rotationExecutionName('waiting', 'AKIAWAITOLD00000001');
    workflows.executions.set(name, {
      kind: 'rotation',
      name,
      executionArn: `arn:${name}`,
      status: 'SUCCEEDED',
      startDate: new Date(NOW.getTime() - 30 * DAY),
      input: { userName: 'waiting', accessKeyId: 'AKIAWAITOLD00000001', requestedBy: 'scan', trigger: 'exposure' },
      output: {
        status: 'continued',
        userName: 'waiting',
        userId: 'AIDAWAITING',
        oldAccessKeyId: 'AKIAWAITOLD00000001',
        newAccessKeyId: 'AKIAWAITNEW00000001',
        startedAt: new Date(NOW.getTime() - 30 * DAY).toISOString(),
        deadlineAt: new Date(NOW.getTime() - 16 * DAY).toISOString(),
        trigger: 'exposure',
      },
    });
    // Act
    const summary = await scan({});
    // Assess: the same old key, attempt 2, and the exposure trigger is kept
    expect(summary.blocked).toEqual([]);
    expect(workflows.starts).toEqual([
      {
        name: `${name}-2`,
        input: { userName: 'waiting', accessKeyId: 'AKIAWAITOLD00000001', requestedBy: 'scan', trigger: 'exposure' },
      },
    ]);
    expect(notifier.sent.map((n: Notification) => n.type)).toEqual(['scan.completed']);
  });

  it('skips users by protected tag without listing their keys', async () => {
    const { scan, calls, workflows } = setup({
      guarded: { keys: [key('AKIAGUARD0000000001', 100 * DAY)], tags: { 'iam-lifecycle:protected': 'yes' } },
    });

    const summary = await scan({});

    expect(summary.skipped).toEqual([{ userName: 'guarded', code: 'protected', reason: 'tagged iam-lifecycle:protected' }]);
    expect(calls).toEqual(['ListUserTags guarded']);
    expect(workflows.starts).toEqual([]);
  });

  it('lists a user it could not examine as failed and carries on with the others', async () => {
    const denied = Object.assign(new Error('not authorized to perform iam:ListUserTags'), { name: 'AccessDenied' });
    const { scan, logs } = setup({
      broken: { keys: [key('AKIABROKEN000000001', 100 * DAY)], failWith: denied },
      stale: { keys: [key('AKIASTALE0000000001', 100 * DAY)] },
    });

    const summary = await scan({});

    expect(summary.failed).toEqual([
      { userName: 'broken', errorName: 'AccessDenied', message: 'not authorized to perform iam:ListUserTags' },
    ]);
    expect(summary.started.map((s) => s.userName)).toEqual(['stale']);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', message: 'scan could not examine user' }));
  });

  it('treats a user deleted after the report as skipped, not failed', async () => {
    const gone = Object.assign(new Error('The user with name gone cannot be found.'), { name: 'NoSuchEntityException' });
    const { scan } = setup({ gone: { keys: [key('AKIAGONE00000000001', 100 * DAY)], failWith: gone } });

    const summary = await scan({});

    expect(summary.failed).toEqual([]);
    expect(summary.skipped).toEqual([expect.objectContaining({ userName: 'gone', code: 'user-not-found' })]);
  });

  it('finishes its work and counts a notification it could not publish', async () => {
    const { scan } = setup(
      { stale: { keys: [key('AKIASTALE0000000001', 100 * DAY)] } },
      {
        notifier: {
          publish: async () => {
            throw new Error('SNS is down');
          },
        },
      },
    );

    const summary = await scan({});

    expect(summary.started).toHaveLength(1);
    expect(summary.notificationErrors).toBe(1);
  });

  it('fails the whole scan when the credential report cannot be had, so the scheduler retries it', async () => {
    const { scan, workflows } = setup(
      {},
      {
        credentialReport: {
          fetchReport: async () => {
            throw new CredentialReportUnavailableError('could not get the IAM credential report', 3, 'Throttling');
          },
        },
      },
    );

    await expect(scan({})).rejects.toThrow(CredentialReportUnavailableError);
    expect(workflows.starts).toEqual([]);
  });

  it('refuses a bad event before calling anything', async () => {
    const fetchReport = jest.fn();
    const { scan } = setup({}, { credentialReport: { fetchReport } });

    await expect(scan({ dryrun: true } as never)).rejects.toThrow(ValidationError);
    expect(fetchReport).not.toHaveBeenCalled();
  });
});
