import { parseConfig } from '../../functions/shared/config';
import type { AccessKeyRecord, IamUser } from '../../functions/shared/iam/records';
import type { ExecutionSummary, WorkflowKind, WorkflowPort } from '../../functions/shared/workflows';
import { buildFleetReport } from '../../functions/report/domain';
import { readFleet } from '../../functions/report/source';
import { rotationExecutionName } from '../../functions/shared/execution-names';

const NOW = new Date('2024-06-01T12:00:00Z');
const DAY = 86_400_000;
const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,mfa_active,' +
  'access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date';
const config = parseConfig({ maxKeyAgeDays: 90, maxRotationsPerScan: 2, managedUsers: { pathPrefix: '/apps/' } });

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

/** Keys by user; every key listed is also in the credential report. */
const fleet: Record<string, { keys: AccessKeyRecord[]; tags?: Record<string, string> }> = {
  oldest: { keys: [{ accessKeyId: 'AKIAOLDEST', status: 'Active', createDate: ago(300).toISOString() }] },
  older: { keys: [{ accessKeyId: 'AKIAOLDER', status: 'Active', createDate: ago(200).toISOString() }] },
  old: { keys: [{ accessKeyId: 'AKIAOLD', status: 'Active', createDate: ago(100).toISOString() }] },
  guarded: {
    keys: [{ accessKeyId: 'AKIAGUARDED', status: 'Active', createDate: ago(400).toISOString() }],
    tags: { 'iam-lifecycle:protected': 'break-glass' },
  },
  young: { keys: [{ accessKeyId: 'AKIAYOUNG', status: 'Active', createDate: ago(10).toISOString() }] },
  keyless: { keys: [] },
};

function csv(): string {
  const rows = Object.entries(fleet).map(([name, u]) => {
    const k = u.keys[0];
    const slot1 = k ? `true,${iso(new Date(k.createDate!))},N/A` : 'false,N/A,N/A';
    return `${name},arn:aws:iam::123456789012:user/apps/${name},${iso(ago(500))},false,N/A,N/A,false,${slot1},false,N/A,N/A`;
  });
  return [HEADER, ...rows].join('\n');
}

function workflowsWith(executions: ExecutionSummary[]): { port: WorkflowPort; calls: string[] } {
  const calls: string[] = [];
  const port: WorkflowPort = {
    start: async () => {
      throw new Error('the report must not start workflows');
    },
    stop: async () => {
      throw new Error('the report must not stop workflows');
    },
    describe: async (kind: WorkflowKind, name: string) => {
      calls.push(`describe ${kind} ${name}`);
      return executions.find((e) => e.kind === kind && e.name === name);
    },
    list: async (kind, options = {}) => {
      calls.push(`list ${kind}${options.runningOnly ? ' running' : ''}`);
      // ListExecutions carries no input: the user is only known after DescribeExecution.
      return executions
        .filter((e) => e.kind === kind && (!options.runningOnly || e.status === 'RUNNING'))
        .map(({ input: _input, ...rest }) => rest);
    },
    executionArn: (_kind, name) => `arn:${name}`,
    stateOutput: async () => undefined,
  };
  return { port, calls };
}

function iamFake() {
  const calls: string[] = [];
  const users: IamUser[] = Object.entries(fleet).map(([userName, u]) => ({
    userName,
    userId: `id-${userName}`,
    arn: `arn:aws:iam::123456789012:user/apps/${userName}`,
    path: '/apps/',
    tags: u.tags ?? {},
  }));
  return {
    calls,
    iam: {
      listAllUsers: async () => {
        calls.push('GetAccountAuthorizationDetails');
        return users;
      },
      listAccessKeys: async (userName: string) => {
        calls.push(`ListAccessKeys ${userName}`);
        return fleet[userName]?.keys ?? [];
      },
    },
  };
}

describe('readFleet', () => {
  it('answers the next scan with the scan’s own rules: oldest first, candidates beyond maxRotationsPerScan deferred', async () => {
    // Prepare
    const { iam, calls } = iamFake();
    const { port } = workflowsWith([]);

    // Act
    const facts = await readFleet({
      credentialReport: { fetchReport: async () => ({ csv: csv(), generatedAt: NOW, apiCalls: 2 }) },
      iam,
      workflows: port,
      kinds: ['rotation', 'offboarding'],
      config,
      now: NOW,
      automationUserNames: [],
    });
    const report = buildFleetReport(facts, config, NOW);

    // Assess
    const next = Object.fromEntries(report.users.map((u) => [u.userName, [u.nextScan.action, u.nextScan.accessKeyId]]));
    expect(next).toEqual({
      oldest: ['rotate', 'AKIAOLDEST'],
      older: ['rotate', 'AKIAOLDER'],
      old: ['deferred', 'AKIAOLD'],
      guarded: ['skip', undefined],
      young: ['nothing', undefined],
      keyless: ['nothing', undefined],
    });
    expect(report.users.find((u) => u.userName === 'old')!.nextScan.reason).toBe(
      'maxRotationsPerScan (2) reached; the next scan takes it',
    );
    // IAM: one read of every user's tags, one ListAccessKeys per user with a key, no ListUserTags.
    expect(calls.sort()).toEqual([
      'GetAccountAuthorizationDetails',
      'ListAccessKeys guarded',
      'ListAccessKeys old',
      'ListAccessKeys older',
      'ListAccessKeys oldest',
      'ListAccessKeys young',
    ]);
  });

  it('finds running workflows and their users from the execution input, listing them once for the report and the dry-run scan', async () => {
    // Prepare
    const rotation: ExecutionSummary = {
      kind: 'rotation',
      name: rotationExecutionName('oldest', 'AKIAOLDEST'),
      executionArn: 'arn:rot',
      status: 'RUNNING',
      startDate: ago(1),
      input: { userName: 'oldest', accessKeyId: 'AKIAOLDEST' },
    };
    const offboarding: ExecutionSummary = {
      kind: 'offboarding',
      name: 'off-young-1',
      executionArn: 'arn:off',
      status: 'RUNNING',
      startDate: ago(2),
      input: { userName: 'young' },
    };
    const { iam } = iamFake();
    const { port, calls } = workflowsWith([rotation, offboarding]);

    // Act
    const facts = await readFleet({
      credentialReport: { fetchReport: async () => ({ csv: csv(), apiCalls: 2 }) },
      iam,
      workflows: port,
      kinds: ['rotation', 'offboarding'],
      config,
      now: NOW,
      automationUserNames: [],
    });
    const report = buildFleetReport(facts, config, NOW);

    // Assess
    const row = (name: string) => report.users.find((u) => u.userName === name)!;
    expect(row('oldest').workflows).toEqual([
      { kind: 'rotation', executionName: rotation.name, userName: 'oldest', startedAt: ago(1).toISOString() },
    ]);
    expect(row('oldest').nextScan).toMatchObject({ action: 'already-running', executionName: rotation.name });
    expect(row('young').workflows).toEqual([
      { kind: 'offboarding', executionName: offboarding.name, userName: 'young', startedAt: ago(2).toISOString() },
    ]);
    // The running listing is made once per kind and shared with the dry-run scan.
    expect(calls.filter((c) => c === 'list rotation running')).toHaveLength(1);
    expect(calls.filter((c) => c === 'list offboarding running')).toHaveLength(1);
  });
});
