import { parseConfig } from '../../functions/shared/config';
import type { AccessKeyRecord } from '../../functions/shared/iam/records';
import { retirementExecutionName, rotationExecutionName } from '../../functions/shared/execution-names';
import type { ExecutionSummary, StartResult, WorkflowKind, WorkflowPort } from '../../functions/shared/workflows';
import { parseCredentialReport, type ReportKeySlot, type ReportUser } from '../../functions/scan/credential-report';
import { planRetirement, selectUnusedKeys } from '../../functions/scan/unused-select';
import { retireUnusedKeys, usersLeftToRotation } from '../../functions/scan/unused-keys';
import { formatUnusedKeys } from '../../functions/cli/scan-unused';

const NOW = new Date('2024-06-01T12:00:00Z');
const DAY = 86_400_000;
const config = parseConfig({
  managedUsers: { pathPrefix: '/apps/' },
  protectedUsers: { userNames: ['break-glass'] },
  unusedKeyDays: 30,
  maxRotationsPerScan: 3,
});
const ago = (ms: number) => new Date(NOW.getTime() - ms);

function user(userName: string, slots: Partial<ReportKeySlot>[], path = '/apps/'): ReportUser {
  return {
    userName,
    arn: `arn:aws:iam::123456789012:user${path}${userName}`,
    path,
    line: 2,
    accessKeys: [1, 2].map((n) => ({ slot: n as 1 | 2, active: false, ...slots[n - 1] })),
  };
}

describe('selectUnusedKeys (credential report only)', () => {
  it('selects keys unused for longer than unusedKeyDays, never-used ones counted from creation', () => {
    // Prepare
    const users = [
      user('used-recently', [{ active: true, lastRotated: ago(400 * DAY), lastUsed: ago(2 * DAY) }]),
      user('used-long-ago', [{ active: true, lastRotated: ago(400 * DAY), lastUsed: ago(31 * DAY) }]),
      user('never-used-old', [{ active: true, lastRotated: ago(31 * DAY) }]),
      user('never-used-new', [{ active: true, lastRotated: ago(29 * DAY) }]),
      user('exactly-threshold', [{ active: true, lastRotated: ago(30 * DAY) }]),
      user('inactive-only', [{ active: false, lastRotated: ago(400 * DAY) }]),
    ];
    // Act
    const { candidates, skipped } = selectUnusedKeys(users, config, NOW, new Set());
    // Assess
    expect(candidates.map((c) => c.userName)).toEqual(['used-long-ago', 'never-used-old']);
    expect(candidates[0]!.slots[0]).toMatchObject({ slot: 1, since: ago(31 * DAY) });
    expect(candidates[1]!.slots[0]).toMatchObject({ slot: 1, since: ago(31 * DAY) });
    expect(candidates[1]!.slots[0]!.lastUsed).toBeUndefined();
    expect(skipped).toEqual([]);
  });

  it('skips protected and out-of-scope users, and users the rotation phase keeps', () => {
    const old = [{ active: true, lastRotated: ago(90 * DAY) }];
    const users = [user('break-glass', old), user('elsewhere', old, '/humans/'), user('rotating', old), user('ok', old)];
    // Act
    const { candidates, skipped } = selectUnusedKeys(users, config, NOW, new Set(['rotating']));
    // Assess
    expect(candidates.map((c) => c.userName)).toEqual(['ok']);
    expect(skipped.map((s) => [s.userName, s.code])).toEqual([
      ['break-glass', 'protected'],
      ['elsewhere', 'out-of-scope'],
    ]);
  });

  it('does nothing when unusedKeyDays is off', () => {
    const off = parseConfig({ managedUsers: { pathPrefix: '/apps/' } });
    expect(selectUnusedKeys([user('a', [{ active: true, lastRotated: ago(999 * DAY) }])], off, NOW, new Set())).toEqual({
      candidates: [],
      skipped: [],
    });
  });

  it('reads access_key_N_last_used_date from a generated report (N/A: never used)', () => {
    // Prepare
    const header =
      'user,arn,user_creation_time,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date';
    const csv = [
      header,
      'a,arn:aws:iam::123456789012:user/apps/a,2020-01-01T00:00:00+00:00,true,2024-01-01T00:00:00+00:00,N/A,true,2024-05-30T00:00:00+00:00,N/A',
      'b,arn:aws:iam::123456789012:user/apps/b,2020-01-01T00:00:00+00:00,true,2024-01-01T00:00:00+00:00,2024-05-31T00:00:00+00:00,false,N/A,N/A',
    ].join('\n');
    // Act
    const { candidates } = selectUnusedKeys(parseCredentialReport(csv).users, config, NOW, new Set());
    // Assess: a's old never-used key only (its second key is two days old); b's key was used yesterday
    expect(candidates).toEqual([
      {
        userName: 'a',
        path: '/apps/',
        activeKeys: 2,
        slots: [expect.objectContaining({ slot: 1, since: new Date('2024-01-01T00:00:00Z') })],
      },
    ]);
  });
});

const key = (accessKeyId: string, created: Date, status: 'Active' | 'Inactive' = 'Active'): AccessKeyRecord => ({
  accessKeyId,
  status,
  createDate: new Date(created.getTime() + 250).toISOString(),
});

