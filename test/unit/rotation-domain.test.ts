import {
  CLOCK_SKEW_ALLOWANCE_MS,
  decideCutover,
  isOrphanOfEarlierAttempt,
  keysToCheckForUse,
  planCreation,
  planFinish,
  planPreparation,
} from '../../functions/rotation/domain';
import type { RotationTiming } from '../../functions/shared/config';
import type { AccessKeyRecord } from '../../functions/shared/iam/records';

const T0 = new Date('2026-01-01T00:00:00Z');
const key = (accessKeyId: string, status: 'Active' | 'Inactive' = 'Active', createdAt = T0): AccessKeyRecord => ({
  accessKeyId,
  status,
  createDate: createdAt.toISOString(),
});
const timing: RotationTiming = {
  checkIntervalSeconds: 6 * 3600,
  quietPeriodSeconds: 24 * 3600,
  deadlineSeconds: 14 * 86400,
  gracePeriodSeconds: 7 * 86400,
  deadlineAction: 'notify',
};
const hours = (h: number) => new Date(T0.getTime() + h * 3600_000);

describe('planPreparation (key selection)', () => {
  it('is ready when the exact key is the only one', () => {
    expect(planPreparation([key('AKIAOLD')], 'AKIAOLD', true)).toEqual({ kind: 'ready' });
  });

  it('removes an inactive second key to make room when allowed', () => {
    expect(planPreparation([key('AKIAOLD'), key('AKIAIN', 'Inactive')], 'AKIAOLD', true)).toEqual({
      kind: 'ready',
      removeInactiveKeyId: 'AKIAIN',
    });
  });

  it('refuses when the inactive second key may not be removed', () => {
    const plan = planPreparation([key('AKIAOLD'), key('AKIAIN', 'Inactive')], 'AKIAOLD', false);
    expect(plan).toMatchObject({ kind: 'blocked', code: 'no-room' });
  });

  it('refuses a user with two active keys and names both', () => {
    const plan = planPreparation([key('AKIAOLD'), key('AKIAOTHER')], 'AKIAOLD', true);
    expect(plan).toMatchObject({ kind: 'blocked', code: 'two-active-keys' });
    expect(plan.kind === 'blocked' && plan.reason).toContain('AKIAOTHER');
  });

  describe('a second active key an earlier attempt lost', () => {
    const attempt1 = { executionName: 'rotate-bot-AKIAOLD', startedAt: hours(10), stoppedAt: hours(10.01) };
    const lostKey = key('AKIALOST', 'Active', new Date(hours(10).getTime() + 5000));
    const evidence = { earlierAttempts: [attempt1], storedAccessKeyId: 'AKIAOLD', lastUsedAt: {} };

    it('is removed when created inside an earlier attempt, never used and not stored', () => {
      expect(planPreparation([key('AKIAOLD'), lostKey], 'AKIAOLD', false, evidence)).toEqual({
        kind: 'ready',
        removeOrphanKeyId: 'AKIALOST',
      });
    });

    it.each([
      ['it was used', { ...evidence, lastUsedAt: { AKIALOST: hours(11) } }],
      ['it is the stored key', { ...evidence, storedAccessKeyId: 'AKIALOST' }],
      ['a version of the secret names it (AWSPREVIOUS)', { ...evidence, keyIdsInSecret: ['AKIAOLD', 'AKIALOST'] }],
      [
        'no earlier attempt ran when it was created',
        { ...evidence, earlierAttempts: [{ ...attempt1, startedAt: hours(20), stoppedAt: hours(21) }] },
      ],
      ['the earlier attempt has no stop date', { ...evidence, earlierAttempts: [{ executionName: 'x', startedAt: hours(9) }] }],
    ])('is kept (two-active-keys) when %s', (_label, facts) => {
      expect(planPreparation([key('AKIAOLD'), lostKey], 'AKIAOLD', true, facts)).toMatchObject({
        kind: 'blocked',
        code: 'two-active-keys',
      });
      expect(isOrphanOfEarlierAttempt(lostKey, facts)).toBe(false);
    });
  });

  it('refuses a key that is not the user’s, or not active', () => {
    expect(planPreparation([key('AKIAOLD')], 'AKIANOPE', true)).toMatchObject({ code: 'key-not-found' });
    expect(planPreparation([key('AKIAOLD', 'Inactive')], 'AKIAOLD', true)).toMatchObject({ code: 'key-not-active' });
  });
});

