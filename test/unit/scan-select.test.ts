import { maxKeyAgeMs, parseConfig } from '../../functions/shared/config';
import type { AccessKeyRecord } from '../../functions/shared/iam/records';
import type { ReportKeySlot, ReportUser } from '../../functions/scan/credential-report';
import {
  checkTags,
  holdForPreviousRotation,
  planCandidate,
  selectCandidates,
  type PreviousRotation,
  type ScanCandidate,
} from '../../functions/scan/select';

const NOW = new Date('2024-06-01T12:00:00Z');
const DAY = 86_400_000;
const config = parseConfig({
  maxKeyAgeDays: 90,
  managedUsers: { pathPrefix: '/workloads/' },
  protectedUsers: { userNames: ['break-glass'] },
});
const MAX = maxKeyAgeMs(config);

function user(userName: string, slots: Partial<ReportKeySlot>[], path = '/workloads/'): ReportUser {
  return {
    userName,
    arn: `arn:aws:iam::123456789012:user${path}${userName}`,
    path,
    line: 2,
    accessKeys: [1, 2].map((n) => ({ slot: n as 1 | 2, active: false, ...slots[n - 1] })),
  };
}

const ago = (ms: number) => new Date(NOW.getTime() - ms);

describe('selectCandidates', () => {
  it('treats a key as stale only when it is older than maxKeyAgeDays (strictly)', () => {
    // Prepare
    const users = [
      user('exactly-max', [{ active: true, lastRotated: ago(MAX) }]),
      user('one-second-over', [{ active: true, lastRotated: ago(MAX + 1000) }]),
      user('young', [{ active: true, lastRotated: ago(DAY) }]),
    ];

    // Act
    const selection = selectCandidates(users, config, NOW);

    // Assess
    expect(selection.candidates.map((c) => c.userName)).toEqual(['one-second-over']);
    expect(selection.upToDate).toBe(2);
    expect(selection.scannedUsers).toBe(3);
    expect(selection.skipped).toEqual([]);
  });

  it('honours timeScale through maxKeyAgeMs', () => {
    const scaled = parseConfig({ maxKeyAgeDays: 1, timeScale: 86400 });
    const users = [user('a', [{ active: true, lastRotated: ago(1500) }]), user('b', [{ active: true, lastRotated: ago(500) }])];

    expect(selectCandidates(users, scaled, NOW).candidates.map((c) => c.userName)).toEqual(['a']);
  });

  it('ignores inactive keys, however old', () => {
    const users = [
      user('retired', [
        { active: false, lastRotated: ago(400 * DAY) },
        { active: true, lastRotated: ago(DAY) },
      ]),
    ];

    const selection = selectCandidates(users, config, NOW);

    expect(selection.candidates).toEqual([]);
    expect(selection.upToDate).toBe(1);
  });

  it('skips users outside the path prefix and users protected by name, with the reason', () => {
    const old = [{ active: true, lastRotated: ago(100 * DAY) }];
    const users = [
      user('elsewhere', old, '/other/'),
      user('near-miss', old, '/workloads-legacy/'),
      user('break-glass', old),
      user('automation', old),
      user('managed', old, '/workloads/team-a/'),
    ];

    const selection = selectCandidates(users, config, NOW, ['automation']);

    expect(selection.candidates.map((c) => c.userName)).toEqual(['managed']);
    expect(selection.skipped).toEqual([
      { userName: 'elsewhere', code: 'out-of-scope', reason: 'path /other/ is outside /workloads/' },
      { userName: 'near-miss', code: 'out-of-scope', reason: 'path /workloads-legacy/ is outside /workloads/' },
      { userName: 'break-glass', code: 'protected', reason: 'listed in protectedUsers.userNames' },
      { userName: 'automation', code: 'protected', reason: 'one of the automation’s own principals' },
    ]);
  });

  it('does not list in-scope or out-of-scope users that have nothing stale', () => {
    const users = [user('fresh-elsewhere', [{ active: true, lastRotated: ago(DAY) }], '/other/'), user('no-keys', [])];

    const selection = selectCandidates(users, config, NOW);

    expect(selection).toEqual({ scannedUsers: 2, upToDate: 2, candidates: [], skipped: [] });
  });

  it('lists both stale slots of a user with two old active keys, oldest first', () => {
    const users = [
      user('two-keys', [
        { active: true, lastRotated: ago(100 * DAY) },
        { active: true, lastRotated: ago(200 * DAY) },
      ]),
    ];

    const [candidate] = selectCandidates(users, config, NOW).candidates;

    expect(candidate?.staleSlots.map((s) => s.slot)).toEqual([2, 1]);
  });

  it('does not apply the managed-tag selector before tags are known', () => {
    const tagged = parseConfig({ managedUsers: { pathPrefix: '/', tag: { key: 'rotate', value: 'yes' } } });
    const users = [user('maybe-tagged', [{ active: true, lastRotated: ago(100 * DAY) }], '/')];

    expect(selectCandidates(users, tagged, NOW).candidates).toHaveLength(1);
  });

  it('flags an in-scope active key without a creation date for a person to check', () => {
    const users = [user('odd', [{ active: true }])];

    const selection = selectCandidates(users, config, NOW);

    expect(selection.candidates).toEqual([]);
    expect(selection.skipped).toEqual([expect.objectContaining({ userName: 'odd', code: 'key-date-unknown' })]);
  });
});

