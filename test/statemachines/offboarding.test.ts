/**
 * Runs statemachines/offboarding.asl.json in-process (LocalWorkflows) with the real handlers against
 * the test run's moto server, through every path: happy path, refusals, re-enable during
 * observation, cancel and restore, cancel refused once deletion began, and a crash mid-teardown.
 *
 * Time: parseConfig({ timeScale: 86400 * 15 }) makes the 30-day observation last 2 s and the
 * check interval 1 s; `observationDays` stretches it where a test must act during observation.
 */
import {
  AttachUserPolicyCommand,
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  DeleteUserCommand,
  DetachUserPolicyCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListServiceSpecificCredentialsCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  UpdateSSHPublicKeyCommand,
  UploadSSHPublicKeyCommand,
  type IAMClient,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { OFFBOARDING_TAG_KEYS, recordKeys, type UserSnapshot } from '../../functions/offboarding/domain';
import { type FinalRecord, type OffboardingState } from '../../functions/offboarding/handlers';
import { offboardingExecutionName, restoreExecutionName } from '../../functions/offboarding/domain';
import { ensureLocalDenyPolicy, MotoIamGaps } from '../../functions/offboarding/local';
import { cancelOffboarding, offboardingStatus, startOffboarding } from '../../functions/offboarding/service';
import { parseConfig, secretNameFor, type LifecycleConfig } from '../../functions/shared/config';
import {
  OutOfScopeError,
  ProtectedUserError,
  UserNotFoundError,
  ValidationError,
  WorkflowConflictError,
} from '../../functions/shared/errors';
import { containsSecretLikeValue, type Notification } from '../../functions/shared/notifier';
import { SecretStore } from '../../functions/shared/secret-store';
import { exists, sshRsaPublicKey, waitFor } from '../support/iam-fixtures';
import { testClients, uniqueName } from '../support/aws';
import { offboardingHarness, type OffboardingHarness, type RecordedCall } from '../support/offboarding-harness';

jest.setTimeout(90_000);

// 30-day observation = 2 s, check interval = 1 s; a request may ask for 7-150 days (0.5-10 s).
const FAST = { timeScale: 86400 * 15, offboardingObservationDays: { default: 30, min: 7, max: 150 } };
const gaps = new MotoIamGaps();
let bucket: string;
let denyPolicyArn: string;

type Call = RecordedCall;
type Harness = OffboardingHarness;

function harness(
  options: { config?: LifecycleConfig; automationUserNames?: string[]; retryIntervalOverrides?: Record<string, number> } = {},
): Harness {
  return offboardingHarness({ ...options, bucket, denyPolicyArn, config: options.config ?? parseConfig(FAST), gaps });
}

const APP_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::example-bucket/*' }],
});

interface TestUser {
  readonly userName: string;
  readonly activeKeyId: string;
  readonly inactiveKeyId: string;
  readonly secretAccessKey: string;
  readonly policyArn: string;
  readonly groupName: string;
}

/** A user with a console password, an active and an inactive key, policies, a group and a tag. */
async function createUser(
  h: Harness,
  prefix: string,
  extra: { path?: string; tags?: Record<string, string>; storeSecret?: boolean } = {},
): Promise<TestUser> {
  const iam = h.clients.iam;
  const userName = uniqueName(prefix);
  const tags = { team: 'payments', ...(extra.tags ?? {}) };
  await iam.send(
    new CreateUserCommand({
      UserName: userName,
      Path: extra.path ?? '/staff/',
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: 'Correct-Horse-9!' }));
  const active = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  const inactive = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  await iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: inactive.AccessKeyId!, Status: 'Inactive' }));
  await iam.send(new PutUserPolicyCommand({ UserName: userName, PolicyName: 'app-inline', PolicyDocument: APP_POLICY }));
  const policy = await iam.send(new CreatePolicyCommand({ PolicyName: `${userName}-managed`, PolicyDocument: APP_POLICY }));
  await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: policy.Policy!.Arn! }));
  const groupName = `${userName}-group`;
  await iam.send(new CreateGroupCommand({ GroupName: groupName }));
  await iam.send(new AddUserToGroupCommand({ UserName: userName, GroupName: groupName }));
  if (extra.storeSecret) {
    await new SecretStore(h.clients.secrets).storeKey(
      secretNameFor(h.config, userName),
      userName,
      { accessKeyId: active.AccessKeyId!, secretAccessKey: active.SecretAccessKey!, createdAt: active.CreateDate! },
      'token-'.padEnd(40, 'x'),
    );
  }
  return {
    userName,
    activeKeyId: active.AccessKeyId!,
    inactiveKeyId: inactive.AccessKeyId!,
    secretAccessKey: active.SecretAccessKey!,
    policyArn: policy.Policy!.Arn!,
    groupName,
  };
}

function sentFor(h: Harness, userName: string): Notification[] {
  return h.notifications.sent.filter((n) => n.userName === userName);
}

/** The IAM calls for one user, from call number `from` on (to leave out the test's own set-up). */
function callsFor(h: Harness, userName: string, from = 0): Call[] {
  return h.calls.slice(from).filter((c) => c.userName === userName);
}

async function keyStatuses(iam: IAMClient, userName: string): Promise<Record<string, string>> {
  const out = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
  return Object.fromEntries((out.AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId!, k.Status!]));
}

async function inlinePolicy(iam: IAMClient, userName: string, name: string): Promise<string | undefined> {
  try {
    const out = await iam.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: name }));
    return decodeURIComponent(out.PolicyDocument ?? '');
  } catch (error) {
    if ((error as Error).name === 'NoSuchEntityException') return undefined;
    throw error;
  }
}

async function attachedPolicies(iam: IAMClient, userName: string): Promise<string[]> {
  const out = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }));
  return (out.AttachedPolicies ?? []).map((p) => p.PolicyArn!);
}

async function tagsOf(iam: IAMClient, userName: string): Promise<Record<string, string>> {
  const out = await iam.send(new ListUserTagsCommand({ UserName: userName }));
  return Object.fromEntries((out.Tags ?? []).map((t) => [t.Key!, t.Value!]));
}

