/** Selection rules of the scan's lifecycle signals (functions/scan/signals.ts) on generated report rows. */
import { parseConfig } from '../../functions/shared/config';
import {
  decideSignals,
  describeSignals,
  parseExpiry,
  readExpiry,
  readInactivity,
  reminderRung,
} from '../../functions/scan/signals';
import { ago, DAY, NOW, reportUser } from '../support/report-fixtures';

const config = parseConfig({
  managedUsers: { pathPrefix: '/apps/' },
  protectedUsers: { userNames: ['break-glass'] },
  inactiveUserDays: 90,
});
const offboardInactive = parseConfig({ ...config, inactiveUserAction: 'offboard' });
// NOW is 2024-06-01T12:00:00Z.
const expiring = (value: string) => ({ Expiry: value, Owner: 'team-payments', Purpose: 'billing export' });
const fresh = { password: { passwordEnabled: false }, keys: [{ active: true, lastRotated: ago(DAY), lastUsed: ago(DAY) }] };
const activeUser = (name: string, path = '/apps/') => reportUser(name, fresh.keys, fresh.password, path);

describe('expiry tag', () => {
  it.each([
    ['2024-06-08', '2024-06-08T00:00:00.000Z'],
    ['2024-06-08T18:30:00Z', '2024-06-08T18:30:00.000Z'],
    ['2024-06-08T18:30:00.5+02:00', '2024-06-08T16:30:00.500Z'],
  ])('reads %s as an ISO date or timestamp', (value, expected) => {
    // Act
    const parsed = parseExpiry(value);
    // Assess
    expect(parsed?.toISOString()).toBe(expected);
  });

  it.each(['2024-02-30', '08/06/2024', '2024-6-8', 'next friday', '', ' 2024-06-08', '2024-06-08T18:30:00', '2024-13-01'])(
    'finds %j malformed and never acts on it',
    (value) => {
      // Act
      const signals = decideSignals(activeUser('odd'), expiring(value), config, NOW);
      // Assess
      expect(signals?.expiry).toEqual({ kind: 'malformed', value });
      expect(signals?.actions).toEqual([]);
      expect(describeSignals(signals).action).toBe('nothing');
    },
  );

  it('counts days left to 00:00 UTC of a date-only expiry, rounding up', () => {
    // Act
    const reading = readExpiry({ Expiry: '2024-06-08' }, 'Expiry', NOW);
    // Assess: 6.5 days away -> the user is 7 days before its expiry all day long
    expect(reading).toMatchObject({ kind: 'date', daysLeft: 7 });
  });

  it('reminds on the nearest rung reached, so a missed day is sent late and overtaken rungs never', () => {
    // Assess
    expect([30, 15, 14, 10, 8, 7, 2, 1, 0, -3].map((d) => reminderRung(d, [14, 7, 1]))).toEqual([
      undefined,
      undefined,
      14,
      14,
      14,
      7,
      7,
      1,
      undefined,
      undefined,
    ]);
  });

  it('before the date: a reminder 7 days before, nothing 20 days before', () => {
    // Act
    const seven = decideSignals(activeUser('soon'), expiring('2024-06-08'), config, NOW);
    const twenty = decideSignals(activeUser('later'), expiring('2024-06-21'), config, NOW);
    // Assess
    expect(seven?.actions).toEqual([{ action: 'remind', rung: 7, reason: 'expires 2024-06-08 (in 7 days, reminder 7)' }]);
    expect(seven).toMatchObject({ owner: 'team-payments', purpose: 'billing export' });
    expect(twenty?.actions).toEqual([]);
  });

  it('on the date and after it: a staged offboarding with reason "expired <date>"', () => {
    // Act
    const on = decideSignals(activeUser('today'), expiring('2024-06-01'), config, NOW);
    const after = decideSignals(activeUser('past'), expiring('2023-12-31'), config, NOW);
    const laterToday = decideSignals(activeUser('tonight'), expiring('2024-06-01T20:00:00Z'), config, NOW);
    // Assess
    expect(on?.actions).toEqual([{ action: 'offboard', reason: 'expired 2024-06-01' }]);
    expect(after?.actions).toEqual([{ action: 'offboard', reason: 'expired 2023-12-31' }]);
    expect(laterToday?.actions).toEqual([{ action: 'remind', rung: 1, reason: expect.stringContaining('in 1 day,') }]);
  });

  it('skips protected, automation, out-of-scope and already offboarded users with a reason', () => {
    // Act
    const byName = decideSignals(activeUser('break-glass'), expiring('2023-01-01'), config, NOW);
    const byTag = decideSignals(activeUser('tagged'), { ...expiring('2023-01-01'), 'iam-lifecycle:protected': '' }, config, NOW);
    const own = decideSignals(activeUser('robot'), expiring('2023-01-01'), config, NOW, ['robot']);
    const outside = decideSignals(activeUser('human', '/people/'), expiring('2023-01-01'), config, NOW);
    const offboarding = decideSignals(
      activeUser('leaving'),
      { ...expiring('2023-01-01'), 'iam-lifecycle:offboarding': 'disabled' },
      config,
      NOW,
    );
    // Assess
    expect([byName, byTag, own, outside, offboarding].map((s) => [s?.skip?.code, s?.actions])).toEqual([
      ['protected', []],
      ['protected', []],
      ['protected', []],
      ['out-of-scope', []],
      ['being-offboarded', []],
    ]);
    expect(outside?.skip?.reason).toBe('path /people/ is outside /apps/');
  });

  it('leaves a user without expiry tag and with recent activity out entirely', () => {
    // Assess
    expect(decideSignals(activeUser('plain'), {}, config, NOW)).toBeUndefined();
  });
});

