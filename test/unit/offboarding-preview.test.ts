/** The offboarding plan of `offboard --dry-run`: Validate's checks, Disable's calls and the teardown order, as data. */
import { formatPlan, planExitCode } from '../../functions/cli/preview';
import { planTeardown } from '../../functions/offboarding/domain';
import { planOffboarding, type OffboardingFacts } from '../../functions/offboarding/preview';
import { parseConfig } from '../../functions/shared/config';
import type { IamUser, UserInventory } from '../../functions/shared/iam/records';

const NOW = new Date('2026-06-01T12:00:00Z');
const DENY = 'arn:aws:iam::123456789012:policy/iam-lifecycle/iam-lifecycle-offboarding-deny';
const MFA = 'arn:aws:iam::123456789012:mfa/bob-mfa';
const config = parseConfig({});
const user: IamUser = {
  userName: 'bob',
  userId: 'AIDABOB',
  arn: 'arn:aws:iam::123456789012:user/people/bob',
  path: '/people/',
  permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/boundary',
  tags: {},
};
const inventory: UserInventory = {
  user,
  groups: ['devs'],
  attachedPolicies: [{ policyArn: 'arn:aws:iam::123456789012:policy/reader', policyName: 'reader' }],
  inlinePolicies: [{ policyName: 'inline-logs', document: '' }],
  loginProfile: { passwordResetRequired: false },
  accessKeys: [
    { accessKeyId: 'AKIAONE', status: 'Active' },
    { accessKeyId: 'AKIATWO', status: 'Inactive' },
  ],
  mfaDevices: [{ serialNumber: MFA, virtual: true }],
  sshPublicKeys: [{ sshPublicKeyId: 'APKASSH', status: 'Active' }],
  signingCertificates: [{ certificateId: 'CERTONE', status: 'Active' }],
  serviceSpecificCredentials: [
    { serviceSpecificCredentialId: 'ACCASVC', serviceName: 'codecommit.amazonaws.com', status: 'Active' },
  ],
};

function facts(overrides: Partial<OffboardingFacts> = {}): OffboardingFacts {
  return {
    userName: 'bob',
    reason: 'left the company',
    user,
    inventory,
    secretExists: true,
    denyPolicyArn: DENY,
    nextExecutionName: 'offboard-bob-AIDABOB',
    ...overrides,
  };
}

