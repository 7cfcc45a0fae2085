import { buildFleetReport, type FleetFacts } from '../../functions/report/domain';
import { ago, config, DAY, facts, listedKey, MAX, NOW, reportUser } from '../support/report-fixtures';

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
