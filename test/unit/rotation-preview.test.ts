/** The rotation plan of `rotate --dry-run`: the same checks and timings as the real run, as data. */
import { planExitCode, formatPlan } from '../../functions/cli/preview';
import { planRotation, type RotationFacts } from '../../functions/rotation/preview';
import { parseConfig } from '../../functions/shared/config';
import type { AccessKeyRecord, IamUser } from '../../functions/shared/iam/records';

const NOW = new Date('2026-06-01T12:00:00Z');
const at = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000).toISOString();
const config = parseConfig({});
const user: IamUser = {
  userName: 'alice',
  userId: 'AIDAALICE',
  arn: 'arn:aws:iam::123456789012:user/alice',
  path: '/',
  tags: {},
};
const key = (id: string, status: 'Active' | 'Inactive' = 'Active', lastUsedHoursAgo?: number): AccessKeyRecord => ({
  accessKeyId: id,
  status,
  createDate: at(-24 * 120),
  ...(lastUsedHoursAgo !== undefined ? { lastUsedDate: at(-lastUsedHoursAgo), lastUsedService: 's3' } : {}),
});

function facts(overrides: Partial<RotationFacts> = {}): RotationFacts {
  const keys = overrides.keys ?? [key('AKIAOLD', 'Active', 1)];
  return {
    userName: 'alice',
    user,
    keys,
    rotations: Object.fromEntries(keys.map((k) => [k.accessKeyId, { nextName: `rotate-alice-${k.accessKeyId}` }])),
    running: [],
    secret: { name: 'iam-user-lifecycle/alice', exists: true, currentAccessKeyId: 'AKIAOLD' },
    ...overrides,
  };
}