describe('planOffboarding', () => {
  it('lists every credential Disable switches off, the observation, and the teardown in the delete step’s order', () => {
    // Prepare
    const input = facts();
    // Act
    const plan = planOffboarding(input, config, NOW);
    // Assess
    expect(plan).toMatchObject({
      outcome: 'ready',
      executionName: 'offboard-bob-AIDABOB',
      approval: 'none',
      denyPolicyArn: DENY,
    });
    // The deny policy goes first: it cuts off live sessions at once (disable.ts switchOff).
    expect(plan.disable).toEqual([
      { op: 'AttachUserPolicy', id: DENY },
      { op: 'DeleteLoginProfile' },
      { op: 'UpdateAccessKey', id: 'AKIAONE', status: 'Inactive' },
      { op: 'UpdateSSHPublicKey', id: 'APKASSH', status: 'Inactive' },
      { op: 'UpdateSigningCertificate', id: 'CERTONE', status: 'Inactive' },
      { op: 'UpdateServiceSpecificCredential', id: 'ACCASVC', status: 'Inactive' },
    ]);
    expect(plan.observation).toEqual({
      days: 30,
      seconds: 30 * 86400,
      checkIntervalSeconds: 86400,
      disabledAt: NOW.toISOString(),
      deleteAfter: '2026-07-01T12:00:00.000Z',
    });
    // The password is gone after Disable and the deny policy is attached: detached last of all permissions.
    expect(plan.teardown).toEqual([
      { op: 'DeleteAccessKey', id: 'AKIAONE' },
      { op: 'DeleteAccessKey', id: 'AKIATWO' },
      { op: 'DeleteSigningCertificate', id: 'CERTONE' },
      { op: 'DeleteSSHPublicKey', id: 'APKASSH' },
      { op: 'DeleteServiceSpecificCredential', id: 'ACCASVC' },
      { op: 'DeactivateMFADevice', id: MFA },
      { op: 'DeleteVirtualMFADevice', id: MFA },
      { op: 'DeleteUserPolicy', id: 'inline-logs' },
      { op: 'DetachUserPolicy', id: 'arn:aws:iam::123456789012:policy/reader' },
      { op: 'RemoveUserFromGroup', id: 'devs' },
      { op: 'DetachUserPolicy', id: DENY },
      { op: 'DeleteUserPermissionsBoundary', id: 'arn:aws:iam::123456789012:policy/boundary' },
      { op: 'DeleteSecret', id: 'iam-user-lifecycle/bob' },
      { op: 'DeleteUser' },
    ]);
    expect(plan.mfaDevices).toEqual([MFA]);
    expect(plan.steps.filter((s) => s.phase === 'delete').every((s) => s.at === '2026-07-01T12:00:00.000Z')).toBe(true);
    expect(planExitCode(plan)).toBe(0);
  });

  it('takes the teardown order from planTeardown, the function the DeleteUser step runs', () => {
    // Prepare: a user that Disable already switched off (no password, deny attached)
    const { loginProfile: _gone, ...disabled } = inventory;
    const attached = { ...disabled, attachedPolicies: [...inventory.attachedPolicies, { policyArn: DENY, policyName: 'deny' }] };
    // Act
    const plan = planOffboarding(facts({ inventory: attached }), config, NOW);
    // Assess
    expect(plan.teardown).toEqual(planTeardown(attached, 'iam-user-lifecycle/bob', DENY));
    expect(plan.disable.map((c) => c.op)).not.toContain('AttachUserPolicy');
  });

  it('refuses what the service and Validate refuse, with their reasons and exit code 2', () => {
    // Prepare
    const { user: _u, inventory: _i, ...unknown } = facts();
    // Act
    const plans = [
      planOffboarding(facts({ reason: '' }), config, NOW),
      planOffboarding(facts({ userName: 'bad user!' }), config, NOW),
      planOffboarding(facts({ observationDays: 3 }), config, NOW),
      planOffboarding(unknown, config, NOW),
      planOffboarding(facts({ user: { ...user, tags: { 'iam-lifecycle:protected': '' } } }), config, NOW),
      planOffboarding(facts(), parseConfig({ managedUsers: { pathPrefix: '/robots/' } }), NOW),
      planOffboarding(facts({ userName: 'BOB' }), config, NOW),
    ];
    // Assess
    expect(plans.map((p) => [p.outcome, p.code])).toEqual([
      ['refused', 'invalid-request'],
      ['refused', 'invalid-request'],
      ['refused', 'invalid-request'],
      ['refused', 'unknown-user'],
      ['refused', 'protected-user'],
      ['refused', 'out-of-scope'],
      ['refused', 'invalid-request'],
    ]);
    expect(plans[2]!.reason).toMatch(/observationDays must be a whole number of days from 7 to 90/);
    expect(plans.every((p) => p.steps.length === 0 && planExitCode(p) === 2)).toBe(true);
  });

  it('answers "already running" for a running offboarding and refuses while a cancel restores', () => {
    // Prepare
    const running = facts({ latest: { executionName: 'offboard-bob-AIDABOB', status: 'RUNNING' } });
    const restoring = facts({
      latest: { executionName: 'offboard-bob-AIDABOB', status: 'ABORTED' },
      restoreRunning: 'restore-x',
    });
    // Act
    const plans = [planOffboarding(running, config, NOW), planOffboarding(restoring, config, NOW)];
    // Assess
    expect(plans[0]).toMatchObject({ outcome: 'already-running', executionName: 'offboard-bob-AIDABOB', steps: [] });
    expect(plans[1]).toMatchObject({ outcome: 'refused', code: 'restore-running' });
  });

  it('says when a second principal must approve, and still shows the plan', () => {
    // Prepare
    const twoPerson = parseConfig({ offboardingApproval: 'required' });
    // Act
    const plan = planOffboarding(facts({ observationDays: 10 }), twoPerson, NOW);
    // Assess
    expect(plan).toMatchObject({ outcome: 'approval-required', approval: 'required' });
    expect(plan.observation?.deleteAfter).toBe('2026-06-11T12:00:00.000Z');
    expect(plan.teardown.at(-1)).toEqual({ op: 'DeleteUser' });
    expect(planExitCode(plan)).toBe(0);
  });

  it('prints one line per step, in order, with the ids', () => {
    // Prepare
    const plan = planOffboarding(facts(), config, NOW);
    // Act
    const lines = formatPlan(plan).split('\n');
    // Assess
    expect(lines.slice(0, 5)).toEqual([
      'dry run of offboard bob: nothing was changed',
      'outcome: ready (execution offboard-bob-AIDABOB)',
      'approval: none',
      'observation: 30 days (2592000 s), disabled at 2026-06-01T12:00:00.000Z, deleted at 2026-07-01T12:00:00.000Z',
      `deny policy: ${DENY}`,
    ]);
    const stepLines = lines.slice(lines.indexOf('plan:') + 1);
    expect(stepLines).toHaveLength(plan.steps.length);
    expect(stepLines.filter((l) => l.includes('[delete]')).map((l) => l.split('  ').at(-1)!.split(': ')[0])).toEqual(
      plan.teardown.map((t) => ('id' in t ? `${t.op} ${t.id}` : t.op)),
    );
    expect(stepLines.join('\n')).toContain(`[disable] 2026-06-01T12:00:00.000Z  UpdateAccessKey AKIAONE: deactivate access key`);
  });
});
