/** The pure rules of offboarding: what counts as usable/re-enabled, restore plan, teardown order, naming, timing. */
import {
  checkOffboardingTiming,
  checkRestoreTiming,
  CONSOLE_PASSWORD_NOTE,
  DENY_POLICY_NAME,
  denyPolicyDocument,
  isDenyPolicyIntact,
  OFFBOARDING_TAG,
  offboardingExecutionName,
  offboardingTags,
  planRestore,
  planTeardown,
  recordKeys,
  restoreExecutionName,
  restoreTiming,
  scheduleObservation,
  usableCredentials,
  type CredentialState,
  type UserSnapshot,
} from '../../functions/offboarding/domain';
import { checkReason } from '../../functions/offboarding/handlers';
import { redactSecretLikeValues as redact } from '../../functions/shared/notifier';
import { failureFields } from '../../functions/shared/steps';
import { ConfigError, ValidationError } from '../../functions/shared/errors';
import type { UserInventory } from '../../functions/shared/iam-user-admin';

const DISABLED_AT = new Date('2030-01-02T03:04:05.000Z');
const DENY = denyPolicyDocument(DISABLED_AT);

function disabledState(overrides: Partial<CredentialState> = {}): CredentialState {
  return {
    accessKeys: [{ accessKeyId: 'AKIA1', status: 'Inactive' }],
    sshPublicKeys: [{ sshPublicKeyId: 'APKA1', status: 'Inactive' }],
    signingCertificates: [{ certificateId: 'CERT1', status: 'Inactive' }],
    serviceSpecificCredentials: [
      { serviceSpecificCredentialId: 'ACCA1', serviceName: 'codecommit.amazonaws.com', status: 'Inactive' },
    ],
    denyPolicyDocument: DENY,
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
    ['a missing deny policy', { denyPolicyDocument: undefined }, { kind: 'deny-policy' }],
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
  it('denies everything and, explicitly, sessions issued before the disable time', () => {
    const doc = JSON.parse(DENY) as { Statement: Record<string, unknown>[] };
    expect(doc.Statement).toEqual([
      { Sid: 'OffboardingDenyAll', Effect: 'Deny', Action: '*', Resource: '*' },
      {
        Sid: 'OffboardingRevokeEarlierSessions',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:TokenIssueTime': '2030-01-02T03:04:05.000Z' } },
      },
    ]);
    expect(isDenyPolicyIntact(DENY)).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['not JSON', 'not json'],
    [
      'weakened to one action',
      JSON.stringify({ Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }, JSON.parse(DENY).Statement[1]] }),
    ],
    ['without the session statement', JSON.stringify({ Statement: [JSON.parse(DENY).Statement[0]] })],
    ['turned into an Allow', DENY.replace(/"Deny"/g, '"Allow"')],
  ])('is not intact when %s', (_what, document) => {
    expect(isDenyPolicyIntact(document)).toBe(false);
    expect(usableCredentials(disabledState({ denyPolicyDocument: document }))).toEqual([{ kind: 'deny-policy' }]);
  });
});

