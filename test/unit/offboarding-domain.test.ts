/** The pure rules of offboarding: what counts as usable/re-enabled, restore plan, teardown order, naming, timing. */
import {
  CONSOLE_PASSWORD_NOTE,
  deactivatedIds,
  denyPolicyDocument,
  OFFBOARDING_TAG,
  offboardingExecutionName,
  offboardingTags,
  planRestore,
  planTeardown,
  recordKeys,
  refuseInputTiming,
  restoreExecutionName,
  restoreTiming,
  scheduleObservation,
  usableCredentials,
  type CredentialState,
  type UserSnapshot,
} from '../../functions/offboarding/domain';
import { checkReason } from '../../functions/offboarding/handlers';
import { checkObservationDays, offboardingTiming, parseConfig } from '../../functions/shared/config';
import { redactSecretLikeValues as redact } from '../../functions/shared/notifier';
import { failureFields } from '../../functions/shared/steps';
import { ConfigError, ValidationError } from '../../functions/shared/errors';
import type { UserInventory } from '../../functions/shared/iam/records';

const DENY_ARN = 'arn:aws:iam::123456789012:policy/iam-lifecycle/iam-lifecycle-offboarding-deny';

function disabledState(overrides: Partial<CredentialState> = {}): CredentialState {
  return {
    accessKeys: [{ accessKeyId: 'AKIA1', status: 'Inactive' }],
    sshPublicKeys: [{ sshPublicKeyId: 'APKA1', status: 'Inactive' }],
    signingCertificates: [{ certificateId: 'CERT1', status: 'Inactive' }],
    serviceSpecificCredentials: [
      { serviceSpecificCredentialId: 'ACCA1', serviceName: 'codecommit.amazonaws.com', status: 'Inactive' },
    ],
    denyPolicyAttached: true,
    ...overrides,
  };
}

function inventory(overrides: Partial<UserInventory> = {}, user: Partial<UserInventory['user']> = {}): UserInventory {
  const base = overrides.user ?? {
    userName: 'alice',
    userId: 'AIDAALICE',
    arn: 'arn:aws:iam::123456789012:user/alice',
    path: '/',
    tags: {},
  };
  return {
    groups: [],
    attachedPolicies: [],
    inlinePolicies: [],
    accessKeys: [],
    mfaDevices: [],
    sshPublicKeys: [],
    signingCertificates: [],
    serviceSpecificCredentials: [],
    ...overrides,
    user: { ...base, ...user },
  };
}

function snapshotOf(inv: UserInventory): UserSnapshot {
  return {
    ...inv,
    schemaVersion: 1,
    takenAt: '2030-01-01T00:00:00.000Z',
    executionName: 'offboard-alice-AIDAALICE',
    reason: 'left',
    requestedBy: 'test',
    secret: { name: 'iam-user-lifecycle/alice', exists: true },
  };
}

describe('usableCredentials (what Disable switches off and what counts as re-enabled)', () => {
  it('finds nothing on a fully disabled user', () => {
    expect(usableCredentials(disabledState())).toEqual([]);
  });

  it.each([
    [
      'an active access key',
      { accessKeys: [{ accessKeyId: 'AKIA1', status: 'Active' as const }] },
      { kind: 'access-key', id: 'AKIA1' },
    ],
    ['a console password', { loginProfile: { passwordResetRequired: false } }, { kind: 'login-profile' }],
    [
      'an active SSH key',
      { sshPublicKeys: [{ sshPublicKeyId: 'APKA1', status: 'Active' as const }] },
      { kind: 'ssh-public-key', id: 'APKA1' },
    ],
    [
      'an active signing certificate',
      { signingCertificates: [{ certificateId: 'CERT1', status: 'Active' as const }] },
      { kind: 'signing-certificate', id: 'CERT1' },
    ],
    [
      'an active service-specific credential',
      { serviceSpecificCredentials: [{ serviceSpecificCredentialId: 'ACCA1', serviceName: 'x', status: 'Active' as const }] },
      { kind: 'service-specific-credential', id: 'ACCA1' },
    ],
    ['a detached deny policy', { denyPolicyAttached: false }, { kind: 'deny-policy' }],
  ])('reports %s', (_what, overrides, finding) => {
    // Prepare
    const state = disabledState(overrides as Partial<CredentialState>);
    // Act
    const findings = usableCredentials(state);
    // Assert
    expect(findings).toEqual([finding]);
  });

  it('counts a key created after the snapshot like any other', () => {
    const state = disabledState({
      accessKeys: [
        { accessKeyId: 'AKIA1', status: 'Inactive' },
        { accessKeyId: 'AKIANEW', status: 'Active' },
      ],
    });
    expect(usableCredentials(state)).toEqual([{ kind: 'access-key', id: 'AKIANEW' }]);
  });
});