describe('planRotation', () => {
  it('plans create, store, cutover, deactivate and delete of the exact key with times from the config', () => {
    // Prepare
    const input = facts();
    // Act
    const plan = planRotation(input, config, NOW);
    // Assess
    expect(plan).toMatchObject({ outcome: 'ready', executionName: 'rotate-alice-AKIAOLD' });
    expect(plan.retire).toEqual({
      accessKeyId: 'AKIAOLD',
      status: 'Active',
      createdAt: at(-24 * 120),
      ageDays: 120,
      lastUsedAt: at(-1),
      lastUsedService: 's3',
    });
    expect(plan.steps.map((s) => [s.op, s.id ?? '', s.at])).toEqual([
      ['CreateAccessKey', '', at(0)],
      ['PutSecretValue', 'iam-user-lifecycle/alice', at(0)],
      ['CheckCutover', '', at(0)],
      ['CutoverDeadline', '', at(14 * 24)],
      // last used 1 h ago, quiet period 24 h, checks every 6 h: the check at +24 h is the first to confirm
      ['UpdateAccessKey', 'AKIAOLD', at(24)],
      ['DeleteAccessKey', 'AKIAOLD', at(24 + 7 * 24)],
    ]);
    expect(plan.steps[1]!.detail).toContain('AKIAOLD becomes AWSPREVIOUS');
    expect(planExitCode(plan)).toBe(0);
  });

  it('deactivates at the first check when the old key was never used, and creates a missing secret', () => {
    // Prepare
    const input = facts({ keys: [key('AKIAOLD')], secret: { name: 'iam-user-lifecycle/alice', exists: false } });
    // Act
    const plan = planRotation(input, parseConfig({ cutoverDeadlineAction: 'deactivate' }), NOW);
    // Assess
    expect(plan.steps.find((s) => s.op === 'UpdateAccessKey')).toMatchObject({ at: at(0), earliest: false });
    expect(plan.steps.find((s) => s.id === 'iam-user-lifecycle/alice')).toMatchObject({ op: 'CreateSecret' });
    expect(plan.steps.find((s) => s.op === 'CutoverDeadline')!.detail).toContain('deactivate AKIAOLD anyway');
  });

  it('deletes an inactive second key first to make room, or is blocked when that is switched off', () => {
    // Prepare
    const input = facts({ keys: [key('AKIAOLD', 'Active', 1), key('AKIAIN', 'Inactive')] });
    // Act
    const allowed = planRotation(input, config, NOW);
    const refused = planRotation(input, parseConfig({ removeInactiveKeyToMakeRoom: false }), NOW);
    // Assess
    expect(allowed.steps[0]).toMatchObject({ op: 'DeleteAccessKey', id: 'AKIAIN' });
    expect(allowed.steps.slice(1, 2).map((s) => s.op)).toEqual(['CreateAccessKey']);
    expect(refused).toMatchObject({ outcome: 'blocked', code: 'no-room', steps: [] });
    expect(planExitCode(refused)).toBe(3);
  });

  it('refuses two active keys up front, and with --key is blocked as Prepare blocks it', () => {
    // Prepare
    const input = facts({ keys: [key('AKIAONE', 'Active', 1), key('AKIATWO', 'Active', 1)] });
    // Act
    const withoutKey = planRotation(input, config, NOW);
    const withKey = planRotation({ ...input, requestedKeyId: 'AKIAONE' }, config, NOW);
    // Assess
    expect(withoutKey).toMatchObject({ outcome: 'refused', code: 'two-active-keys', steps: [] });
    expect(withoutKey.reason).toMatch(/AKIAONE, AKIATWO/);
    expect(withKey).toMatchObject({ outcome: 'blocked', code: 'two-active-keys', steps: [] });
    expect(withKey.retire?.accessKeyId).toBe('AKIAONE');
    expect([planExitCode(withoutKey), planExitCode(withKey)]).toEqual([2, 3]);
  });

  it('deletes a key an earlier attempt created and lost, as Prepare does, instead of refusing two active keys', () => {
    // Prepare: AKIALOST was created during an ended attempt, never used and never stored
    const lost: AccessKeyRecord = { accessKeyId: 'AKIALOST', status: 'Active', createDate: at(-47) };
    const input = facts({
      requestedKeyId: 'AKIAOLD',
      keys: [key('AKIAOLD', 'Active', 1), lost],
      orphanEvidence: {
        AKIAOLD: {
          earlierAttempts: [
            { executionName: 'rotate-alice-AKIAOLD', startedAt: new Date(at(-48)), stoppedAt: new Date(at(-46)) },
          ],
          storedAccessKeyId: 'AKIAOLD',
          keyIdsInSecret: ['AKIAOLD'],
          lastUsedAt: { AKIALOST: undefined },
        },
      },
    });
    // Act
    const plan = planRotation(input, config, NOW);
    const used = planRotation(
      {
        ...input,
        keys: [key('AKIAOLD', 'Active', 1), { ...lost, lastUsedDate: at(-2) }],
        orphanEvidence: { AKIAOLD: { ...input.orphanEvidence!.AKIAOLD!, lastUsedAt: { AKIALOST: new Date(at(-2)) } } },
      },
      config,
      NOW,
    );
    // Assess
    expect(plan.outcome).toBe('ready');
    expect(plan.steps.slice(0, 2).map((s) => [s.op, s.id])).toEqual([
      ['DeleteAccessKey', 'AKIALOST'],
      ['CreateAccessKey', undefined],
    ]);
    expect(used).toMatchObject({ outcome: 'blocked', code: 'two-active-keys' });
  });

  it('plans for exactly the --key asked for, and refuses a key the user does not have or an inactive one', () => {
    // Prepare
    const input = facts({ keys: [key('AKIAOLD', 'Active', 1), key('AKIAIN', 'Inactive')] });
    // Act
    const foreign = planRotation({ ...input, requestedKeyId: 'AKIANOTHERS' }, config, NOW);
    const inactive = planRotation({ ...input, requestedKeyId: 'AKIAIN' }, config, NOW);
    const exact = planRotation({ ...input, requestedKeyId: 'AKIAOLD' }, config, NOW);
    // Assess
    expect(foreign).toMatchObject({ outcome: 'refused', code: 'key-not-found' });
    expect(foreign.reason).toBe('access key AKIANOTHERS does not belong to alice');
    expect(inactive).toMatchObject({ outcome: 'refused', code: 'key-not-active' });
    expect(exact.steps.filter((s) => s.op === 'UpdateAccessKey').map((s) => s.id)).toEqual(['AKIAOLD']);
  });

  it('refuses unknown, misspelt, protected and out-of-scope users before looking at keys', () => {
    // Prepare
    const scoped = parseConfig({ managedUsers: { pathPrefix: '/managed/' } });
    const { user: _omit, ...noUser } = facts();
    // Act
    const plans = [
      planRotation(noUser, config, NOW),
      planRotation(facts({ userName: 'Alice' }), config, NOW),
      planRotation(facts({ user: { ...user, tags: { 'iam-lifecycle:protected': 'yes' } } }), config, NOW),
      planRotation(facts(), config, NOW, ['alice']),
      planRotation(facts(), scoped, NOW),
    ];
    // Assess
    expect(plans.map((p) => [p.outcome, p.code])).toEqual([
      ['refused', 'unknown-user'],
      ['refused', 'invalid-request'],
      ['refused', 'protected-user'],
      ['refused', 'protected-user'],
      ['refused', 'out-of-scope'],
    ]);
    expect(plans.every((p) => p.steps.length === 0)).toBe(true);
  });

  it('is blocked for a user being offboarded and for a secret the stack did not create', () => {
    // Prepare
    const offboarded = facts({ user: { ...user, tags: { 'iam-lifecycle:offboarding': 'disabled' } } });
    const foreign = facts({ secret: { name: 'iam-user-lifecycle/alice', exists: true, foreignReason: 'not tagged' } });
    // Act
    const plans = [planRotation(offboarded, config, NOW), planRotation(foreign, config, NOW)];
    // Assess
    expect(plans.map((p) => [p.outcome, p.code])).toEqual([
      ['blocked', 'being-offboarded'],
      ['blocked', 'foreign-secret'],
    ]);
  });

  it('answers "already running" for the same key and refuses while another key of the user rotates', () => {
    // Prepare
    const base = facts();
    const same = { ...base, rotations: { AKIAOLD: { latest: { executionName: 'rotate-alice-AKIAOLD', status: 'RUNNING' } } } };
    const other = { ...base, running: [{ executionName: 'rotate-alice-AKIAGONE', accessKeyId: 'AKIAGONE' }] };
    // Act
    const plans = [planRotation(same, config, NOW), planRotation(other, config, NOW)];
    // Assess
    expect(plans[0]).toMatchObject({ outcome: 'already-running', executionName: 'rotate-alice-AKIAOLD', steps: [] });
    expect(plans[1]).toMatchObject({ outcome: 'refused', code: 'other-rotation-running' });
    expect(plans.map(planExitCode)).toEqual([0, 2]);
  });

  it('prints one line per step with the ids and no secret', () => {
    // Prepare
    const plan = planRotation(facts(), config, NOW);
    // Act
    const text = formatPlan(plan);
    // Assess
    expect(text.split('\n')).toEqual([
      'dry run of rotate alice: nothing was changed',
      'outcome: ready (execution rotate-alice-AKIAOLD)',
      `key to retire: AKIAOLD (Active, created ${at(-24 * 120)}, 120 days old, last used ${at(-1)} (s3))`,
      'secret: iam-user-lifecycle/alice',
      'plan:',
      ...plan.steps.map((s, i) => expect.stringContaining(`${i + 1}. `)),
    ]);
    expect(text).toContain(`earliest ${at(24)}  UpdateAccessKey AKIAOLD: deactivate AKIAOLD after confirmed cutover`);
  });
});