function expectNoSecrets(h: Harness, secret: string): void {
  const everything = JSON.stringify([h.notifications.sent, h.workflows.allHistories()]);
  expect(everything).not.toContain(secret);
  expect(containsSecretLikeValue(everything)).toBe(false);
}

beforeAll(async () => {
  bucket = uniqueName('offboarding-sm');
  await testClients().s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  denyPolicyArn = await ensureLocalDenyPolicy(testClients().iam);
});

describe('offboarding state machine', () => {
  it('offboards a user end to end: snapshot, disable, observe, then delete every dependency before the user', async () => {
    // Prepare
    const h = harness();
    const user = await createUser(h, 'offb-happy', { storeSecret: true });
    const mark = h.calls.length;

    // Act
    const started = await startOffboarding(h.service, {
      userName: user.userName,
      reason: 'left the company',
      requestedBy: 'test',
    });
    const again = await startOffboarding(h.service, { userName: user.userName, reason: 'asked twice', requestedBy: 'test' });
    const different = startOffboarding(h.service, { userName: user.userName, reason: 'shorter please', observationDays: 7 });
    await expect(different).rejects.toBeInstanceOf(WorkflowConflictError);
    const result = await h.workflows.wait('offboarding', started.executionName);
    const status = await offboardingStatus(h.service, user.userName);

    // Assert: one execution, succeeded
    expect(started.started).toBe(true);
    expect(again).toMatchObject({ started: false, executionName: started.executionName });
    expect(result.status).toBe('SUCCEEDED');
    expect(sentFor(h, user.userName).map((n) => n.type)).toEqual([
      'offboarding.started',
      'offboarding.disabled',
      'offboarding.completed',
    ]);

    // the snapshot was stored before anything changed, with everything the user had
    const keys = recordKeys(user.userName, started.executionName);
    const snapshot = await h.records.get<UserSnapshot>(keys.snapshot);
    expect(snapshot).toBeDefined();
    expect(snapshot!.user).toMatchObject({ userName: user.userName, path: '/staff/', tags: { team: 'payments' } });
    expect(snapshot!.loginProfile).toBeDefined();
    expect(snapshot!.groups).toEqual([user.groupName]);
    expect(snapshot!.attachedPolicies.map((p) => p.policyArn)).toEqual([user.policyArn]);
    expect(snapshot!.inlinePolicies).toEqual([{ policyName: 'app-inline', document: APP_POLICY }]);
    expect(Object.fromEntries(snapshot!.accessKeys.map((k) => [k.accessKeyId, k.status]))).toEqual({
      [user.activeKeyId]: 'Active',
      [user.inactiveKeyId]: 'Inactive',
    });
    expect(snapshot!.secret).toEqual({ name: secretNameFor(h.config, user.userName), exists: true });
    const ours = callsFor(h, user.userName, mark);
    const firstMutation = ours.findIndex((c) => /^(Put|Update|Delete|Tag|Attach)/.test(c.command));
    const snapshotRead = ours.findIndex((c) => c.command === 'GetUserPolicy');
    expect(snapshotRead).toBeGreaterThanOrEqual(0);
    expect(snapshotRead).toBeLessThan(firstMutation);

    // the user and its secret are gone; the final record says what was removed
    expect(await exists(() => h.clients.iam.send(new GetUserCommand({ UserName: user.userName })))).toBe(false);
    const secret = await h.clients.secrets.send(new DescribeSecretCommand({ SecretId: secretNameFor(h.config, user.userName) }));
    expect(secret.DeletedDate).toBeDefined();
    const final = await h.records.get<FinalRecord>(keys.finalRecord);
    expect(final).toMatchObject({ outcome: 'completed', userName: user.userName, userAlreadyGone: false });
    expect(final?.outcome === 'completed' && final.removed.at(-1)).toEqual({ op: 'DeleteUser' });

    // order: disabled before deleted; every dependency removed before DeleteUser, which ran once
    const calls = ours.map((c) => c.command);
    const deleteUser = calls.indexOf('DeleteUser');
    expect(calls.filter((c) => c === 'DeleteUser')).toHaveLength(1);
    for (const removal of [
      'DeleteLoginProfile',
      'DeleteAccessKey',
      'DeleteUserPolicy',
      'DetachUserPolicy',
      'RemoveUserFromGroup',
    ]) {
      expect(calls.indexOf(removal)).toBeGreaterThanOrEqual(0);
      expect(calls.lastIndexOf(removal)).toBeLessThan(deleteUser);
    }
    expect(calls.indexOf('UpdateAccessKey')).toBeLessThan(calls.indexOf('DeleteAccessKey'));
    const deleteCalls = ours.filter((c) => c.command === 'DeleteAccessKey');
    expect(deleteCalls.map((c) => c.input.AccessKeyId).sort()).toEqual([user.activeKeyId, user.inactiveKeyId].sort());

    // the status API reads it back; no secret reached notifications or history
    expect(status).toMatchObject({
      userName: user.userName,
      userExists: false,
      phase: 'completed',
      executionName: started.executionName,
      snapshotKey: keys.snapshot,
      finalRecordKey: keys.finalRecord,
    });
    expect(status.disabledAt).toBeDefined();
    expect(status.deleteAfter).toBeDefined();
    expect(status.deletedAt).toBeDefined();
    expect(status.disabled?.accessKeyIds).toEqual(expect.arrayContaining([user.activeKeyId, user.inactiveKeyId]));
    expectNoSecrets(h, user.secretAccessKey);
  });

  it('refuses unknown, protected, automation-owned and out-of-scope users and bad requests, changing nothing', async () => {
    // Prepare
    const automation = uniqueName('offb-automation');
    const breakGlass = uniqueName('offb-breakglass');
    const h = harness({
      config: parseConfig({ ...FAST, managedUsers: { pathPrefix: '/staff/' }, protectedUsers: { userNames: [breakGlass] } }),
      automationUserNames: [automation],
    });
    const byTag = await createUser(h, 'offb-tagged', {
      tags: { 'iam-lifecycle:protected': 'yes', Owner: 'team-identity', Purpose: 'break-glass' },
    });
    const outOfScope = await createUser(h, 'offb-scope', { path: '/service/' });
    await h.clients.iam.send(new CreateUserCommand({ UserName: automation, Path: '/staff/' }));
    await h.clients.iam.send(new CreateUserCommand({ UserName: breakGlass, Path: '/staff/' }));
    const valid = await createUser(h, 'offb-valid');
    const mark = h.calls.length;

    // Act + Assert: the service throws named errors
    await expect(startOffboarding(h.service, { userName: byTag.userName, reason: 'x' })).rejects.toBeInstanceOf(
      ProtectedUserError,
    );
    await expect(startOffboarding(h.service, { userName: breakGlass, reason: 'x' })).rejects.toThrow(/protectedUsers.userNames/);
    await expect(startOffboarding(h.service, { userName: automation, reason: 'x' })).rejects.toBeInstanceOf(ProtectedUserError);
    await expect(startOffboarding(h.service, { userName: outOfScope.userName, reason: 'x' })).rejects.toBeInstanceOf(
      OutOfScopeError,
    );
    await expect(startOffboarding(h.service, { userName: uniqueName('offb-nobody'), reason: 'x' })).rejects.toBeInstanceOf(
      UserNotFoundError,
    );
    await expect(startOffboarding(h.service, { userName: 'not a name!', reason: 'x' })).rejects.toBeInstanceOf(ValidationError);
    await expect(startOffboarding(h.service, { userName: valid.userName, reason: '  ' })).rejects.toBeInstanceOf(ValidationError);
    await expect(
      startOffboarding(h.service, { userName: valid.userName, reason: `pasted ${valid.secretAccessKey} by mistake` }),
    ).rejects.toThrow(/looks like a secret/);
    await expect(
      startOffboarding(h.service, { userName: valid.userName, reason: 'x', observationDays: 0 }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      startOffboarding(h.service, { userName: valid.userName, reason: 'x', observationDays: 400 }),
    ).rejects.toBeInstanceOf(ValidationError);
    for (const days of [0.01, 7.5, 6, 151]) {
      await expect(startOffboarding(h.service, { userName: valid.userName, reason: 'x', observationDays: days })).rejects.toThrow(
        /whole number of days from 7 to 150/,
      );
    }
    expect(await h.workflows.list('offboarding')).toEqual([]);

    // The state machine refuses on its own too (someone starting it by hand): blocked, nothing changed.
    const direct = await h.workflows.start('offboarding', 'offboard-by-hand-protected', {
      action: 'offboard',
      userName: byTag.userName,
      reason: 'by hand',
    });
    const directResult = await h.workflows.wait('offboarding', 'offboard-by-hand-protected');
    expect(direct.started).toBe(true);
    expect(directResult.status).toBe('SUCCEEDED');
    expect(directResult.output).toMatchObject({ status: 'blocked', code: 'protected-user' });
    expect(sentFor(h, byTag.userName)).toEqual([
      expect.objectContaining({
        type: 'offboarding.blocked',
        code: 'protected-user',
        reason: expect.stringMatching(/protected/),
        // A refusal names who to ask (issue 10, owners).
        owner: 'team-identity',
        purpose: 'break-glass',
      }),
    ]);

    // A managed user offboarded by hand under a name of its own choosing: status and cancel would
    // never find it, so Validate refuses it before anything changes.
    const freeName = await h.workflows.start('offboarding', 'offboard-by-hand-free-name', {
      action: 'offboard',
      userName: valid.userName,
      reason: 'by hand',
    });
    const freeNameResult = await h.workflows.wait('offboarding', 'offboard-by-hand-free-name');
    expect(freeName.started).toBe(true);
    expect(freeNameResult.output).toMatchObject({ status: 'blocked', code: 'unknown-execution-name' });

    for (const u of [byTag, outOfScope, valid]) {
      expect(await keyStatuses(h.clients.iam, u.userName)).toEqual({ [u.activeKeyId]: 'Active', [u.inactiveKeyId]: 'Inactive' });
      expect(await exists(() => h.clients.iam.send(new GetLoginProfileCommand({ UserName: u.userName })))).toBe(true);
      expect(await attachedPolicies(h.clients.iam, u.userName)).not.toContain(denyPolicyArn);
      expect(Object.keys(await tagsOf(h.clients.iam, u.userName)).filter((k) => OFFBOARDING_TAG_KEYS.includes(k))).toEqual([]);
    }
    expect(await h.records.listChildren(`offboarding/${byTag.userName}/`)).toEqual([]);
    expect(h.calls.slice(mark).filter((c) => /^(Put|Update|Delete|Tag|Untag|Attach|Detach|Remove)/.test(c.command))).toEqual([]);
  });

  it('disables again and notifies when something is re-enabled during observation', async () => {
    // Prepare: 75 days at this scale = 5 s of observation, checks every second
    const h = harness();
    const user = await createUser(h, 'offb-reenable');
    const started = await startOffboarding(h.service, { userName: user.userName, reason: 'contract ended', observationDays: 75 });
    const disabled = await waitFor('offboarding.disabled', () =>
      sentFor(h, user.userName).find((n) => n.type === 'offboarding.disabled'),
    );
    const during = await offboardingStatus(h.service, user.userName);

    // Act: someone turns things back on while the user is observed
    const iam = h.clients.iam;
    await iam.send(new UpdateAccessKeyCommand({ UserName: user.userName, AccessKeyId: user.activeKeyId, Status: 'Active' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: user.userName, Password: 'Back-Again-7!' }));
    await iam.send(new DetachUserPolicyCommand({ UserName: user.userName, PolicyArn: denyPolicyArn }));
    const reenabled = await waitFor('all re-enables reported', () => {
      const findings = sentFor(h, user.userName)
        .filter((n) => n.type === 'offboarding.reenabled')
        .flatMap((n) => n.findings as string[]);
      const all = [/access key is active \(/, /console password/, /deny policy/].every((re) => findings.some((f) => re.test(f)));
      return all ? findings : undefined;
    });

    // Assert: disabled again, the deny policy attached again
    expect(during).toMatchObject({ phase: 'disabled', deleteAfter: disabled.deleteAfter, userExists: true });
    expect(reenabled).toEqual(expect.arrayContaining([`access key is active (${user.activeKeyId})`]));
    expect((await keyStatuses(iam, user.userName))[user.activeKeyId]).toBe('Inactive');
    expect(await exists(() => iam.send(new GetLoginProfileCommand({ UserName: user.userName })))).toBe(false);
    expect(await attachedPolicies(iam, user.userName)).toContain(denyPolicyArn);

    // and the offboarding still finishes on schedule
    const result = await h.workflows.wait('offboarding', started.executionName);
    expect(result.status).toBe('SUCCEEDED');
    expect(await exists(() => iam.send(new GetUserCommand({ UserName: user.userName })))).toBe(false);
    const final = await h.records.get<FinalRecord>(recordKeys(user.userName, started.executionName).finalRecord);
    expect(final?.outcome === 'completed' && final.reenabledCount).toBeGreaterThanOrEqual(1);
  });

  it('cancel stops the workflow and restores the user from the snapshot; the password is reported as not restorable', async () => {
    // Prepare: a user with SSH keys, a service-specific credential and a boundary too; 10 s observation
    const h = harness();
    const iam = h.clients.iam;
    const user = await createUser(h, 'offb-cancel');
    const sshActive = (
      await iam.send(new UploadSSHPublicKeyCommand({ UserName: user.userName, SSHPublicKeyBody: sshRsaPublicKey() }))
    ).SSHPublicKey!.SSHPublicKeyId!;
    const sshInactive = (
      await iam.send(new UploadSSHPublicKeyCommand({ UserName: user.userName, SSHPublicKeyBody: sshRsaPublicKey() }))
    ).SSHPublicKey!.SSHPublicKeyId!;
    await iam.send(new UpdateSSHPublicKeyCommand({ UserName: user.userName, SSHPublicKeyId: sshInactive, Status: 'Inactive' }));
    const credential = (
      await iam.send(
        new CreateServiceSpecificCredentialCommand({ UserName: user.userName, ServiceName: 'codecommit.amazonaws.com' }),
      )
    ).ServiceSpecificCredential!;
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: user.userName, PermissionsBoundary: user.policyArn }));
    const started = await startOffboarding(h.service, { userName: user.userName, reason: 'mistake?', observationDays: 150 });
    const disabledNote = await waitFor('offboarding.disabled', () =>
      sentFor(h, user.userName).find((n) => n.type === 'offboarding.disabled'),
    );
    expect((await keyStatuses(iam, user.userName))[user.activeKeyId]).toBe('Inactive');
    // Disable records exactly what it switched from Active to Inactive, not what was already off.
    expect(disabledNote.deactivated).toEqual({
      accessKeyIds: [user.activeKeyId],
      sshPublicKeyIds: [sshActive],
      signingCertificateIds: [],
      serviceSpecificCredentialIds: [credential.ServiceSpecificCredentialId],
    });

    // Act
    const cancel = await cancelOffboarding(h.service, user.userName, { requestedBy: 'test', reason: 'wrong person' });
    const cancelAgain = await cancelOffboarding(h.service, user.userName, { requestedBy: 'test' });
    const restartWhileRestoring = startOffboarding(h.service, { userName: user.userName, reason: 'again' });
    await expect(restartWhileRestoring).rejects.toThrow(/a cancel is restoring/);
    const offboarding = await h.workflows.wait('offboarding', started.executionName);
    const restore = await h.workflows.wait('offboarding', cancel.restoreExecutionName);
    const status = await offboardingStatus(h.service, user.userName);

    // Assert: stopped, restored once
    expect(cancel).toMatchObject({ offboardingExecutionName: started.executionName, started: true });
    expect(cancelAgain).toMatchObject({ restoreExecutionName: cancel.restoreExecutionName, started: false });
    expect(offboarding.status).toBe('ABORTED');
    expect(restore.status).toBe('SUCCEEDED');

    // credentials back to their snapshot status (only formerly Active ones are Active)
    expect(await keyStatuses(iam, user.userName)).toEqual({ [user.activeKeyId]: 'Active', [user.inactiveKeyId]: 'Inactive' });
    const ssh = await iam.send(new ListSSHPublicKeysCommand({ UserName: user.userName }));
    expect(Object.fromEntries(ssh.SSHPublicKeys!.map((k) => [k.SSHPublicKeyId, k.Status]))).toEqual({
      [sshActive]: 'Active',
      [sshInactive]: 'Inactive',
    });
    const credentials = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: user.userName }));
    expect(credentials.ServiceSpecificCredentials).toEqual([
      expect.objectContaining({ ServiceSpecificCredentialId: credential.ServiceSpecificCredentialId, Status: 'Active' }),
    ]);
    // permissions as they were, deny policy and offboarding tags gone
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: user.userName }))).PolicyNames).toEqual(['app-inline']);
    expect(await inlinePolicy(iam, user.userName, 'app-inline')).toBe(APP_POLICY);
    expect(
      (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: user.userName }))).AttachedPolicies!.map(
        (p) => p.PolicyArn,
      ),
    ).toEqual([user.policyArn]);
    expect((await iam.send(new ListGroupsForUserCommand({ UserName: user.userName }))).Groups!.map((g) => g.GroupName)).toEqual([
      user.groupName,
    ]);
    expect(
      (await iam.send(new GetUserCommand({ UserName: user.userName }))).User!.PermissionsBoundary?.PermissionsBoundaryArn,
    ).toBe(user.policyArn);
    expect(await tagsOf(iam, user.userName)).toEqual({ team: 'payments' });
    // the console password is not back, and everyone is told so
    expect(await exists(() => iam.send(new GetLoginProfileCommand({ UserName: user.userName })))).toBe(false);
    const cancelled = sentFor(h, user.userName).find((n) => n.type === 'offboarding.cancelled');
    expect(cancelled).toMatchObject({
      consolePasswordRestored: false,
      consolePasswordNote: expect.stringMatching(/cannot be restored/),
    });
    const final = await h.records.get<FinalRecord>(recordKeys(user.userName, started.executionName).finalRecord);
    expect(final).toMatchObject({
      outcome: 'cancelled',
      consolePassword: { existedBefore: true, restored: false, note: expect.stringMatching(/cannot be restored/) },
    });
    expect(status).toMatchObject({
      phase: 'cancelled',
      cancel: { restoreExecutionName: cancel.restoreExecutionName, status: 'SUCCEEDED', consolePasswordRestored: false },
    });

    // a later offboarding of the same user is a new attempt, and runs
    const later = await startOffboarding(h.service, { userName: user.userName, reason: 'now for real', observationDays: 15 });
    expect(later.started).toBe(true);
    expect(later.executionName).not.toBe(started.executionName);
    expect((await h.workflows.wait('offboarding', later.executionName)).status).toBe('SUCCEEDED');
    expect(await exists(() => iam.send(new GetUserCommand({ UserName: user.userName })))).toBe(false);
    expectNoSecrets(h, user.secretAccessKey);
    expect(JSON.stringify(h.workflows.allHistories())).not.toContain('ssh-rsa');
  });

  it('does not restore a user that became protected during the offboarding', async () => {
    // Prepare
    const h = harness();
    const iam = h.clients.iam;
    const user = await createUser(h, 'offb-protect');
    await startOffboarding(h.service, { userName: user.userName, reason: 'left', observationDays: 150 });
    await waitFor('offboarding.disabled', () => sentFor(h, user.userName).find((n) => n.type === 'offboarding.disabled'));
    await iam.send(
      new TagUserCommand({ UserName: user.userName, Tags: [{ Key: 'iam-lifecycle:protected', Value: 'now break-glass' }] }),
    );
    // Act
    const cancel = await cancelOffboarding(h.service, user.userName, { requestedBy: 'test' });
    const restore = await h.workflows.wait('offboarding', cancel.restoreExecutionName);
    // Assess: nothing was granted back; the failure is notified
    expect(restore.status).toBe('FAILED');
    expect(sentFor(h, user.userName).find((n) => n.type === 'offboarding.failed')).toMatchObject({
      errorName: 'ProtectedUserError',
    });
    expect((await keyStatuses(iam, user.userName))[user.activeKeyId]).toBe('Inactive');
    expect(await attachedPolicies(iam, user.userName)).toContain(denyPolicyArn);
  });

  it('refuses to cancel once deletion has begun, and after the user is deleted', async () => {
    // Prepare: hold the teardown at its first key deletion
    const h = harness();
    const user = await createUser(h, 'offb-late-cancel');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reachedGate!: () => void;
    const atGate = new Promise<void>((resolve) => (reachedGate = resolve));
    const realDelete = h.admin.deleteAccessKey.bind(h.admin);
    h.admin.deleteAccessKey = async (userName, accessKeyId) => {
      if (userName === user.userName) {
        reachedGate();
        await gate;
      }
      return realDelete(userName, accessKeyId);
    };
    const started = await startOffboarding(h.service, { userName: user.userName, reason: 'left' });
    await atGate;

    // Act
    const whileDeleting = cancelOffboarding(h.service, user.userName, { requestedBy: 'test' });
    await expect(whileDeleting).rejects.toBeInstanceOf(WorkflowConflictError);
    await expect(whileDeleting).rejects.toThrow(/deletion began/);
    const status = await offboardingStatus(h.service, user.userName);
    release();
    const result = await h.workflows.wait('offboarding', started.executionName);
    const afterwards = cancelOffboarding(h.service, user.userName);

    // Assert
    expect(status.phase).toBe('deleting');
    expect(result.status).toBe('SUCCEEDED');
    await expect(afterwards).rejects.toBeInstanceOf(WorkflowConflictError);
    await expect(cancelOffboarding(h.service, user.userName)).rejects.toThrow(/was deleted by offboarding/);
    expect(await exists(() => h.clients.iam.send(new GetUserCommand({ UserName: user.userName })))).toBe(false);
  });

  it('finishes the teardown after a crash part-way through it', async () => {
    // Prepare: the first DetachUserPolicy fails (throttled) after keys and inline policies are gone
    const h = harness({ retryIntervalOverrides: { DeleteUser: 10 } });
    const user = await createUser(h, 'offb-crash', { storeSecret: true });
    const second = await h.clients.iam.send(
      new CreatePolicyCommand({ PolicyName: `${user.userName}-second`, PolicyDocument: APP_POLICY }),
    );
    await h.clients.iam.send(new AttachUserPolicyCommand({ UserName: user.userName, PolicyArn: second.Policy!.Arn! }));
    const realDetach = h.admin.detachPolicy.bind(h.admin);
    let failures = 0;
    h.admin.detachPolicy = async (userName, policyArn) => {
      const result = await realDetach(userName, policyArn);
      if (userName === user.userName && failures === 0) {
        failures++; // one policy detached, then the Lambda "crashes"
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      return result;
    };

    const mark = h.calls.length;

    // Act
    const started = await startOffboarding(h.service, { userName: user.userName, reason: 'left' });
    const result = await h.workflows.wait('offboarding', started.executionName);

    // Assert: retried once and finished; nothing left, DeleteUser once and last
    expect(failures).toBe(1);
    expect(result.status).toBe('SUCCEEDED');
    const history = h.workflows.history('offboarding', started.executionName);
    expect(history.filter((e) => e.type === 'StateRetried' && e.stateName === 'DeleteUser')).toHaveLength(1);
    expect(await exists(() => h.clients.iam.send(new GetUserCommand({ UserName: user.userName })))).toBe(false);
    const calls = callsFor(h, user.userName, mark).map((c) => c.command);
    expect(calls.filter((c) => c === 'DeleteUser')).toHaveLength(1);
    expect(calls.filter((c) => /^(Delete|Detach|Remove|Deactivate|Update|Put|Tag)/.test(c)).at(-1)).toBe('DeleteUser');
    const detaches = callsFor(h, user.userName, mark).filter((c) => c.command === 'DetachUserPolicy');
    expect(detaches.map((c) => c.input.PolicyArn).sort()).toEqual([user.policyArn, second.Policy!.Arn!, denyPolicyArn].sort());
    // the deny policy is detached last of all permissions, and the stack's policy itself is never deleted
    expect(detaches.at(-1)!.input.PolicyArn).toBe(denyPolicyArn);
    expect(calls.lastIndexOf('RemoveUserFromGroup')).toBeLessThan(calls.lastIndexOf('DetachUserPolicy'));
    expect(h.calls.slice(mark).some((c) => c.command === 'DeletePolicy')).toBe(false);
    // the key deletions happened in the first attempt only: the retry resumed where it stopped
    expect(calls.filter((c) => c === 'DeleteAccessKey')).toHaveLength(2);
    const final = await h.records.get<FinalRecord>(recordKeys(user.userName, started.executionName).finalRecord);
    expect(final?.outcome).toBe('completed');
    if (final?.outcome === 'completed') {
      expect(final.removed.filter((s) => s.op === 'DeleteAccessKey')).toHaveLength(2);
      expect(final.lastAttempt.some((s) => s.op === 'DeleteAccessKey')).toBe(false);
      expect(final.lastAttempt.at(-1)).toEqual({ op: 'DeleteUser', result: 'removed' });
    }
    expect(sentFor(h, user.userName).filter((n) => n.type === 'offboarding.failed')).toEqual([]);
  });

  it('records a user deleted by someone else during observation and still removes its secret', async () => {
    // Prepare
    const h = harness();
    const user = await createUser(h, 'offb-vanished', { storeSecret: true });
    const started = await startOffboarding(h.service, { userName: user.userName, reason: 'left', observationDays: 75 });
    await waitFor('offboarding.disabled', () => sentFor(h, user.userName).find((n) => n.type === 'offboarding.disabled'));

    // Act: an administrator deletes the user by hand (moto allows it once policies are gone). A
    // check may put the deny policy back in between, so try again until the user is gone.
    await waitFor('the user deleted by hand', async () => {
      await h.admin.deleteInlinePolicy(user.userName, 'app-inline');
      await h.admin.detachPolicy(user.userName, denyPolicyArn);
      await h.admin.detachPolicy(user.userName, user.policyArn);
      try {
        await h.clients.iam.send(new DeleteUserCommand({ UserName: user.userName }));
        return true;
      } catch (error) {
        if ((error as Error).name === 'DeleteConflictException') return undefined;
        throw error;
      }
    });
    const result = await h.workflows.wait('offboarding', started.executionName);

    // Assert
    expect(result.status).toBe('SUCCEEDED');
    const final = await h.records.get<FinalRecord>(recordKeys(user.userName, started.executionName).finalRecord);
    expect(final).toMatchObject({ outcome: 'completed', userAlreadyGone: true });
    const secret = await h.clients.secrets.send(new DescribeSecretCommand({ SecretId: secretNameFor(h.config, user.userName) }));
    expect(secret.DeletedDate).toBeDefined();
  });

  it('fails clearly on an unknown action and changes nothing', async () => {
    // Prepare
    const h = harness();

    // Act
    await h.workflows.start('offboarding', uniqueName('bogus'), { action: 'obliterate', userName: 'someone' });
    const [result] = await h.workflows.waitForAll();

    // Assert
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidRequest' });
    expect(h.calls).toEqual([]);
  });
  it('cancel reports what it cannot do and what changed during observation, and still completes', async () => {
    // Prepare: during observation someone deletes the active key and adds the user to another group
    const h = harness();
    const iam = h.clients.iam;
    const user = await createUser(h, 'offb-report');
    const started = await startOffboarding(h.service, { userName: user.userName, reason: 'left', observationDays: 150 });
    await waitFor('offboarding.disabled', () => sentFor(h, user.userName).find((n) => n.type === 'offboarding.disabled'));
    await h.admin.deleteAccessKey(user.userName, user.activeKeyId);
    const extraGroup = `${user.userName}-extra`;
    await iam.send(new CreateGroupCommand({ GroupName: extraGroup }));
    await iam.send(new AddUserToGroupCommand({ UserName: user.userName, GroupName: extraGroup }));

    // Act
    const cancel = await cancelOffboarding(h.service, user.userName, { requestedBy: 'test' });
    const restore = await h.workflows.wait('offboarding', cancel.restoreExecutionName);

    // Assess: completed; the deny policy and tags are gone; the gone key and the new group are reported, not reverted
    expect(restore.status).toBe('SUCCEEDED');
    expect(await attachedPolicies(iam, user.userName)).toEqual([user.policyArn]);
    expect(Object.keys(await tagsOf(iam, user.userName)).filter((k) => OFFBOARDING_TAG_KEYS.includes(k))).toEqual([]);
    const groups = (await iam.send(new ListGroupsForUserCommand({ UserName: user.userName }))).Groups!.map((g) => g.GroupName);
    expect(groups.sort()).toEqual([user.groupName, extraGroup].sort());
    const final = await h.records.get<FinalRecord>(recordKeys(user.userName, started.executionName).finalRecord);
    expect(final?.outcome === 'cancelled' && final.notRestored.map((n) => [n.kind, n.id])).toEqual(
      expect.arrayContaining([
        ['credential-gone', user.activeKeyId],
        ['group-changed-during-offboarding', extraGroup],
      ]),
    );
    const cancelled = sentFor(h, user.userName).find((n) => n.type === 'offboarding.cancelled');
    expect((cancelled?.notRestored as string[]).join('\n')).toMatch(new RegExp(`${user.activeKeyId} no longer exists`));
  });
});

