import { buildFleetReport, type FleetFacts, type FindingCode, type RunningWorkflow } from '../../functions/report/domain';
import { ago, config, DAY, facts, MAX, NOW, reportUser, UNUSED } from '../support/report-fixtures';

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