describe('the deny policy', () => {
  it('denies everything, unconditionally (a managed policy is static; the user is disabled)', () => {
    const doc = JSON.parse(denyPolicyDocument()) as { Statement: Record<string, unknown>[] };
    expect(doc.Statement).toEqual([{ Sid: 'OffboardingDenyAll', Effect: 'Deny', Action: '*', Resource: '*' }]);
  });
});

describe('deactivatedIds (what Disable records for a cancel to reactivate)', () => {
  it('records only ids switched from Active to Inactive, including those an earlier crashed attempt switched', () => {
    // Prepare: AKIAOLD was already Inactive; AKIACRASH was Active in the snapshot, switched by a crashed attempt
    const snapshotState = disabledState({
      accessKeys: [
        { accessKeyId: 'AKIAOLD', status: 'Inactive' },
        { accessKeyId: 'AKIACRASH', status: 'Active' },
        { accessKeyId: 'AKIANOW', status: 'Active' },
      ],
    });
    const before = disabledState({
      accessKeys: [
        { accessKeyId: 'AKIAOLD', status: 'Inactive' },
        { accessKeyId: 'AKIACRASH', status: 'Inactive' },
        { accessKeyId: 'AKIANOW', status: 'Active' },
      ],
      sshPublicKeys: [{ sshPublicKeyId: 'APKA1', status: 'Active' }],
    });
    const after = disabledState({ accessKeys: before.accessKeys.map((k) => ({ ...k, status: 'Inactive' as const })) });
    // Act
    const ids = deactivatedIds(after, before, snapshotState);
    // Assess
    expect(ids).toEqual({
      accessKeyIds: ['AKIACRASH', 'AKIANOW'],
      sshPublicKeyIds: ['APKA1'],
      signingCertificateIds: [],
      serviceSpecificCredentialIds: [],
    });
  });
});