describe('planCreation (idempotent create-and-store)', () => {
  const started = hours(0);

  it('creates when only the old key exists', () => {
    expect(planCreation([key('AKIAOLD')], 'AKIAOLD', undefined, started)).toEqual({ kind: 'create' });
  });

  it('reuses a new key that an earlier attempt already stored (never a third key)', () => {
    const keys = [key('AKIAOLD'), key('AKIANEW', 'Active', hours(1))];
    expect(planCreation(keys, 'AKIAOLD', 'AKIANEW', started)).toEqual({ kind: 'already-stored', accessKeyId: 'AKIANEW' });
  });

  it('deletes a key created by this rotation but never stored, then creates again', () => {
    const keys = [key('AKIAOLD'), key('AKIALOST', 'Active', hours(1))];
    expect(planCreation(keys, 'AKIAOLD', 'AKIAOLD', started)).toEqual({
      kind: 'delete-unstored-then-create',
      accessKeyId: 'AKIALOST',
    });
  });

  it('never deletes a key older than the rotation that it did not create', () => {
    const keys = [key('AKIAOLD'), key('AKIAFOREIGN', 'Active', hours(-48))];
    expect(planCreation(keys, 'AKIAOLD', undefined, started)).toMatchObject({ kind: 'refuse' });
  });

  it('never deletes a key created during the rotation that has been used: it is reported as somebody else’s', () => {
    const keys = [key('AKIAOLD'), key('AKIAUSED', 'Active', hours(1))];
    const plan = planCreation(keys, 'AKIAOLD', 'AKIAOLD', started, { AKIAUSED: hours(2) });
    expect(plan).toMatchObject({ kind: 'refuse', foreignKeyId: 'AKIAUSED' });
  });

  it('reports a key created before the rotation began as somebody else’s (clock-skew allowance of 2 s)', () => {
    const justBefore = new Date(started.getTime() - CLOCK_SKEW_ALLOWANCE_MS);
    const tooEarly = new Date(started.getTime() - CLOCK_SKEW_ALLOWANCE_MS - 1000);
    expect(planCreation([key('AKIAOLD'), key('AKIAX', 'Active', justBefore)], 'AKIAOLD', undefined, started)).toEqual({
      kind: 'delete-unstored-then-create',
      accessKeyId: 'AKIAX',
    });
    expect(planCreation([key('AKIAOLD'), key('AKIAX', 'Active', tooEarly)], 'AKIAOLD', undefined, started)).toMatchObject({
      kind: 'refuse',
      foreignKeyId: 'AKIAX',
    });
  });

  it('asks for the use of exactly the keys it might delete', () => {
    const keys = [
      key('AKIAOLD'),
      key('AKIASTORED', 'Active', hours(1)),
      key('AKIANEW', 'Active', hours(1)),
      key('AKIAPRE', 'Active', hours(-5)),
    ];
    expect(keysToCheckForUse(keys, 'AKIAOLD', 'AKIASTORED', started)).toEqual(['AKIANEW']);
  });

  it('refuses when the key being retired vanished', () => {
    expect(planCreation([key('AKIAX')], 'AKIAOLD', undefined, started)).toMatchObject({ kind: 'refuse' });
  });
});