describe('planRetirement', () => {
  it('maps the report slot to the exact key id and says whether it is the only active key', () => {
    const created = ago(40 * DAY);
    const [candidate] = selectUnusedKeys(
      [user('a', [{ active: true, lastRotated: created }])],
      config,
      NOW,
      new Set(),
    ).candidates;
    // Act
    const only = planRetirement(candidate!, [key('AKIAOLD', created)], config, NOW);
    const withOther = planRetirement(candidate!, [key('AKIAOLD', created), key('AKIANEW', ago(DAY))], config, NOW);
    const gone = planRetirement(candidate!, [key('AKIAOLD', created, 'Inactive')], config, NOW);
    // Assess
    expect(only).toEqual({
      kind: 'retire',
      retirement: {
        userName: 'a',
        accessKeyId: 'AKIAOLD',
        unusedSince: created.toISOString(),
        neverUsed: true,
        unusedDays: 40,
        onlyActiveKey: true,
      },
    });
    expect(withOther).toMatchObject({ kind: 'retire', retirement: { onlyActiveKey: false } });
    expect(gone).toMatchObject({ kind: 'skip', skipped: { code: 'key-changed-since-report' } });
  });
});

class FakeWorkflows implements WorkflowPort {
  readonly executions = new Map<string, ExecutionSummary>();
  async start(kind: WorkflowKind, name: string, input: unknown): Promise<StartResult> {
    const summary: ExecutionSummary = { kind, name, executionArn: `arn:${name}`, status: 'RUNNING', startDate: NOW, input };
    this.executions.set(name, summary);
    return { executionArn: summary.executionArn, started: true };
  }
  async describe(_kind: WorkflowKind, name: string) {
    return this.executions.get(name);
  }
  async list() {
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

describe('retireUnusedKeys (the scan phase)', () => {
  const created = ago(60 * DAY);
  const users = ['u1', 'u2', 'u3', 'tagged', 'offboarding'].map((n) => user(n, [{ active: true, lastRotated: created }]));
  const tags: Record<string, Record<string, string>> = {
    tagged: { 'iam-lifecycle:protected': 'true' },
    offboarding: { 'iam-lifecycle:offboarding': 'disabled' },
  };
  function deps(workflows = new FakeWorkflows()) {
    const calls: string[] = [];
    const iam = {
      listTags: async (u: string) => (calls.push(`tags ${u}`), tags[u] ?? {}),
      listAccessKeys: async (u: string) => (calls.push(`keys ${u}`), [key(`AKIA${u.toUpperCase()}`, created)]),
    };
    const logger = { info: () => undefined, error: () => undefined };
    return { calls, workflows, deps: { iam, workflows, config, logger: logger as never } };
  }

  it('starts retirements in retire mode under their own names, within the shared cap, skipping tagged users', async () => {
    // Prepare: one rotation already planned by the rotation phase, cap 3
    const { calls, workflows, deps: d } = deps();
    // Act
    const summary = await retireUnusedKeys(d, { users, now: NOW, dryRun: false, rotationsPlanned: 1, leaveAlone: new Set() });
    // Assess
    expect(summary!.started.map((s) => s.userName)).toEqual(['u1', 'u2']);
    expect(summary!.skipped.map((s) => [s.userName, s.code])).toEqual([
      ['u3', 'deferred'],
      ['tagged', 'protected'],
      ['offboarding', 'being-offboarded'],
    ]);
    expect(workflows.executions.get(retirementExecutionName('u1', 'AKIAU1'))?.input).toEqual({
      userName: 'u1',
      accessKeyId: 'AKIAU1',
      requestedBy: 'scan',
      trigger: 'scheduled',
      mode: 'retire',
    });
    expect(calls.filter((c) => c.startsWith('keys'))).toEqual(['keys u1', 'keys u2', 'keys u3']);
  });

  it('a dry run plans and starts nothing; a user with a running rotation is skipped', async () => {
    // Prepare
    const workflows = new FakeWorkflows();
    await workflows.start('rotation', rotationExecutionName('u2', 'AKIAOTHER'), { userName: 'u2', accessKeyId: 'AKIAOTHER' });
    const { deps: d } = deps(workflows);
    // Act
    const summary = await retireUnusedKeys(d, { users, now: NOW, dryRun: true, rotationsPlanned: 0, leaveAlone: new Set() });
    // Assess
    expect(summary!.plan.map((p) => [p.userName, p.executionName])).toEqual([
      ['u1', retirementExecutionName('u1', 'AKIAU1')],
      ['u3', retirementExecutionName('u3', 'AKIAU3')],
    ]);
    expect(summary!.skipped.find((s) => s.userName === 'u2')?.reason).toContain('still running');
    expect(workflows.executions.size).toBe(1);
    expect(formatUnusedKeys(true, summary!)[0]).toBe(
      `would retire unused u1 key AKIAU1 (never used, created ${created.toISOString()}, 60 days unused; it is the user's only active key) as ${retirementExecutionName('u1', 'AKIAU1')}`,
    );
  });

  it('leaves to the rotation phase the users it acts on or skipped for good, not those it found blocked', () => {
    const left = usersLeftToRotation({
      plan: [{ userName: 'a' }],
      alreadyRunning: [{ userName: 'b' }],
      skipped: [
        { userName: 'c', code: 'protected', reason: '' },
        { userName: 'd', code: 'key-date-unknown', reason: '' },
      ],
      failed: [{ userName: 'e' }],
    });
    expect([...left].sort()).toEqual(['a', 'b', 'c', 'e']);
  });
});