describe('planRestore (a cancel undoes only what its offboarding did)', () => {
  const before = inventory(
    {
      groups: ['devs'],
      attachedPolicies: [{ policyArn: 'arn:aws:iam::123456789012:policy/read', policyName: 'read' }],
      inlinePolicies: [{ policyName: 'app', document: '{"Version":"2012-10-17","Statement":[]}' }],
      loginProfile: { passwordResetRequired: false },
      accessKeys: [
        { accessKeyId: 'AKIAACTIVE', status: 'Active' },
        { accessKeyId: 'AKIAIDLE', status: 'Inactive' },
      ],
      sshPublicKeys: [{ sshPublicKeyId: 'APKA1', status: 'Active' }],
    },
    { tags: { team: 'a' }, permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/boundary' },
  );
  const snapshot = snapshotOf(before);
  const deactivated = {
    accessKeyIds: ['AKIAACTIVE'],
    sshPublicKeyIds: ['APKA1'],
    signingCertificateIds: [],
    serviceSpecificCredentialIds: [],
  };
  /** What Disable leaves behind: everything inactive, password gone, deny policy and tags on; grants untouched. */
  const disabled = inventory(
    {
      ...before,
      loginProfile: undefined,
      attachedPolicies: [...before.attachedPolicies, { policyArn: DENY_ARN, policyName: 'deny' }],
      accessKeys: before.accessKeys.map((k) => ({ ...k, status: 'Inactive' as const })),
      sshPublicKeys: [{ sshPublicKeyId: 'APKA1', status: 'Inactive' }],
    },
    {
      ...before.user,
      tags: { team: 'a', ...offboardingTags('disabled', 'offboard-alice-AIDAALICE', '2030-02-01T00:00:00.000Z') },
    },
  );

  it('reactivates exactly the recorded ids, then detaches the deny policy and removes the tags', () => {
    // Act
    const plan = planRestore({ deactivated, current: disabled, denyPolicyArn: DENY_ARN, snapshot });

    // Assert
    expect(plan.actions).toEqual([
      { op: 'reactivate', kind: 'access-key', id: 'AKIAACTIVE' },
      { op: 'reactivate', kind: 'ssh-public-key', id: 'APKA1' },
      { op: 'detach-deny-policy' },
      { op: 'untag', keys: expect.arrayContaining([OFFBOARDING_TAG]) },
    ]);
    expect(plan.notes).toEqual([{ kind: 'console-password-not-restorable', detail: CONSOLE_PASSWORD_NOTE }]);
  });

  it('grants nothing back and reports, instead of reverting, what changed during observation', () => {
    // Prepare: someone stripped the user and added things of their own; a recorded key was deleted
    const current = inventory(
      {
        ...disabled,
        groups: ['ops'],
        attachedPolicies: [
          { policyArn: 'arn:aws:iam::123456789012:policy/extra', policyName: 'extra' },
          { policyArn: DENY_ARN, policyName: 'deny' },
        ],
        inlinePolicies: [
          {
            policyName: 'app',
            document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
          },
        ],
        accessKeys: [
          { accessKeyId: 'AKIAIDLE', status: 'Inactive' },
          { accessKeyId: 'AKIANEW', status: 'Inactive' },
        ],
      },
      { ...disabled.user, tags: { ...disabled.user.tags, team: 'b' }, permissionsBoundaryArn: undefined },
    );

    // Act
    const plan = planRestore({ deactivated, current, denyPolicyArn: DENY_ARN, snapshot });

    // Assert: only reactivation of a recorded id, the deny policy and the offboarding tags
    expect(plan.actions.map((a) => a.op)).toEqual(['reactivate', 'detach-deny-policy', 'untag']);
    expect(plan.notes.map((n) => [n.kind, n.id])).toEqual(
      expect.arrayContaining([
        ['credential-gone', 'AKIAACTIVE'],
        ['group-changed-during-offboarding', 'ops'],
        ['group-changed-during-offboarding', 'devs'],
        ['policy-changed-during-offboarding', 'arn:aws:iam::123456789012:policy/extra'],
        ['policy-changed-during-offboarding', 'arn:aws:iam::123456789012:policy/read'],
        ['inline-policy-changed-during-offboarding', 'app'],
        ['permissions-boundary-changed-during-offboarding', undefined],
        ['tag-changed-during-offboarding', 'team'],
        ['credential-added-during-offboarding', 'AKIANEW'],
        ['console-password-not-restorable', undefined],
      ]),
    );
  });

  it('never reactivates a credential that is not in the recorded ids, even if a snapshot says it was Active', () => {
    const plan = planRestore({
      deactivated: { accessKeyIds: [], sshPublicKeyIds: [], signingCertificateIds: [], serviceSpecificCredentialIds: [] },
      current: disabled,
      denyPolicyArn: DENY_ARN,
      snapshot,
    });
    expect(plan.actions.filter((a) => a.op === 'reactivate')).toEqual([]);
  });

  it('has nothing to do when the user was never disabled', () => {
    const plain = inventory({ accessKeys: [{ accessKeyId: 'AKIA1', status: 'Active' }] });
    const none = { accessKeyIds: [], sshPublicKeyIds: [], signingCertificateIds: [], serviceSpecificCredentialIds: [] };
    expect(planRestore({ deactivated: none, current: plain, denyPolicyArn: DENY_ARN, snapshot: snapshotOf(plain) })).toEqual({
      actions: [],
      notes: [],
    });
  });
});

describe('planTeardown', () => {
  it('removes every dependency in the order AWS requires, the deny policy after every grant, then the secret and the user', () => {
    // Prepare
    const inv = inventory(
      {
        loginProfile: { passwordResetRequired: false },
        accessKeys: [
          { accessKeyId: 'AKIA1', status: 'Inactive' },
          { accessKeyId: 'AKIA2', status: 'Inactive' },
        ],
        signingCertificates: [{ certificateId: 'CERT1', status: 'Inactive' }],
        sshPublicKeys: [{ sshPublicKeyId: 'APKA1', status: 'Inactive' }],
        serviceSpecificCredentials: [{ serviceSpecificCredentialId: 'ACCA1', serviceName: 'x', status: 'Inactive' }],
        mfaDevices: [
          { serialNumber: 'arn:aws:iam::123456789012:mfa/alice', virtual: true },
          { serialNumber: 'GAHT12345678', virtual: false },
        ],
        inlinePolicies: [{ policyName: 'app', document: '' }],
        attachedPolicies: [
          { policyArn: DENY_ARN, policyName: 'deny' },
          { policyArn: 'arn:aws:iam::123456789012:policy/read', policyName: 'read' },
        ],
        groups: ['devs'],
      },
      { permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/boundary' },
    );

    // Act
    const plan = planTeardown(inv, 'iam-user-lifecycle/alice', DENY_ARN);

    // Assert
    expect(plan).toEqual([
      { op: 'DeleteLoginProfile' },
      { op: 'DeleteAccessKey', id: 'AKIA1' },
      { op: 'DeleteAccessKey', id: 'AKIA2' },
      { op: 'DeleteSigningCertificate', id: 'CERT1' },
      { op: 'DeleteSSHPublicKey', id: 'APKA1' },
      { op: 'DeleteServiceSpecificCredential', id: 'ACCA1' },
      { op: 'DeactivateMFADevice', id: 'arn:aws:iam::123456789012:mfa/alice' },
      { op: 'DeleteVirtualMFADevice', id: 'arn:aws:iam::123456789012:mfa/alice' },
      { op: 'DeactivateMFADevice', id: 'GAHT12345678' },
      { op: 'DeleteUserPolicy', id: 'app' },
      { op: 'DetachUserPolicy', id: 'arn:aws:iam::123456789012:policy/read' },
      { op: 'RemoveUserFromGroup', id: 'devs' },
      { op: 'DetachUserPolicy', id: DENY_ARN },
      { op: 'DeleteUserPermissionsBoundary', id: 'arn:aws:iam::123456789012:policy/boundary' },
      { op: 'DeleteSecret', id: 'iam-user-lifecycle/alice' },
      { op: 'DeleteUser' },
    ]);
  });

  it('still removes the secret and the user when nothing else is left (a resumed teardown)', () => {
    expect(planTeardown(inventory(), 's/alice', DENY_ARN)).toEqual([{ op: 'DeleteSecret', id: 's/alice' }, { op: 'DeleteUser' }]);
  });
});

describe('naming', () => {
  it('names one execution per user incarnation and attempt, deterministically and within Step Functions limits', () => {
    const first = offboardingExecutionName('alice', 'AIDAALICE');
    expect(first).toBe('offboard-alice-AIDAALICE');
    expect(offboardingExecutionName('alice', 'AIDAALICE', 1)).toBe(first);
    expect(offboardingExecutionName('alice', 'AIDAALICE', 2)).toBe('offboard-alice-AIDAALICE-2');
    expect(offboardingExecutionName('alice', 'AIDAREBORN')).not.toBe(first);
    expect(restoreExecutionName(first)).toBe('restore-offboard-alice-AIDAALICE');
    expect(restoreExecutionName(first, 2)).not.toBe(restoreExecutionName(first));
  });

  it('maps any IAM user name to a valid name, and different users to different names', () => {
    const long = 'a.very+long=user,name@example.com-'.padEnd(64, 'x');
    const a = offboardingExecutionName(long, 'AIDAAAAAAAAAAAAAAAAAA', 12);
    const b = offboardingExecutionName(long.replace(/x$/, 'y'), 'AIDAAAAAAAAAAAAAAAAAA', 12);
    for (const name of [a, b, restoreExecutionName(a)]) {
      expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    }
    expect(a).not.toBe(b);
    expect(offboardingExecutionName(long, 'AIDAAAAAAAAAAAAAAAAAA', 12)).toBe(a);
  });

  it('keeps records of one execution together under the user', () => {
    expect(recordKeys('alice', 'offboard-alice-AIDAALICE')).toEqual({
      prefix: 'offboarding/alice/offboard-alice-AIDAALICE/',
      snapshot: 'offboarding/alice/offboard-alice-AIDAALICE/snapshot.json',
      status: 'offboarding/alice/offboard-alice-AIDAALICE/status.json',
      decision: 'offboarding/alice/offboard-alice-AIDAALICE/decision.json',
      teardownPlan: 'offboarding/alice/offboard-alice-AIDAALICE/teardown-plan.json',
      finalRecord: 'offboarding/alice/offboard-alice-AIDAALICE/final-record.json',
    });
  });
});

describe('timing', () => {
  it('checks every interval and deletes exactly at deleteAfter', () => {
    const deleteAfter = new Date('2030-01-31T00:00:00.000Z');
    expect(scheduleObservation(new Date('2030-01-01T00:00:00.000Z'), deleteAfter, 86400)).toEqual({
      due: false,
      nextCheckInSeconds: 86400,
    });
    expect(scheduleObservation(new Date('2030-01-30T23:59:30.000Z'), deleteAfter, 86400)).toEqual({
      due: false,
      nextCheckInSeconds: 30,
    });
    expect(scheduleObservation(new Date('2030-01-30T23:59:59.900Z'), deleteAfter, 86400)).toEqual({
      due: false,
      nextCheckInSeconds: 1,
    });
    expect(scheduleObservation(deleteAfter, deleteAfter, 86400)).toEqual({ due: true, nextCheckInSeconds: 0 });
  });

  it('refuses timing carried in the execution input: durations come from the deployed config', () => {
    expect(() => refuseInputTiming({ action: 'offboard', timing: { observationSeconds: 1, checkIntervalSeconds: 1 } })).toThrow(
      ValidationError,
    );
    expect(() => refuseInputTiming({ action: 'offboard', userName: 'alice' })).not.toThrow();
  });

  it('accepts only whole observation days within the configured bounds', () => {
    // Prepare
    const config = parseConfig({ offboardingObservationDays: { default: 30, min: 7, max: 90 } });
    // Act + Assess
    expect(checkObservationDays(config, undefined)).toBe(30);
    expect(checkObservationDays(config, 7)).toBe(7);
    for (const bad of [0.01, 6, 91, 7.5, '10', Number.NaN]) {
      expect(() => checkObservationDays(config, bad)).toThrow(/whole number of days from 7 to 90/);
    }
    expect(offboardingTiming(config, 7).observationSeconds).toBe(7 * 86400);
    expect(() => offboardingTiming(config, 1)).toThrow(ValidationError);
  });

  it('validates the observation bounds in the config', () => {
    expect(parseConfig({}).offboardingObservationDays).toEqual({ default: 30, min: 7, max: 90 });
    expect(parseConfig({ offboardingObservationDays: 3 }).offboardingObservationDays).toEqual({ default: 3, min: 3, max: 90 });
    expect(parseConfig({ offboardingObservationDays: 120 }).offboardingObservationDays).toEqual({
      default: 120,
      min: 7,
      max: 120,
    });
    for (const bad of [
      0.5,
      0,
      400,
      { default: 5, min: 7, max: 90 },
      { default: 30, min: 40, max: 90 },
      { default: 30, max: 361 },
    ]) {
      expect(() => parseConfig({ offboardingObservationDays: bad })).toThrow(ConfigError);
    }
    expect(parseConfig({}).finalRecordRetentionDays).toBe(365);
    expect(() => parseConfig({ finalRecordRetentionDays: 1.5 })).toThrow(ConfigError);
  });

  it('waits out the longest changing step before restoring, scaled for local runs', () => {
    expect(restoreTiming(1)).toEqual({ settleSeconds: 120 });
    expect(restoreTiming(86400)).toEqual({ settleSeconds: 1 });
  });
});

describe('what reaches notifications', () => {
  it('refuses reasons that are empty, too long or look like a secret', () => {
    expect(checkReason('  left the company ')).toBe('left the company');
    expect(() => checkReason('')).toThrow(ValidationError);
    expect(() => checkReason('x'.repeat(1001))).toThrow(ValidationError);
    expect(() => checkReason('key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY oops')).toThrow(/looks like a secret/);
  });

  it('redacts secret-looking values from error messages', () => {
    const fields = failureFields({
      Error: 'Boom',
      Cause: JSON.stringify({ errorMessage: 'failed with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY inside' }),
    });
    expect(fields).toEqual({ errorName: 'Boom', errorMessage: 'failed with [REDACTED] inside' });
    expect(redact('AKIAIOSFODNN7EXAMPLE is an id, not a secret')).toBe('AKIAIOSFODNN7EXAMPLE is an id, not a secret');
  });
});