describe('planRestore', () => {
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
      signingCertificates: [{ certificateId: 'CERT1', status: 'Inactive' }],
      serviceSpecificCredentials: [
        { serviceSpecificCredentialId: 'ACCA1', serviceName: 'codecommit.amazonaws.com', status: 'Active' },
      ],
    },
    { tags: { team: 'a' }, permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/boundary' },
  );
  const snapshot = snapshotOf(before);
  /** What Disable leaves behind: everything inactive, password gone, deny policy and tags on. */
  const disabled = inventory(
    {
      ...before,
      loginProfile: undefined,
      inlinePolicies: [...before.inlinePolicies, { policyName: DENY_POLICY_NAME, document: DENY }],
      accessKeys: before.accessKeys.map((k) => ({ ...k, status: 'Inactive' as const })),
      sshPublicKeys: [{ sshPublicKeyId: 'APKA1', status: 'Inactive' }],
      serviceSpecificCredentials: [
        { serviceSpecificCredentialId: 'ACCA1', serviceName: 'codecommit.amazonaws.com', status: 'Inactive' },
      ],
    },
    {
      ...before.user,
      tags: { team: 'a', ...offboardingTags('disabled', 'offboard-alice-AIDAALICE', '2030-02-01T00:00:00.000Z') },
    },
  );

  it('reactivates only what was active, then removes the deny policy and the tags', () => {
    // Act
    const plan = planRestore(snapshot, disabled);

    // Assert
    expect(plan.actions).toEqual([
      { op: 'set-status', kind: 'access-key', id: 'AKIAACTIVE', status: 'Active' },
      { op: 'set-status', kind: 'ssh-public-key', id: 'APKA1', status: 'Active' },
      { op: 'set-status', kind: 'service-specific-credential', id: 'ACCA1', status: 'Active' },
      { op: 'delete-deny-policy' },
      { op: 'untag', keys: expect.arrayContaining([OFFBOARDING_TAG]) },
    ]);
    expect(plan.notes).toEqual([{ kind: 'console-password-not-restorable', detail: CONSOLE_PASSWORD_NOTE }]);
  });

  it('puts back policies, groups, boundary and tags someone removed, and reports what it cannot restore', () => {
    // Prepare: during observation someone stripped the user and added things of their own
    const current = inventory(
      {
        ...disabled,
        groups: ['ops'],
        attachedPolicies: [{ policyArn: 'arn:aws:iam::123456789012:policy/extra', policyName: 'extra' }],
        inlinePolicies: [
          {
            policyName: 'app',
            document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
          },
        ],
        accessKeys: [
          { accessKeyId: 'AKIAIDLE', status: 'Active' },
          { accessKeyId: 'AKIANEW', status: 'Inactive' },
        ],
      },
      { ...disabled.user, tags: { team: 'b' }, permissionsBoundaryArn: undefined },
    );

    // Act
    const plan = planRestore(snapshot, current);

    // Assert
    expect(plan.actions).toEqual(
      expect.arrayContaining([
        { op: 'put-inline-policy', policyName: 'app', document: '{"Version":"2012-10-17","Statement":[]}' },
        { op: 'attach-policy', policyArn: 'arn:aws:iam::123456789012:policy/read' },
        { op: 'add-to-group', groupName: 'devs' },
        { op: 'put-permissions-boundary', policyArn: 'arn:aws:iam::123456789012:policy/boundary' },
        { op: 'set-status', kind: 'access-key', id: 'AKIAIDLE', status: 'Inactive' },
        { op: 'tag', tags: { team: 'a' } },
      ]),
    );
    expect(plan.actions).not.toContainEqual(expect.objectContaining({ op: 'delete-deny-policy' }));
    expect(plan.notes.map((n) => [n.kind, n.id])).toEqual(
      expect.arrayContaining([
        ['policy-attached-during-offboarding', 'arn:aws:iam::123456789012:policy/extra'],
        ['group-added-during-offboarding', 'ops'],
        ['credential-gone', 'AKIAACTIVE'],
        ['credential-added-during-offboarding', 'AKIANEW'],
        ['console-password-not-restorable', undefined],
      ]),
    );
  });

  it('has nothing to do when the user was never disabled and never had a password', () => {
    const plain = inventory({ accessKeys: [{ accessKeyId: 'AKIA1', status: 'Active' }] });
    expect(planRestore(snapshotOf(plain), plain)).toEqual({ actions: [], notes: [] });
  });

  it('never restores a deny policy of an earlier attempt found in the snapshot', () => {
    const earlier = inventory({ inlinePolicies: [{ policyName: DENY_POLICY_NAME, document: DENY }] });
    const plan = planRestore(snapshotOf(earlier), earlier);
    expect(plan.actions).toEqual([{ op: 'delete-deny-policy' }]);
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
        inlinePolicies: [
          { policyName: DENY_POLICY_NAME, document: DENY },
          { policyName: 'app', document: '' },
        ],
        attachedPolicies: [{ policyArn: 'arn:aws:iam::123456789012:policy/read', policyName: 'read' }],
        groups: ['devs'],
      },
      { permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/boundary' },
    );

    // Act
    const plan = planTeardown(inv, 'iam-user-lifecycle/alice');

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
      { op: 'DeleteUserPolicy', id: DENY_POLICY_NAME },
      { op: 'DeleteUserPermissionsBoundary', id: 'arn:aws:iam::123456789012:policy/boundary' },
      { op: 'DeleteSecret', id: 'iam-user-lifecycle/alice' },
      { op: 'DeleteUser' },
    ]);
  });

  it('still removes the secret and the user when nothing else is left (a resumed teardown)', () => {
    expect(planTeardown(inventory(), 's/alice')).toEqual([{ op: 'DeleteSecret', id: 's/alice' }, { op: 'DeleteUser' }]);
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

  it('validates the timing carried in the execution input', () => {
    expect(checkOffboardingTiming({ observationSeconds: 10, checkIntervalSeconds: 1 })).toEqual({
      observationSeconds: 10,
      checkIntervalSeconds: 1,
    });
    expect(() => checkOffboardingTiming({ observationSeconds: 0, checkIntervalSeconds: 1.5 })).toThrow(ConfigError);
    expect(() => checkOffboardingTiming(undefined)).toThrow(ConfigError);
    expect(() => checkRestoreTiming({ settleSeconds: -1 })).toThrow(ConfigError);
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