describe('offboarding trust boundaries (attacker paths)', () => {
  it('a forged snapshot naming AdministratorAccess and an admin group grants nothing on cancel', async () => {
    // Prepare: an offboarding under observation; the attacker overwrites its snapshot in S3
    const h = harness();
    const iam = h.clients.iam;
    const user = await createUser(h, 'offb-forged');
    const adminGroup = `${user.userName}-admins`;
    await iam.send(new CreateGroupCommand({ GroupName: adminGroup }));
    const admin = await iam.send(
      new CreatePolicyCommand({
        PolicyName: `${user.userName}-AdministratorAccess`,
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      }),
    );
    const started = await startOffboarding(h.service, { userName: user.userName, reason: 'left', observationDays: 150 });
    await waitFor('offboarding.disabled', () => sentFor(h, user.userName).find((n) => n.type === 'offboarding.disabled'));
    const keys = recordKeys(user.userName, started.executionName);
    const real = (await h.records.get<UserSnapshot>(keys.snapshot))!;
    await h.records.put(keys.snapshot, {
      ...real,
      groups: [...real.groups, adminGroup],
      attachedPolicies: [...real.attachedPolicies, { policyName: 'AdministratorAccess', policyArn: admin.Policy!.Arn! }],
      inlinePolicies: [
        ...real.inlinePolicies,
        { policyName: 'all', document: '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' },
      ],
      user: { ...real.user, tags: { ...real.user.tags, team: 'admins' } },
      accessKeys: real.accessKeys.map((k) => ({ ...k, status: 'Active' })),
    });
    const mark = h.calls.length;

    // Act
    const cancel = await cancelOffboarding(h.service, user.userName, { requestedBy: 'test' });
    const restore = await h.workflows.wait('offboarding', cancel.restoreExecutionName);

    // Assess: no group, no policy, no tag was added; only the key Disable switched off is back
    expect(restore.status).toBe('SUCCEEDED');
    const groups = (await iam.send(new ListGroupsForUserCommand({ UserName: user.userName }))).Groups!.map((g) => g.GroupName);
    expect(groups).toEqual([user.groupName]);
    expect(await attachedPolicies(iam, user.userName)).toEqual([user.policyArn]);
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: user.userName }))).PolicyNames).toEqual(['app-inline']);
    expect(await tagsOf(iam, user.userName)).toEqual({ team: 'payments' });
    expect(await keyStatuses(iam, user.userName)).toEqual({ [user.activeKeyId]: 'Active', [user.inactiveKeyId]: 'Inactive' });
    const granting = callsFor(h, user.userName, mark).filter((c) =>
      /^(AttachUserPolicy|PutUserPolicy|AddUserToGroup|PutUserPermissionsBoundary|TagUser)$/.test(c.command),
    );
    expect(granting).toEqual([]);
    const final = await h.records.get<FinalRecord>(keys.finalRecord);
    // The restore read the snapshot at the version its Snapshot step pinned (hash-checked), not the forgery:
    // compared with the genuine snapshot nothing changed, so nothing about groups or tags is reported.
    expect(final?.outcome === 'cancelled' && final.notRestored.map((n) => n.kind)).toEqual(['console-password-not-restorable']);
  });

  it('refuses a hand-started restore (no cancel decision) and changes nothing', async () => {
    // Prepare: an offboarding under observation, and a restore started by hand (StartExecution)
    const h = harness();
    const iam = h.clients.iam;
    const user = await createUser(h, 'offb-handrestore');
    const started = await startOffboarding(h.service, { userName: user.userName, reason: 'left', observationDays: 150 });
    await waitFor('offboarding.disabled', () => sentFor(h, user.userName).find((n) => n.type === 'offboarding.disabled'));
    const userId = (await iam.send(new GetUserCommand({ UserName: user.userName }))).User!.UserId!;
    const name = restoreExecutionName(started.executionName);
    const mark = h.calls.length;

    // Act
    await h.workflows.start('offboarding', name, {
      action: 'restore',
      userName: user.userName,
      userId,
      offboardingExecutionName: started.executionName,
    });
    const result = await h.workflows.wait('offboarding', name);

    // Assess: refused; the user is still disabled and the offboarding goes on
    expect(result.status).toBe('FAILED');
    expect(sentFor(h, user.userName).find((n) => n.type === 'offboarding.failed')).toMatchObject({
      errorName: 'ValidationError',
      errorMessage: expect.stringMatching(/no cancel was recorded/),
    });
    expect((await keyStatuses(iam, user.userName))[user.activeKeyId]).toBe('Inactive');
    expect(await attachedPolicies(iam, user.userName)).toContain(denyPolicyArn);
    expect(callsFor(h, user.userName, mark).filter((c) => /^(Update|Detach|Untag)/.test(c.command))).toEqual([]);
    expect((await h.workflows.describe('offboarding', started.executionName))?.status).toBe('RUNNING');
    await h.workflows.stop('offboarding', started.executionName, { error: 'TestDone', cause: 'end of test' });
  });

  it('refuses a direct invoke of Disable, DeleteUser and RestoreUser without a live execution, changing nothing', async () => {
    // Prepare: a user nobody offboards; an attacker invokes the step Lambdas with made-up state
    const h = harness();
    const iam = h.clients.iam;
    const user = await createUser(h, 'offb-direct');
    const userId = (await iam.send(new GetUserCommand({ UserName: user.userName }))).User!.UserId!;
    const executionName = offboardingExecutionName(user.userName, userId);
    const state: OffboardingState = {
      status: 'ready',
      action: 'offboard',
      userName: user.userName,
      userId,
      executionName,
      startedAt: new Date().toISOString(),
      reason: 'forged',
      requestedBy: 'attacker',
      timing: { observationSeconds: 1, checkIntervalSeconds: 1 },
      disable: {
        disabledAt: new Date(0).toISOString(),
        deleteAfter: new Date(0).toISOString(),
        firstCheckInSeconds: 1,
        tagged: true,
        disabled: {
          consolePasswordDeleted: false,
          accessKeyIds: [],
          sshPublicKeyIds: [],
          signingCertificateIds: [],
          serviceSpecificCredentialIds: [],
          deactivated: { accessKeyIds: [], sshPublicKeyIds: [], signingCertificateIds: [], serviceSpecificCredentialIds: [] },
          denyPolicyArn,
        },
      },
    };
    const forgedId = h.workflows.executionArn('offboarding', executionName);
    const mark = h.calls.length;

    // Act
    const attempts = [
      h.handlers.disable({ state, executionId: forgedId }),
      h.handlers.deleteUser({ state, executionId: forgedId }),
      h.handlers.deleteUser({ state, executionId: undefined as unknown as string }),
      h.handlers.deleteUser({ state, executionId: `arn:aws:states:us-east-1:123456789012:execution:other:${executionName}` }),
      h.handlers.restore({
        request: { action: 'restore', userName: user.userName, userId, offboardingExecutionName: executionName },
        executionName: restoreExecutionName(executionName),
        startedAt: new Date().toISOString(),
        executionId: h.workflows.executionArn('offboarding', restoreExecutionName(executionName)),
      }),
    ];
    const outcomes = await Promise.allSettled(attempts);

    // Assess: every one refused with a clear error; nothing changed
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as Error;
      expect(error.name).toMatch(/NotInLiveExecutionError|ValidationError/);
      expect(error.message).toMatch(/live offboarding execution|executionId/);
    }
    expect(await exists(() => iam.send(new GetUserCommand({ UserName: user.userName })))).toBe(true);
    expect(await keyStatuses(iam, user.userName)).toEqual({ [user.activeKeyId]: 'Active', [user.inactiveKeyId]: 'Inactive' });
    expect(h.calls.slice(mark).filter((c) => /^(Put|Update|Delete|Tag|Untag|Attach|Detach|Remove)/.test(c.command))).toEqual([]);
    expect(await h.records.listChildren(`offboarding/${user.userName}/`)).toEqual([]);
  });

  it('refuses a DeleteUser invoked with the id of a live execution before the configured observation is over', async () => {
    // Prepare: a real offboarding under observation; the attacker forges a state saying deletion is due
    const h = harness();
    const user = await createUser(h, 'offb-early-delete');
    const started = await startOffboarding(h.service, { userName: user.userName, reason: 'left', observationDays: 150 });
    await waitFor('offboarding.disabled', () => sentFor(h, user.userName).find((n) => n.type === 'offboarding.disabled'));
    const userId = (await h.clients.iam.send(new GetUserCommand({ UserName: user.userName }))).User!.UserId!;
    const state = {
      status: 'ready',
      action: 'offboard',
      userName: user.userName,
      userId,
      executionName: started.executionName,
      startedAt: new Date().toISOString(),
      reason: 'left',
      requestedBy: 'attacker',
      timing: { observationSeconds: 1, checkIntervalSeconds: 1 },
      disable: { disabledAt: new Date(0).toISOString(), deleteAfter: new Date(0).toISOString() },
      observation: { due: true, deleteAfter: new Date(0).toISOString(), checks: 1, nextCheckInSeconds: 0, reenabledCount: 0 },
    } as unknown as OffboardingState;
    const mark = h.calls.length;

    // Act
    const attempt = h.handlers.deleteUser({ state, executionId: started.executionArn });

    // Assess: the deletion time comes from the execution's own Disable output and the config, not the input
    await expect(attempt).rejects.toThrow(/observation of .* lasts until/);
    expect(await exists(() => h.clients.iam.send(new GetUserCommand({ UserName: user.userName })))).toBe(true);
    expect(callsFor(h, user.userName, mark).filter((c) => /^(Delete|Detach|Remove)/.test(c.command))).toEqual([]);
    expect(await h.records.get(recordKeys(user.userName, started.executionName).decision)).toBeUndefined();
    await h.workflows.stop('offboarding', started.executionName, { error: 'TestDone', cause: 'end of test' });
  });

  it('refuses an execution input carrying its own timing, or a fractional or out-of-bounds observation period', async () => {
    // Prepare
    const h = harness();
    const user = await createUser(h, 'offb-timing');
    const inputs = [
      { action: 'offboard', userName: user.userName, reason: 'x', timing: { observationSeconds: 1, checkIntervalSeconds: 1 } },
      { action: 'offboard', userName: user.userName, reason: 'x', observationDays: 0.01 },
      { action: 'offboard', userName: user.userName, reason: 'x', observationDays: 400 },
    ];
    const mark = h.calls.length;

    // Act
    const results = [];
    for (const [i, input] of inputs.entries()) {
      await h.workflows.start('offboarding', `${user.userName}-timing-${i}`, input);
      results.push(await h.workflows.wait('offboarding', `${user.userName}-timing-${i}`));
    }

    // Assess: each failed at Validate with a clear reason; nothing was changed
    expect(results.map((r) => r.status)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    const failures = sentFor(h, user.userName).filter((n) => n.type === 'offboarding.failed');
    expect(failures.map((n) => n.errorMessage)).toEqual([
      expect.stringMatching(/must not carry "timing"/),
      expect.stringMatching(/whole number of days from 7 to 150/),
      expect.stringMatching(/whole number of days from 7 to 150/),
    ]);
    expect(await keyStatuses(h.clients.iam, user.userName)).toEqual({
      [user.activeKeyId]: 'Active',
      [user.inactiveKeyId]: 'Inactive',
    });
    expect(h.calls.slice(mark).filter((c) => /^(Put|Update|Delete|Tag|Untag|Attach|Detach|Remove)/.test(c.command))).toEqual([]);
  });

  it('refuses to cancel a failed offboarding', async () => {
    // Prepare: the user's offboarding failed (here: started by hand with its own timing)
    const h = harness();
    const user = await createUser(h, 'offb-cancel-failed');
    const userId = (await h.clients.iam.send(new GetUserCommand({ UserName: user.userName }))).User!.UserId!;
    const name = offboardingExecutionName(user.userName, userId);
    await h.workflows.start('offboarding', name, {
      action: 'offboard',
      userName: user.userName,
      userId,
      reason: 'x',
      timing: { observationSeconds: 1, checkIntervalSeconds: 1 },
    });
    expect((await h.workflows.wait('offboarding', name)).status).toBe('FAILED');

    // Act
    const cancel = cancelOffboarding(h.service, user.userName, { requestedBy: 'test' });

    // Assess
    await expect(cancel).rejects.toBeInstanceOf(WorkflowConflictError);
    await expect(cancelOffboarding(h.service, user.userName)).rejects.toThrow(/only a running offboarding can be cancelled/);
    expect(await h.records.get(recordKeys(user.userName, name).decision)).toBeUndefined();
    expect(await h.workflows.list('offboarding')).toHaveLength(1);
  });
});
