import { maxKeyAgeMs, parseConfig } from '../../functions/shared/config';
import type { AccessKeyRecord } from '../../functions/shared/iam/records';
import type { ReportConsole, ReportKeySlot, ReportUser } from '../../functions/scan/credential-report';
import {
  buildFleetReport,
  unusedLimitMs,
  type FleetFacts,
  type FindingCode,
  type RunningWorkflow,
} from '../../functions/report/domain';

const NOW = new Date('2024-06-01T12:00:00Z');
const DAY = 86_400_000;
const config = parseConfig({
  maxKeyAgeDays: 90,
  reportUnusedCredentialDays: 30,
  maxRotationsPerScan: 2,
  managedUsers: { pathPrefix: '/apps/' },
  protectedUsers: { userNames: ['break-glass'] },
});
const MAX = maxKeyAgeMs(config);
const UNUSED = unusedLimitMs(config);
const ago = (ms: number) => new Date(NOW.getTime() - ms);

function reportUser(
  userName: string,
  slots: Partial<ReportKeySlot>[],
  consoleFacts?: ReportConsole,
  path = '/apps/',
): ReportUser {
  return {
    userName,
    arn: `arn:aws:iam::123456789012:user${path}${userName}`,
    path,
    line: 2,
    createdAt: ago(400 * DAY),
    accessKeys: [1, 2].map((n) => ({ slot: n as 1 | 2, active: false, ...slots[n - 1] })),
    ...(consoleFacts ? { console: consoleFacts } : {}),
  };
}

const listedKey = (accessKeyId: string, created: Date, status: 'Active' | 'Inactive' = 'Active'): AccessKeyRecord => ({
  accessKeyId,
  status,
  createDate: created.toISOString(),
});

function facts(users: ReportUser[], more: Partial<FleetFacts> = {}): FleetFacts {
  return {
    reportUsers: users,
    reportProblems: [],
    iamUsers: users.map((u) => ({ userName: u.userName, path: u.path, tags: {} })),
    accessKeys: new Map(),
    running: [],
    nextScan: { plan: [], alreadyRunning: [], blocked: [], skipped: [], failed: [] },
    automationUserNames: [],
    ...more,
  };
}

const codesOf = (facts: FleetFacts, userName: string): FindingCode[] =>
  buildFleetReport(facts, config, NOW)
    .users.find((u) => u.userName === userName)!
    .findings.map((f) => f.code);