describe('checkTags', () => {
  const candidate = { userName: 'u', path: '/workloads/' };

  it('skips users carrying the protected tag, whatever its value', () => {
    expect(checkTags(candidate, { 'iam-lifecycle:protected': '' }, config)).toEqual({
      userName: 'u',
      code: 'protected',
      reason: 'tagged iam-lifecycle:protected',
    });
  });

  it('applies the managed-tag selector', () => {
    const tagged = parseConfig({ managedUsers: { pathPrefix: '/', tag: { key: 'rotate', value: 'yes' } } });
    expect(checkTags(candidate, {}, tagged)?.code).toBe('out-of-scope');
    expect(checkTags(candidate, { rotate: 'no' }, tagged)?.reason).toBe('tag rotate is not yes');
    expect(checkTags(candidate, { rotate: 'yes' }, tagged)).toBeUndefined();
  });

  it('skips users the offboarding workflow is disabling or observing', () => {
    expect(checkTags(candidate, { 'iam-lifecycle:offboarding': 'disabled' }, config)).toEqual({
      userName: 'u',
      code: 'being-offboarded',
      reason: 'being offboarded (disabled)',
    });
  });
});

describe('planCandidate', () => {
  function candidate(...createdAgo: number[]): ScanCandidate {
    return {
      userName: 'u',
      arn: 'arn:aws:iam::1:user/workloads/u',
      path: '/workloads/',
      staleSlots: createdAgo.map((ms, i) => ({ slot: (i + 1) as 1 | 2, createdAt: secondsOnly(ago(ms)), ageMs: ms })),
    };
  }
  /** The report gives creation times to the second; ListAccessKeys gives milliseconds. */
  const secondsOnly = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);
  const key = (accessKeyId: string, createdAgoMs: number, status: 'Active' | 'Inactive' = 'Active'): AccessKeyRecord => ({
    accessKeyId,
    status,
    createDate: ago(createdAgoMs).toISOString(), // exact, with milliseconds
  });

  it('maps the stale slot to the exact key id by creation time to the second', () => {
    const oldAgo = 100 * DAY + 123; // milliseconds the report does not show
    const plan = planCandidate(candidate(oldAgo), [key('AKIAOLD', oldAgo)], config, NOW);

    expect(plan).toEqual({
      kind: 'rotate',
      rotation: {
        userName: 'u',
        accessKeyId: 'AKIAOLD',
        keyCreatedAt: ago(oldAgo).toISOString(),
        keyAgeDays: 100,
      },
    });
  });

  it('makes room by removing an inactive key when the config allows it', () => {
    const keys = [key('AKIAOLD', 100 * DAY), key('AKIAOFF', 300 * DAY, 'Inactive')];

    const plan = planCandidate(candidate(100 * DAY), keys, config, NOW);

    expect(plan.kind === 'rotate' && plan.rotation.removesInactiveKeyId).toBe('AKIAOFF');
  });

  it('reports two active keys as blocked, on the oldest stale key, without choosing for the operator', () => {
    const keys = [key('AKIAONE', 100 * DAY), key('AKIATWO', 200 * DAY)];

    const plan = planCandidate(candidate(200 * DAY, 100 * DAY), keys, config, NOW);

    expect(plan).toEqual({
      kind: 'blocked',
      blocked: expect.objectContaining({ userName: 'u', accessKeyId: 'AKIATWO', code: 'two-active-keys' }),
    });
  });

  it('lets Prepare look at a second active key created while the previous attempt ran (probably a key it lost)', () => {
    // Prepare
    const keys = [key('AKIAOLD', 100 * DAY), key('AKIALOST', 2 * DAY)];
    const attempt = { executionName: 'rotate-u-AKIAOLD', startedAt: ago(2 * DAY + 5000), stoppedAt: ago(2 * DAY - 60_000) };
    const elsewhere = { ...attempt, startedAt: ago(10 * DAY), stoppedAt: ago(9 * DAY) };
    // Act
    const inside = planCandidate(candidate(100 * DAY), keys, config, NOW, [attempt]);
    const outside = planCandidate(candidate(100 * DAY), keys, config, NOW, [elsewhere]);
    // Assess
    expect(inside).toMatchObject({ kind: 'rotate', rotation: { accessKeyId: 'AKIAOLD', mayRemoveLostKeyId: 'AKIALOST' } });
    expect(outside).toMatchObject({ kind: 'blocked', blocked: { code: 'two-active-keys' } });
  });

  it('reports no room when an inactive key may not be removed', () => {
    const strict = parseConfig({ ...config, removeInactiveKeyToMakeRoom: false });
    const keys = [key('AKIAOLD', 100 * DAY), key('AKIAOFF', 300 * DAY, 'Inactive')];

    const plan = planCandidate(candidate(100 * DAY), keys, strict, NOW);

    expect(plan.kind === 'blocked' && plan.blocked.code).toBe('no-room');
  });

  it('skips a user whose stale key changed since the report (rotated, deactivated or deleted)', () => {
    const rotated = planCandidate(candidate(100 * DAY), [key('AKIANEW', DAY)], config, NOW);
    const deactivated = planCandidate(candidate(100 * DAY), [key('AKIAOLD', 100 * DAY, 'Inactive')], config, NOW);

    for (const plan of [rotated, deactivated]) {
      expect(plan).toEqual({
        kind: 'skip',
        skipped: expect.objectContaining({ userName: 'u', code: 'key-changed-since-report' }),
      });
    }
  });

  it('does not match a key created in a different second', () => {
    const plan = planCandidate(candidate(100 * DAY), [key('AKIAOTHER', 100 * DAY + 1500)], config, NOW);

    expect(plan.kind).toBe('skip');
  });
});

