/**
 * Integration test against moto over HTTP: a user with every kind of attachment IAM has is offboarded
 * by the real handlers and the real ASL. After Disable no credential of it is usable (asserted from
 * IAM state, since moto accepts requests signed with inactive keys); at the end the user and every
 * dependency are gone, and the recorded call order proves the teardown order AWS requires (moto's
 * DeleteUser does not enforce it). Snapshot and final record are in S3; no secret leaks.
 *
 * moto 5.2.1 lacks user permissions boundaries and service-specific credentials; MotoIamGaps
 * (functions/offboarding/local.ts) emulates exactly those two APIs in memory, like AWS would.
 */
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  GetGroupCommand,
  GetLoginProfileCommand,
  GetPolicyCommand,
  GetUserCommand,
  GetPolicyVersionCommand,
  ListAttachedUserPoliciesCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserTagsCommand,
  ListVirtualMFADevicesCommand,
  PutUserPolicyCommand,
  UploadSigningCertificateCommand,
  UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { OFFBOARDING_TAG, recordKeys, type UserSnapshot } from '../../functions/offboarding/domain';
import { type FinalRecord } from '../../functions/offboarding/handlers';
import { ensureLocalDenyPolicy } from '../../functions/offboarding/local';
import { offboardingStatus, startOffboarding } from '../../functions/offboarding/service';
import { parseConfig, secretNameFor } from '../../functions/shared/config';
import { containsSecretLikeValue } from '../../functions/shared/notifier';
import { SecretStore } from '../../functions/shared/secret-store';
import { enableVirtualMfa, exists, sshRsaPublicKey, TEST_CERTIFICATE, waitFor } from '../support/iam-fixtures';
import { testClients, uniqueName } from '../support/aws';
import { offboardingHarness } from '../support/offboarding-harness';

jest.setTimeout(90_000);