describe('fleet report findings', () => {
  it('flags an active key older than maxKeyAgeDays, strictly: exactly maxKeyAgeDays is not flagged', () => {
    // Prepare: used yesterday, so only the age matters
    const used = ago(DAY);
    const users = [
      reportUser('exactly', [{ active: true, lastRotated: ago(MAX), lastUsed: used }]),
      reportUser('one-second-over', [{ active: true, lastRotated: ago(MAX + 1000), lastUsed: used }]),
      reportUser('inactive-old', [{ active: false, lastRotated: ago(MAX * 3), lastUsed: used }]),
    ];

    // Act
    const report = buildFleetReport(facts(users), config, NOW);

    // Assess
    const codes = Object.fromEntries(report.users.map((u) => [u.userName, u.findings.map((f) => f.code)]));
    expect(codes).toEqual({ exactly: [], 'one-second-over': ['key-older-than-max-age'], 'inactive-old': [] });
    expect(report.summary.findings['key-older-than-max-age']).toBe(1);
  });

  it('counts a never-used key from its creation and a used key from its last use, strictly', () => {
    // Prepare
    const users = [
      reportUser('never-used-young', [{ active: true, lastRotated: ago(UNUSED) }]),
      reportUser('never-used-old', [{ active: true, lastRotated: ago(UNUSED + 1000) }]),
      reportUser('used-long-ago', [{ active: true, lastRotated: ago(UNUSED * 2), lastUsed: ago(UNUSED + 1000) }]),
      reportUser('used-recently', [{ active: true, lastRotated: ago(UNUSED * 2), lastUsed: ago(UNUSED - 1000) }]),
      reportUser('inactive-unused', [{ active: false, lastRotated: ago(UNUSED * 2) }]),
    ];

    // Act
    const report = buildFleetReport(facts(users), config, NOW);

    // Assess
    const unused = report.users.filter((u) => u.findings.some((f) => f.code === 'unused-access-key')).map((u) => u.userName);
    expect(unused).toEqual(['never-used-old', 'used-long-ago']);
    const detail = report.users.find((u) => u.userName === 'never-used-old')!.findings[0]!.detail;
    expect(detail).toContain('never used in its 30 days');
  });

  it('flags an enabled console password unused too long, from its last change when never used', () => {
    // Prepare
    const users = [
      reportUser('never-signed-in', [], { passwordEnabled: true, passwordLastChanged: ago(UNUSED + 1000), mfaActive: true }),
      reportUser('signed-in-lately', [], {
        passwordEnabled: true,
        passwordLastChanged: ago(UNUSED * 3),
        passwordLastUsed: ago(DAY),
        mfaActive: true,
      }),
      reportUser('no-password', [], { passwordEnabled: false, mfaActive: false }),
    ];

    // Act / Assess
    expect(codesOf(facts(users), 'never-signed-in')).toEqual(['unused-password']);
    expect(codesOf(facts(users), 'signed-in-lately')).toEqual([]);
    expect(codesOf(facts(users), 'no-password')).toEqual([]);
  });

  it('flags console users without MFA, and only them', () => {
    // Prepare
    const recent = { passwordLastUsed: ago(DAY), passwordLastChanged: ago(DAY) };
    const users = [
      reportUser('console-no-mfa', [], { passwordEnabled: true, mfaActive: false, ...recent }),
      reportUser('console-mfa', [], { passwordEnabled: true, mfaActive: true, ...recent }),
      reportUser('api-only-no-mfa', [], { passwordEnabled: false, mfaActive: false }),
    ];

    // Act
    const report = buildFleetReport(facts(users), config, NOW);

    // Assess
    expect(report.users.map((u) => [u.userName, u.findings.map((f) => f.code)])).toEqual([
      ['api-only-no-mfa', []],
      ['console-mfa', []],
      ['console-no-mfa', ['console-without-mfa']],
    ]);
    expect(report.summary.findings['console-without-mfa']).toBe(1);
    expect(report.summary.usersWithFindings).toBe(1);
  });

  it('flags two active keys and names a running rotation that explains them', () => {
    // Prepare
    const fresh = { active: true, lastRotated: ago(DAY), lastUsed: ago(DAY) };
    const users = [reportUser('two', [fresh, fresh]), reportUser('rotating', [fresh, fresh])];
    const running: RunningWorkflow[] = [
      { kind: 'rotation', executionName: 'rot-rotating-1', userName: 'rotating', startedAt: NOW.toISOString() },
    ];

    // Act
    const report = buildFleetReport(facts(users, { running }), config, NOW);

    // Assess
    const two = report.users.find((u) => u.userName === 'two')!;
    const rotating = report.users.find((u) => u.userName === 'rotating')!;
    expect(two.findings.map((f) => f.code)).toEqual(['two-active-keys']);
    expect(rotating.findings[0]!.detail).toContain('rotation rot-rotating-1 is running');
    expect(rotating.workflows).toEqual(running);
    expect(two.workflows).toEqual([]);
  });
});

