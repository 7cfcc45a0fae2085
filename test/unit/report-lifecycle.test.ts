/** The fleet report's and the dry run's lifecycle-signal columns: expiry, inactivity, what the scan does. */
import { parseCsv } from '../../functions/scan/csv';
import { parseConfig } from '../../functions/shared/config';
import { buildFleetReport } from '../../functions/report/domain';
import { formatReportCsv, formatReportTable } from '../../functions/cli/report';
import { formatSignals } from '../../functions/cli/scan';
import type { SignalsSummary } from '../../functions/scan/signals-phase';
import { ago, DAY, facts, NOW, reportUser } from '../support/report-fixtures';

const config = parseConfig({ managedUsers: { pathPrefix: '/apps/' }, inactiveUserDays: 90 });

function report(outcomes: SignalsSummary['outcomes'] = []) {
  const users = [
    reportUser('expired', [{ active: true, lastRotated: ago(10 * DAY), lastUsed: ago(DAY) }], { passwordEnabled: false }),
    reportUser('garbled', [{ active: true, lastRotated: ago(10 * DAY), lastUsed: ago(DAY) }], { passwordEnabled: false }),
    reportUser('idle', [{ active: true, lastRotated: ago(300 * DAY), lastUsed: ago(120 * DAY) }], { passwordEnabled: false }),
    reportUser('plain', [{ active: true, lastRotated: ago(10 * DAY), lastUsed: ago(DAY) }], { passwordEnabled: false }),
  ];
  const tags: Record<string, Record<string, string>> = { expired: { Expiry: '2024-05-01' }, garbled: { Expiry: 'tomorrow' } };
  const base = facts(users, {
    iamUsers: users.map((u) => ({ userName: u.userName, path: u.path, tags: tags[u.userName] ?? {} })),
  });
  const withSignals = {
    ...base,
    nextScan: { ...base.nextScan, signals: { usersWithSignals: 3, outcomes, notificationErrors: 0 } },
  };
  return buildFleetReport(withSignals, config, NOW);
}

describe('fleet report lifecycle columns', () => {
  it('shows expiry, days to expiry, malformed expiry, idle days and the action per user', () => {
    // Act
    const rows = Object.fromEntries(report().users.map((u) => [u.userName, u.lifecycle]));
    // Assess
    expect(rows.expired).toMatchObject({
      expiry: '2024-05-01',
      daysToExpiry: -31,
      action: 'offboard',
      reason: 'expired 2024-05-01',
    });
    expect(rows.garbled).toMatchObject({ expiry: 'tomorrow', expiryMalformed: true, action: 'nothing' });
    expect(rows.garbled?.reason).toContain('malformed expiry');
    expect(rows.idle).toMatchObject({
      idleDays: 120,
      inactive: true,
      action: 'notify',
      lastActivityAt: ago(120 * DAY).toISOString(),
    });
    expect(rows.plain).toMatchObject({ idleDays: 1, inactive: false, action: 'nothing' });
  });

  it("takes the action from the scan's dry run when it mentions the user (a deferred offboarding stays deferred)", () => {
    // Prepare
    const deferred = {
      userName: 'expired',
      action: 'offboard' as const,
      result: 'deferred' as const,
      reason: 'expired 2024-05-01: cap',
    };
    // Act
    const row = report([deferred]).users.find((u) => u.userName === 'expired')!;
    // Assess
    expect(row.lifecycle).toMatchObject({ action: 'offboard', reason: 'expired 2024-05-01: cap (deferred)' });
  });

  it('writes the columns to CSV and the table', () => {
    // Act
    const r = report();
    const [header, ...records] = parseCsv(formatReportCsv(r)).map((x) => x.fields);
    const table = formatReportTable(r);
    // Assess
    const field = (user: string, name: string) => records.find((f) => f[0] === user)![header!.indexOf(name)];
    expect([field('expired', 'expiry'), field('expired', 'days_to_expiry'), field('expired', 'signal_action')]).toEqual([
      '2024-05-01',
      '-31',
      'offboard',
    ]);
    expect([field('garbled', 'expiry_malformed'), field('idle', 'inactive'), field('idle', 'idle_days')]).toEqual([
      'true',
      'true',
      '120',
    ]);
    expect(table).toContain('MALFORMED "tomorrow"');
    expect(table).toContain('  idle: notify: inactive since');
  });
});

describe('scan --dry-run lines', () => {
  it('says what the scan would do per user, with the expiry, idle time and owner', () => {
    // Act
    const lines = formatSignals(
      {
        usersWithSignals: 2,
        notificationErrors: 0,
        outcomes: [
          {
            userName: 'a',
            action: 'offboard',
            result: 'planned',
            reason: 'expired 2024-05-01: would start a staged offboarding',
            expiry: '2024-05-01',
            daysLeft: -31,
            owner: 'team-a',
          },
          { userName: 'b', action: 'report', result: 'reported', reason: 'not an ISO date', expiry: 'x', expiryMalformed: true },
        ],
      },
      true,
    );
    // Assess
    expect(lines).toEqual([
      'lifecycle signals: 2 users with an expiry tag or inactive',
      'would offboard a: expired 2024-05-01: would start a staged offboarding [expiry 2024-05-01 (-31 days), owner team-a]',
      'report reported b: not an ISO date [expiry "x" MALFORMED]',
    ]);
  });
});