describe('inactivity from the credential report', () => {
  it('password only: the last console sign-in decides', () => {
    // Prepare
    const stale = reportUser('pw-stale', [], { passwordEnabled: true, passwordLastUsed: ago(100 * DAY) });
    const recent = reportUser('pw-recent', [], { passwordEnabled: true, passwordLastUsed: ago(10 * DAY) });
    // Act & Assess
    expect(readInactivity(stale, config, NOW)).toMatchObject({ inactive: true, idleDays: 100, lastUsedAt: ago(100 * DAY) });
    expect(readInactivity(recent, config, NOW)?.inactive).toBe(false);
  });

  it('keys only: the most recent use of either key decides', () => {
    // Prepare
    const oneRecent = reportUser(
      'keys',
      [
        { active: true, lastRotated: ago(300 * DAY), lastUsed: ago(200 * DAY) },
        { active: true, lastRotated: ago(300 * DAY), lastUsed: ago(5 * DAY) },
      ],
      { passwordEnabled: false },
    );
    const bothOld = reportUser(
      'keys-old',
      [
        { active: true, lastRotated: ago(300 * DAY), lastUsed: ago(200 * DAY) },
        { active: false, lastRotated: ago(300 * DAY), lastUsed: ago(95 * DAY) },
      ],
      { passwordEnabled: false },
    );
    // Act & Assess
    expect(readInactivity(oneRecent, config, NOW)?.inactive).toBe(false);
    expect(readInactivity(bothOld, config, NOW)).toMatchObject({ inactive: true, idleDays: 95 });
  });

  it('never used: an active key counts from its creation, a password (no_information) from its last change', () => {
    // Prepare: the report's N/A and no_information read as "no date"
    const newKey = reportUser('new-key', [{ active: true, lastRotated: ago(20 * DAY) }], { passwordEnabled: false });
    const oldKey = reportUser('old-key', [{ active: true, lastRotated: ago(120 * DAY) }], { passwordEnabled: false });
    const oldPassword = reportUser('old-pw', [], { passwordEnabled: true, passwordLastChanged: ago(91 * DAY) });
    // Act & Assess
    expect(readInactivity(newKey, config, NOW)).toMatchObject({ inactive: false, idleDays: 20 });
    expect(readInactivity(oldKey, config, NOW)).toMatchObject({ inactive: true, idleDays: 120 });
    expect(readInactivity(oldKey, config, NOW)?.lastUsedAt).toBeUndefined();
    expect(readInactivity(oldPassword, config, NOW)).toMatchObject({ inactive: true, idleDays: 91 });
  });

  it('no credential at all counts from the user creation; no password columns means unknown', () => {
    // Prepare (reportUser creates users 400 days ago)
    const bare = reportUser('bare', [], { passwordEnabled: false });
    const noColumns = reportUser('no-columns', []);
    // Act & Assess
    expect(readInactivity(bare, config, NOW)).toMatchObject({ inactive: true, idleDays: 400 });
    expect(readInactivity(noColumns, config, NOW)).toBeUndefined();
  });

  it('notifies by default, offboards with inactiveUserAction "offboard", and is off without inactiveUserDays', () => {
    // Prepare
    const idle = reportUser('idle', [{ active: true, lastRotated: ago(300 * DAY), lastUsed: ago(100 * DAY) }], {
      passwordEnabled: false,
    });
    const off = parseConfig({ managedUsers: { pathPrefix: '/apps/' } });
    // Act
    const notify = decideSignals(idle, {}, config, NOW);
    const offboard = decideSignals(idle, {}, offboardInactive, NOW);
    // Assess
    expect(notify?.actions).toEqual([{ action: 'notify-inactive', reason: 'inactive since 2024-02-22 (100 days)' }]);
    expect(offboard?.actions).toEqual([{ action: 'offboard', reason: 'inactive since 2024-02-22' }]);
    expect(decideSignals(idle, {}, off, NOW)).toBeUndefined();
  });

  it('expiry wins over inactivity: an expired inactive user is offboarded as expired', () => {
    // Prepare
    const idle = reportUser('idle', [], { passwordEnabled: true, passwordLastUsed: ago(100 * DAY) });
    // Act
    const signals = decideSignals(idle, expiring('2024-05-01'), offboardInactive, NOW);
    // Assess
    expect(signals?.actions).toEqual([{ action: 'offboard', reason: 'expired 2024-05-01' }]);
  });
});