describe('fleet report rows', () => {
  it('gives each report slot its key id by creation second, and lists a key created after the report', () => {
    // Prepare: IAM reports creation to the second in the credential report, exactly in ListAccessKeys
    const created = new Date('2024-01-01T00:00:00.000Z');
    const user = reportUser('alice', [{ active: true, lastRotated: created, lastUsed: ago(DAY) }]);
    const accessKeys = new Map([
      ['alice', [listedKey('AKIANEWER', ago(1000)), listedKey('AKIAOLDER', new Date('2024-01-01T00:00:00.700Z'))]],
    ]);

    // Act
    const row = buildFleetReport(facts([user], { accessKeys }), config, NOW).users[0]!;

    // Assess
    expect(row.keys).toEqual([
      {
        slot: 1,
        accessKeyId: 'AKIAOLDER',
        status: 'Active',
        createdAt: created.toISOString(),
        ageDays: 152.5,
        lastUsedAt: ago(DAY).toISOString(),
      },
      { accessKeyId: 'AKIANEWER', status: 'Active', createdAt: ago(1000).toISOString(), ageDays: 0 },
    ]);
    expect(row.findings.map((f) => f.code)).toEqual(['key-older-than-max-age', 'two-active-keys']);
  });

  it('says why a user is not managed, with the scan’s scope rules and the full tags', () => {
    // Prepare
    const users = [
      reportUser('break-glass', []),
      reportUser('tagged', []),
      reportUser('elsewhere', [], undefined, '/people/'),
      reportUser('scan-bot', []),
      reportUser('worker', []),
    ];
    const iamUsers = users.map((u) => ({
      userName: u.userName,
      path: u.path,
      tags: (u.userName === 'tagged' ? { 'iam-lifecycle:protected': 'yes' } : {}) as Record<string, string>,
    }));

    // Act
    const report = buildFleetReport(facts(users, { iamUsers, automationUserNames: ['scan-bot'] }), config, NOW);

    // Assess
    expect(report.users.map((u) => [u.userName, u.scope, u.scopeReason])).toEqual([
      ['break-glass', 'protected', 'listed in protectedUsers.userNames'],
      ['elsewhere', 'out-of-scope', 'path /people/ is outside /apps/'],
      ['scan-bot', 'protected', 'one of the automation’s own principals'],
      ['tagged', 'protected', 'tagged iam-lifecycle:protected'],
      ['worker', 'managed', undefined],
    ]);
    expect(report.summary).toMatchObject({ users: 5, managed: 1, protected: 3, outOfScope: 1 });
  });

  it('files the scan’s dry-run answer per user, deferred candidates included', () => {
    // Prepare
    const users = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => reportUser(n, []));
    const nextScan: FleetFacts['nextScan'] = {
      plan: [
        {
          userName: 'a',
          accessKeyId: 'AKIAA',
          keyCreatedAt: ago(MAX * 2).toISOString(),
          keyAgeDays: 180,
          executionName: 'rot-a-AKIAA',
        },
      ],
      alreadyRunning: [{ userName: 'b', accessKeyId: 'AKIAB', executionName: 'rot-b-AKIAB' }],
      blocked: [{ userName: 'c', accessKeyId: 'AKIAC', code: 'two-active-keys', reason: 'two active keys' }],
      skipped: [
        {
          userName: 'd',
          accessKeyId: 'AKIAD',
          code: 'deferred',
          reason: 'maxRotationsPerScan (2) reached; the next scan takes it',
        },
        { userName: 'e', code: 'protected', reason: 'tagged iam-lifecycle:protected' },
      ],
      failed: [],
    };

    // Act
    const report = buildFleetReport(facts(users, { nextScan }), config, NOW);

    // Assess
    expect(report.users.map((u) => [u.userName, u.nextScan.action, u.nextScan.accessKeyId])).toEqual([
      ['a', 'rotate', 'AKIAA'],
      ['b', 'already-running', 'AKIAB'],
      ['c', 'blocked', 'AKIAC'],
      ['d', 'deferred', 'AKIAD'],
      ['e', 'skip', undefined],
      ['f', 'nothing', undefined],
    ]);
    expect(report.users[4]!.nextScan.code).toBe('protected');
    expect(report.summary.nextScan).toEqual({
      rotate: 1,
      deferred: 1,
      blocked: 1,
      'already-running': 1,
      skip: 1,
      failed: 0,
      nothing: 1,
    });
  });

  it('gives a skipped user the full scope reason, so the scope and next-scan columns agree', () => {
    // Prepare: the scan's first stage has no tags, so it skips this user for its path alone
    const users = [reportUser('guard', [], undefined, '/admins/')];
    const iamUsers = [{ userName: 'guard', path: '/admins/', tags: { 'iam-lifecycle:protected': 'yes' } }];
    const nextScan: FleetFacts['nextScan'] = {
      plan: [],
      alreadyRunning: [],
      blocked: [],
      skipped: [{ userName: 'guard', code: 'out-of-scope', reason: 'path /admins/ is outside /apps/' }],
      failed: [],
    };

    // Act
    const row = buildFleetReport(facts(users, { iamUsers, nextScan }), config, NOW).users[0]!;

    // Assess
    expect(row.scope).toBe('protected');
    expect(row.nextScan).toEqual({ action: 'skip', code: 'protected', reason: 'tagged iam-lifecycle:protected' });
  });

  it('names users IAM lists that the credential report does not have yet', () => {
    // Prepare
    const users = [reportUser('old-timer', [])];
    const iamUsers = [
      { userName: 'old-timer', path: '/apps/', tags: {} },
      { userName: 'newcomer', path: '/apps/', tags: {} },
    ];

    // Act
    const report = buildFleetReport(facts(users, { iamUsers }), config, NOW);

    // Assess
    expect(report.notInCredentialReport).toEqual(['newcomer']);
    expect(report.users.map((u) => u.userName)).toEqual(['old-timer']);
  });
});