const POLICY = (action: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

it('offboards a user with every kind of attachment: unusable after Disable, everything gone in AWS order at the end', async () => {
  // Prepare: clients with the moto gap emulation and a recorder of every IAM and Secrets Manager call
  const setup = testClients();
  const bucket = uniqueName('offboarding-it');
  await setup.s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  const denyPolicyArn = await ensureLocalDenyPolicy(setup.iam);
  const config = parseConfig({ timeScale: 86400 * 15 });
  const { clients, calls, notifications, records, workflows, service } = offboardingHarness({
    bucket,
    denyPolicyArn,
    config,
    recordSecretsCalls: true,
  });

  const iam = clients.iam;
  const userName = uniqueName('offb-full');
  const boundary = (
    await iam.send(new CreatePolicyCommand({ PolicyName: `${userName}-boundary`, PolicyDocument: POLICY('s3:*') }))
  ).Policy!.Arn!;
  await iam.send(
    new CreateUserCommand({
      UserName: userName,
      Path: '/people/',
      PermissionsBoundary: boundary,
      Tags: [
        { Key: 'team', Value: 'data' },
        { Key: 'cost-center', Value: '4711' },
      ],
    }),
  );
  await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: 'Initial-Pass-1!' }));
  const key1 = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  const key2 = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  const mfa = await enableVirtualMfa(iam, userName);
  const ssh = (await iam.send(new UploadSSHPublicKeyCommand({ UserName: userName, SSHPublicKeyBody: sshRsaPublicKey() })))
    .SSHPublicKey!;
  const cert = (await iam.send(new UploadSigningCertificateCommand({ UserName: userName, CertificateBody: TEST_CERTIFICATE })))
    .Certificate!;
  const serviceCredential = (
    await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: userName, ServiceName: 'codecommit.amazonaws.com' }))
  ).ServiceSpecificCredential!;
  const groups = [`${userName}-g1`, `${userName}-g2`];
  for (const group of groups) {
    await iam.send(new CreateGroupCommand({ GroupName: group }));
    await iam.send(new AddUserToGroupCommand({ UserName: userName, GroupName: group }));
  }
  const managed: string[] = [];
  for (const name of ['reader', 'writer']) {
    const arn = (
      await iam.send(new CreatePolicyCommand({ PolicyName: `${userName}-${name}`, PolicyDocument: POLICY('s3:Get*') }))
    ).Policy!.Arn!;
    await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: arn }));
    managed.push(arn);
  }
  const inline = { 'inline-logs': POLICY('logs:*'), 'inline-sqs': POLICY('sqs:SendMessage') };
  for (const [PolicyName, PolicyDocument] of Object.entries(inline)) {
    await iam.send(new PutUserPolicyCommand({ UserName: userName, PolicyName, PolicyDocument }));
  }
  const secretName = secretNameFor(config, userName);
  await new SecretStore(clients.secrets).storeKey(
    secretName,
    userName,
    { accessKeyId: key1.AccessKeyId!, secretAccessKey: key1.SecretAccessKey!, createdAt: key1.CreateDate! },
    'integration-'.padEnd(40, '0'),
  );
  const mark = calls.length;

  // Act 1: start, and stop looking at the moment the user is disabled (75 days = 5 s of observation here)
  const started = await startOffboarding(service, { userName, reason: 'offboarding integration test', observationDays: 75 });
  await waitFor('offboarding.disabled', () =>
    notifications.sent.find((n) => n.type === 'offboarding.disabled' && n.userName === userName),
  );

  // Assert 1: no credential of the user is usable (from IAM state: moto accepts requests with inactive keys)
  const keys = (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata!;
  expect(keys.map((k) => [k.AccessKeyId, k.Status]).sort()).toEqual(
    [
      [key1.AccessKeyId, 'Inactive'],
      [key2.AccessKeyId, 'Inactive'],
    ].sort(),
  );
  expect(await exists(() => iam.send(new GetLoginProfileCommand({ UserName: userName })))).toBe(false);
  expect((await iam.send(new ListSSHPublicKeysCommand({ UserName: userName }))).SSHPublicKeys!.map((k) => k.Status)).toEqual([
    'Inactive',
  ]);
  expect((await iam.send(new ListSigningCertificatesCommand({ UserName: userName }))).Certificates!.map((c) => c.Status)).toEqual(
    ['Inactive'],
  );
  expect(
    (await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: userName }))).ServiceSpecificCredentials!.map(
      (c) => c.Status,
    ),
  ).toEqual(['Inactive']);
  // The stack's managed deny policy is attached (denying everything); no inline policy was written.
  const attached = (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }))).AttachedPolicies!;
  expect(attached.map((p) => p.PolicyArn)).toContain(denyPolicyArn);
  expect(calls.slice(mark).filter((c) => c.command === 'PutUserPolicy')).toEqual([]);
  const version = (await iam.send(new GetPolicyCommand({ PolicyArn: denyPolicyArn }))).Policy!.DefaultVersionId!;
  const deny = JSON.parse(
    decodeURIComponent(
      (await iam.send(new GetPolicyVersionCommand({ PolicyArn: denyPolicyArn, VersionId: version }))).PolicyVersion!.Document!,
    ),
  ) as { Statement: unknown[] };
  expect(deny.Statement).toEqual([{ Sid: 'OffboardingDenyAll', Effect: 'Deny', Action: '*', Resource: '*' }]);
  const tags = Object.fromEntries(
    (await iam.send(new ListUserTagsCommand({ UserName: userName }))).Tags!.map((t) => [t.Key, t.Value]),
  );
  expect(tags).toMatchObject({ [OFFBOARDING_TAG]: 'disabled', team: 'data' });
  expect((await iam.send(new ListMFADevicesCommand({ UserName: userName }))).MFADevices).toHaveLength(1);

  // Act 2: let the observation end and the teardown run
  const result = await workflows.wait('offboarding', started.executionName);
  const status = await offboardingStatus(service, userName);

  // Assert 2: the user and every dependency are gone
  expect(result.status).toBe('SUCCEEDED');
  expect(await exists(() => iam.send(new GetUserCommand({ UserName: userName })))).toBe(false);
  const devices = (await iam.send(new ListVirtualMFADevicesCommand({}))).VirtualMFADevices ?? [];
  expect(devices.map((d) => d.SerialNumber)).not.toContain(mfa.SerialNumber);
  for (const group of groups) {
    expect((await iam.send(new GetGroupCommand({ GroupName: group }))).Users!.map((u) => u.UserName)).not.toContain(userName);
  }
  for (const arn of managed) expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.AttachmentCount).toBe(0);
  expect((await clients.secrets.send(new DescribeSecretCommand({ SecretId: secretName }))).DeletedDate).toBeDefined();

  // ... removed in the order AWS requires, each before DeleteUser (moto would not have refused)
  const ours = calls
    .slice(mark)
    .filter((c) => c.input.UserName === userName || c.input.SerialNumber === mfa.SerialNumber || c.input.SecretId === secretName);
  const rank = (c: { command: string; input: Record<string, unknown> }): number | undefined => {
    const order = [
      'DeleteLoginProfile',
      'DeleteAccessKey',
      'DeleteSigningCertificate',
      'DeleteSSHPublicKey',
      'DeleteServiceSpecificCredential',
      'DeactivateMFADevice',
      'DeleteVirtualMFADevice',
      'DeleteUserPolicy',
      'DetachUserPolicy',
      'RemoveUserFromGroup',
      'DetachUserPolicy:deny',
      'DeleteUserPermissionsBoundary',
      'DeleteSecret',
      'DeleteUser',
    ];
    const name = c.command === 'DetachUserPolicy' && c.input.PolicyArn === denyPolicyArn ? 'DetachUserPolicy:deny' : c.command;
    const index = order.indexOf(name);
    return index < 0 ? undefined : index;
  };
  const removals = ours.filter((c) => rank(c) !== undefined);
  const ranks = removals.map((c) => rank(c)!);
  expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  const removed = (command: string) => removals.filter((c) => c.command === command);
  expect(removed('DeleteLoginProfile')).toHaveLength(1);
  expect(
    removed('DeleteAccessKey')
      .map((c) => c.input.AccessKeyId)
      .sort(),
  ).toEqual([key1.AccessKeyId, key2.AccessKeyId].sort());
  expect(removed('DeleteSigningCertificate').map((c) => c.input.CertificateId)).toEqual([cert.CertificateId]);
  expect(removed('DeleteSSHPublicKey').map((c) => c.input.SSHPublicKeyId)).toEqual([ssh.SSHPublicKeyId]);
  expect(removed('DeleteServiceSpecificCredential').map((c) => c.input.ServiceSpecificCredentialId)).toEqual([
    serviceCredential.ServiceSpecificCredentialId,
  ]);
  expect(removed('DeactivateMFADevice')).toHaveLength(1);
  expect(removed('DeleteVirtualMFADevice')).toHaveLength(1);
  expect(removed('DeleteUserPolicy').map((c) => c.input.PolicyName)).toEqual(['inline-logs', 'inline-sqs']);
  expect(
    removed('DetachUserPolicy')
      .map((c) => c.input.PolicyArn)
      .sort(),
  ).toEqual([...managed, denyPolicyArn].sort());
  // the deny policy is detached last of all permissions; the stack's policy itself stays
  expect(removals.filter((c) => rank(c) === 10).map((c) => c.input.PolicyArn)).toEqual([denyPolicyArn]);
  expect((await iam.send(new GetPolicyCommand({ PolicyArn: denyPolicyArn }))).Policy!.Arn).toBe(denyPolicyArn);
  expect(
    removed('RemoveUserFromGroup')
      .map((c) => c.input.GroupName)
      .sort(),
  ).toEqual([...groups].sort());
  expect(removed('DeleteUserPermissionsBoundary')).toHaveLength(1);
  expect(removed('DeleteSecret')).toHaveLength(1);
  expect(removed('DeleteUser')).toHaveLength(1);
  expect(removals.at(-1)?.command).toBe('DeleteUser');

  // ... the snapshot (taken before any change) and the final record are in S3
  const recordKeysOfRun = recordKeys(userName, started.executionName);
  const snapshot = (await records.get<UserSnapshot>(recordKeysOfRun.snapshot))!;
  expect(snapshot.user).toMatchObject({
    userName,
    path: '/people/',
    permissionsBoundaryArn: boundary,
    tags: { team: 'data', 'cost-center': '4711' },
  });
  expect(snapshot.loginProfile).toBeDefined();
  expect(snapshot.accessKeys.map((k) => k.status)).toEqual(['Active', 'Active']);
  expect(snapshot.mfaDevices).toEqual([expect.objectContaining({ serialNumber: mfa.SerialNumber, virtual: true })]);
  expect(snapshot.sshPublicKeys).toEqual([
    expect.objectContaining({ sshPublicKeyId: ssh.SSHPublicKeyId, status: 'Active', body: expect.stringMatching(/^ssh-rsa /) }),
  ]);
  expect(snapshot.signingCertificates).toEqual([
    expect.objectContaining({
      certificateId: cert.CertificateId,
      status: 'Active',
      body: expect.stringContaining('BEGIN CERTIFICATE'),
    }),
  ]);
  expect(snapshot.serviceSpecificCredentials).toEqual([
    expect.objectContaining({
      serviceSpecificCredentialId: serviceCredential.ServiceSpecificCredentialId,
      serviceName: 'codecommit.amazonaws.com',
      status: 'Active',
    }),
  ]);
  expect([...snapshot.groups].sort()).toEqual([...groups].sort());
  expect(snapshot.attachedPolicies.map((p) => p.policyArn).sort()).toEqual([...managed].sort());
  expect(Object.fromEntries(snapshot.inlinePolicies.map((p) => [p.policyName, p.document]))).toEqual(inline);
  expect(snapshot.secret).toEqual({ name: secretName, exists: true });
  const firstChange = ours.findIndex((c) => /^(Put|Update|Delete|Tag|Deactivate|Detach|Remove|Attach)/.test(c.command));
  const lastSnapshotRead = ours.map((c) => c.command).lastIndexOf('GetSSHPublicKey');
  expect(lastSnapshotRead).toBeLessThan(firstChange);
  const final = await records.get<FinalRecord>(recordKeysOfRun.finalRecord);
  expect(final).toMatchObject({ outcome: 'completed', userName, userAlreadyGone: false });
  // ... the final record is Object-Locked (governance) and pinned by hash in the execution's own output
  const head = await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: recordKeysOfRun.finalRecord }));
  expect(head.ObjectLockMode).toBe('GOVERNANCE');
  expect(new Date(head.ObjectLockRetainUntilDate!).getTime()).toBeGreaterThan(Date.now() + 300 * 86_400_000);
  expect(result.output).toMatchObject({ finalRecordSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  const pinned = { sha256: (result.output as { finalRecordSha256: string }).finalRecordSha256 };
  await expect(records.getVerified(recordKeysOfRun.finalRecord, pinned)).resolves.toMatchObject({ outcome: 'completed' });
  expect(status).toMatchObject({ phase: 'completed', userExists: false, finalRecordKey: recordKeysOfRun.finalRecord });

  // ... and no secret reached notifications or the execution history
  const published = JSON.stringify([notifications.sent, workflows.allHistories()]);
  expect(containsSecretLikeValue(published)).toBe(false);
  for (const secret of [key1.SecretAccessKey!, key2.SecretAccessKey!, serviceCredential.ServicePassword!]) {
    expect(published).not.toContain(secret);
  }
  expect(notifications.sent.filter((n) => n.userName === userName).map((n) => n.type)).toEqual([
    'offboarding.started',
    'offboarding.disabled',
    'offboarding.completed',
  ]);
});