describe('decideCutover', () => {
  const base = { rotationStartedAt: T0, timing };

  it('confirms at once when the old key was never used', () => {
    expect(decideCutover({ ...base, now: hours(6), oldKeyUsedBefore: false, oldKeyCreatedAt: hours(-90 * 24) }).decision).toBe(
      'confirmed',
    );
  });

  it('does not trust "never used" for a key younger than the quiet period (last-used data lags)', () => {
    const young = { ...base, oldKeyUsedBefore: false, oldKeyCreatedAt: hours(-2) };
    expect(decideCutover({ ...young, now: hours(0) }).decision).toBe('waiting');
    expect(decideCutover({ ...young, now: hours(22) }).decision).toBe('confirmed');
  });

  it('waits while the old key is still in use', () => {
    const verdict = decideCutover({
      ...base,
      now: hours(12),
      oldKeyUsedBefore: true,
      oldKeyLastUsedAt: hours(11),
      newKeyLastUsedAt: hours(10),
    });
    expect(verdict).toEqual({ decision: 'waiting', reason: 'the old key is still in use' });
  });

  it('confirms when the old key was quiet for the quiet period and the new key is used', () => {
    const verdict = decideCutover({
      ...base,
      now: hours(30),
      oldKeyUsedBefore: true,
      oldKeyLastUsedAt: hours(6),
      newKeyLastUsedAt: hours(29),
    });
    expect(verdict.decision).toBe('confirmed');
  });

  it('quiet period boundary: one second short still waits', () => {
    const now = new Date(hours(30).getTime() - 1000);
    const verdict = decideCutover({
      ...base,
      now,
      oldKeyUsedBefore: true,
      oldKeyLastUsedAt: hours(6),
      newKeyLastUsedAt: hours(29),
    });
    expect(verdict.decision).toBe('waiting');
  });

  it('does not confirm a quiet old key while the new key was never used, if the old one was in use', () => {
    const verdict = decideCutover({ ...base, now: hours(72), oldKeyUsedBefore: true, oldKeyLastUsedAt: hours(-1) });
    expect(verdict).toEqual({ decision: 'waiting', reason: 'the new key has not been used yet' });
  });

  it('requires use of the new key when the old key started being used during the rotation', () => {
    const verdict = decideCutover({ ...base, now: hours(72), oldKeyUsedBefore: false, oldKeyLastUsedAt: hours(1) });
    expect(verdict.decision).toBe('waiting');
  });

  it('at the deadline under notify: escalates once, then again only after another deadline period', () => {
    const overdue = { ...base, oldKeyUsedBefore: true, oldKeyLastUsedAt: hours(-1) };
    const first = decideCutover({ ...overdue, now: hours(14 * 24) });
    const soonAfter = decideCutover({ ...overdue, now: hours(14 * 24 + 6), lastOverdueNoticeAt: hours(14 * 24) });
    const muchLater = decideCutover({ ...overdue, now: hours(28 * 24), lastOverdueNoticeAt: hours(14 * 24) });
    expect([first.decision, soonAfter.decision, muchLater.decision]).toEqual(['overdue-notify', 'waiting', 'overdue-notify']);
  });

  it('at the deadline under deactivate: proceeds', () => {
    const verdict = decideCutover({
      ...base,
      timing: { ...timing, deadlineAction: 'deactivate' },
      now: hours(14 * 24),
      oldKeyUsedBefore: true,
      oldKeyLastUsedAt: hours(14 * 24 - 1),
    });
    expect(verdict.decision).toBe('overdue-deactivate');
  });
});

describe('planFinish', () => {
  it('deletes an inactive old key, keeps a reactivated one, tolerates a deleted one', () => {
    expect(planFinish([key('AKIAOLD', 'Inactive')], 'AKIAOLD')).toEqual({ kind: 'delete' });
    expect(planFinish([key('AKIAOLD', 'Active')], 'AKIAOLD')).toEqual({ kind: 'rolled-back' });
    expect(planFinish([key('AKIANEW')], 'AKIAOLD')).toEqual({ kind: 'already-deleted' });
  });
});