describe('holdForPreviousRotation (grace period of the previous rotation)', () => {
  const graceMs = config.deactivatedGracePeriodDays * DAY;
  const keys: AccessKeyRecord[] = [
    { accessKeyId: 'AKIACUR', status: 'Active', createDate: ago(100 * DAY).toISOString() },
    { accessKeyId: 'AKIAPREV', status: 'Inactive', createDate: ago(300 * DAY).toISOString() },
  ];
  const ended = (stoppedAgoMs: number): PreviousRotation => ({
    executionName: 'rotate-u-AKIAPREV',
    accessKeyId: 'AKIAPREV',
    status: 'SUCCEEDED',
    stoppedAt: ago(stoppedAgoMs),
  });

  it('holds while a rotation of another key of the user is still running', () => {
    const running: PreviousRotation = { executionName: 'rotate-u-AKIAPREV', accessKeyId: 'AKIAPREV', status: 'RUNNING' };
    expect(holdForPreviousRotation('u', 'AKIACUR', keys, [running], config, NOW)).toMatchObject({
      code: 'previous-rotation-in-grace',
      executionName: 'rotate-u-AKIAPREV',
    });
  });

  it('holds while the inactive key was deactivated by a rotation that ended less than the grace period ago', () => {
    expect(holdForPreviousRotation('u', 'AKIACUR', keys, [ended(graceMs - 1000)], config, NOW)).toMatchObject({
      code: 'previous-rotation-in-grace',
      accessKeyId: 'AKIACUR',
    });
  });

  it('does not hold once the grace period has passed, or for an inactive key no rotation deactivated', () => {
    expect(holdForPreviousRotation('u', 'AKIACUR', keys, [ended(graceMs + 1000)], config, NOW)).toBeUndefined();
    expect(holdForPreviousRotation('u', 'AKIACUR', keys, [], config, NOW)).toBeUndefined();
  });
});
