/**
 * The IAM user adapter (IamUsers) and the snapshot store on paths moto cannot produce: truncated
 * pages (moto returns everything in one page), the APIs moto lacks (service-specific credentials,
 * user permissions boundaries), errors on exact calls, and S3's 409 on concurrent conditional writes. aws-sdk-client-mock stands in for AWS here only.
 */
import {
  DeleteServiceSpecificCredentialCommand,
  DeleteUserPermissionsBoundaryCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  NoSuchEntityException,
  GetLoginProfileCommand,
  UpdateServiceSpecificCredentialCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { UserNotFoundError } from '../../functions/shared/errors';
import { IamUsers } from '../../functions/shared/iam/users';
import { isVirtualMfaSerial, keyCreatedAt } from '../../functions/shared/iam/records';
import { sha256Hex, SnapshotStore } from '../../functions/shared/snapshot-store';
import { IntegrityError } from '../../functions/shared/errors';

const iamMock = mockClient(IAMClient);
const s3Mock = mockClient(S3Client);

beforeEach(() => {
  iamMock.reset();
  s3Mock.reset();
});

const noSuchEntity = () => new NoSuchEntityException({ message: 'not found', $metadata: { httpStatusCode: 404 } });

/** Two pages for a list command: the adapter must follow Marker until IsTruncated is false. */
function twoPages<T>(command: unknown, field: string, first: T[], second: T[]) {
  iamMock
    .on(command as never, { Marker: undefined } as never)
    .resolves({ [field]: first, IsTruncated: true, Marker: 'page-2' } as never)
    .on(command as never, { Marker: 'page-2' } as never)
    .resolves({ [field]: second, IsTruncated: false } as never);
}

describe('IamUsers', () => {
  it('follows every page of every list call it makes', async () => {
    // Prepare
    iamMock.on(GetUserCommand).resolves({
      User: {
        UserName: 'alice',
        UserId: 'AIDAALICE',
        Arn: 'arn:aws:iam::123456789012:user/staff/alice',
        Path: '/staff/',
        CreateDate: new Date('2030-01-01T00:00:00Z'),
        PermissionsBoundary: {
          PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
          PermissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/b',
        },
      },
    });
    twoPages(ListUserTagsCommand, 'Tags', [{ Key: 'a', Value: '1' }], [{ Key: 'b', Value: '2' }]);
    twoPages(ListGroupsForUserCommand, 'Groups', [{ GroupName: 'g1' }], [{ GroupName: 'g2' }]);
    twoPages(
      ListAttachedUserPoliciesCommand,
      'AttachedPolicies',
      [{ PolicyArn: 'arn:p1', PolicyName: 'p1' }],
      [{ PolicyArn: 'arn:p2', PolicyName: 'p2' }],
    );
    twoPages(ListUserPoliciesCommand, 'PolicyNames', ['i1'], ['i2']);
    iamMock.on(GetUserPolicyCommand).callsFake((input: { PolicyName: string }) => ({
      PolicyDocument: encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Sid: input.PolicyName })),
    }));
    iamMock.on(GetLoginProfileCommand).rejects(noSuchEntity());
    twoPages(
      ListAccessKeysCommand,
      'AccessKeyMetadata',
      [{ AccessKeyId: 'AKIA1', Status: 'Active' }],
      [{ AccessKeyId: 'AKIA2', Status: 'Inactive' }],
    );
    twoPages(
      ListMFADevicesCommand,
      'MFADevices',
      [{ SerialNumber: 'arn:aws:iam::123456789012:mfa/alice' }],
      [{ SerialNumber: 'GAHT12345678' }],
    );
    twoPages(
      ListSSHPublicKeysCommand,
      'SSHPublicKeys',
      [{ SSHPublicKeyId: 'APKA1', Status: 'Active' }],
      [{ SSHPublicKeyId: 'APKA2', Status: 'Inactive' }],
    );
    twoPages(
      ListSigningCertificatesCommand,
      'Certificates',
      [{ CertificateId: 'C1', Status: 'Active' }],
      [{ CertificateId: 'C2', Status: 'Active' }],
    );
    twoPages(
      ListServiceSpecificCredentialsCommand,
      'ServiceSpecificCredentials',
      [{ ServiceSpecificCredentialId: 'ACCA1', ServiceName: 'codecommit.amazonaws.com', Status: 'Active' }],
      [{ ServiceSpecificCredentialId: 'ACCA2', ServiceName: 'cassandra.amazonaws.com', Status: 'Inactive' }],
    );
    const admin = new IamUsers(new IAMClient({ region: 'us-east-1' }));

    // Act
    const inv = await admin.inventory('alice', { policyDocuments: true });

    // Assert
    expect(inv.user).toEqual({
      userName: 'alice',
      userId: 'AIDAALICE',
      arn: 'arn:aws:iam::123456789012:user/staff/alice',
      path: '/staff/',
      createDate: '2030-01-01T00:00:00.000Z',
      permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/b',
      tags: { a: '1', b: '2' },
    });
    expect(inv.groups).toEqual(['g1', 'g2']);
    expect(inv.attachedPolicies.map((p) => p.policyArn)).toEqual(['arn:p1', 'arn:p2']);
    expect(inv.inlinePolicies).toEqual([
      { policyName: 'i1', document: '{"Version":"2012-10-17","Sid":"i1"}' },
      { policyName: 'i2', document: '{"Version":"2012-10-17","Sid":"i2"}' },
    ]);
    expect(inv.loginProfile).toBeUndefined();
    expect(inv.accessKeys.map((k) => [k.accessKeyId, k.status])).toEqual([
      ['AKIA1', 'Active'],
      ['AKIA2', 'Inactive'],
    ]);
    expect(inv.mfaDevices.map((d) => [d.serialNumber, d.virtual])).toEqual([
      ['arn:aws:iam::123456789012:mfa/alice', true],
      ['GAHT12345678', false],
    ]);
    expect(inv.sshPublicKeys.map((k) => k.sshPublicKeyId)).toEqual(['APKA1', 'APKA2']);
    expect(inv.signingCertificates.map((c) => c.certificateId)).toEqual(['C1', 'C2']);
    expect(inv.serviceSpecificCredentials.map((c) => [c.serviceSpecificCredentialId, c.status])).toEqual([
      ['ACCA1', 'Active'],
      ['ACCA2', 'Inactive'],
    ]);
  });

  it('turns a missing user into UserNotFoundError on reads and "already gone" on removals', async () => {
    // Prepare
    iamMock.on(GetUserCommand).rejects(noSuchEntity());
    iamMock.on(ListAccessKeysCommand).rejects(noSuchEntity());
    iamMock.on(DeleteAccessKeyCommand).rejects(noSuchEntity());
    iamMock.on(DeleteServiceSpecificCredentialCommand).rejects(noSuchEntity());
    iamMock.on(DeleteUserPermissionsBoundaryCommand).rejects(noSuchEntity());
    const admin = new IamUsers(new IAMClient({ region: 'us-east-1' }));

    // Act + Assert
    await expect(admin.getUser('ghost')).rejects.toBeInstanceOf(UserNotFoundError);
    expect(await admin.findUser('ghost')).toBeUndefined();
    await expect(admin.listAccessKeys('ghost')).rejects.toBeInstanceOf(UserNotFoundError);
    expect(await admin.deleteAccessKey('ghost', 'AKIA1')).toBe(false);
    expect(await admin.deleteServiceCredential('ghost', 'ACCA1')).toBe(false);
    expect(await admin.deletePermissionsBoundary('ghost')).toBe(false);
  });

  it('reads tags with ListUserTags by default, and from GetUser when asked (ListUserTags only if it returned none)', async () => {
    // Prepare
    iamMock
      .on(GetUserCommand, { UserName: 'alice' })
      .resolves({
        User: {
          UserName: 'alice',
          UserId: 'AIDAALICE',
          Arn: 'arn:a',
          Path: '/',
          CreateDate: new Date(0),
          Tags: [{ Key: 'from', Value: 'GetUser' }],
        },
      })
      .on(GetUserCommand, { UserName: 'bob' })
      .resolves({ User: { UserName: 'bob', UserId: 'AIDABOB', Arn: 'arn:b', Path: '/', CreateDate: new Date(0) } });
    iamMock.on(ListUserTagsCommand).resolves({ Tags: [{ Key: 'from', Value: 'ListUserTags' }] });
    const users = new IamUsers(new IAMClient({ region: 'us-east-1' }));

    // Act
    const listed = await users.getUser('alice');
    const embedded = await users.getUser('alice', { tagsFromGetUser: true });
    const listedCalls = iamMock.commandCalls(ListUserTagsCommand).length;
    const fallback = await users.getUser('bob', { tagsFromGetUser: true });

    // Assess
    expect(listed.tags).toEqual({ from: 'ListUserTags' });
    expect(embedded.tags).toEqual({ from: 'GetUser' });
    expect(listedCalls).toBe(1);
    expect(fallback.tags).toEqual({ from: 'ListUserTags' });
    expect(iamMock.commandCalls(ListUserTagsCommand)).toHaveLength(2);
  });

  it('answers false for a status change of a key already gone, unless the key must exist', async () => {
    // Prepare
    iamMock.on(UpdateAccessKeyCommand).rejects(noSuchEntity());
    const users = new IamUsers(new IAMClient({ region: 'us-east-1' }));

    // Act + Assess
    expect(await users.setAccessKeyStatus('alice', 'AKIA1', 'Inactive')).toBe(false);
    await expect(users.setAccessKeyStatus('alice', 'AKIA1', 'Inactive', { mustExist: true })).rejects.toBeInstanceOf(
      NoSuchEntityException,
    );
    expect(iamMock.commandCalls(UpdateAccessKeyCommand)).toHaveLength(2);
  });

  it('reads last use per key after listing, and a key deleted meanwhile as never used', async () => {
    // Prepare
    iamMock.on(ListAccessKeysCommand).resolves({
      AccessKeyMetadata: [
        { AccessKeyId: 'AKIA1', Status: 'Active', CreateDate: new Date('2030-01-01T00:00:00Z') },
        { AccessKeyId: 'AKIA2', Status: 'Inactive' },
      ],
    });
    iamMock
      .on(GetAccessKeyLastUsedCommand, { AccessKeyId: 'AKIA1' })
      .resolves({ AccessKeyLastUsed: { LastUsedDate: new Date('2030-02-01T00:00:00Z'), ServiceName: 's3', Region: 'us-east-1' } })
      .on(GetAccessKeyLastUsedCommand, { AccessKeyId: 'AKIA2' })
      .rejects(noSuchEntity());
    const users = new IamUsers(new IAMClient({ region: 'us-east-1' }));

    // Act
    const keys = await users.listAccessKeys('alice', { lastUsed: true });
    const gone = await users.lastUsed('AKIA2');

    // Assess
    expect(keys).toEqual([
      {
        accessKeyId: 'AKIA1',
        status: 'Active',
        createDate: '2030-01-01T00:00:00.000Z',
        lastUsedDate: '2030-02-01T00:00:00.000Z',
        lastUsedService: 's3',
      },
      { accessKeyId: 'AKIA2', status: 'Inactive' },
    ]);
    expect(keys.map((k) => keyCreatedAt(k).toISOString())).toEqual(['2030-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z']);
    expect(gone).toBeUndefined();
  });

  it('passes other failures through unchanged (the state machine decides whether to retry)', async () => {
    iamMock.on(UpdateServiceSpecificCredentialCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    const admin = new IamUsers(new IAMClient({ region: 'us-east-1', maxAttempts: 1 }));
    await expect(admin.setServiceCredentialStatus('alice', 'ACCA1', 'Inactive')).rejects.toThrow('Rate exceeded');
  });

  it('sends service-specific credential and boundary calls with the exact ids', async () => {
    iamMock.on(UpdateServiceSpecificCredentialCommand).resolves({});
    iamMock.on(DeleteServiceSpecificCredentialCommand).resolves({});
    iamMock.on(DeleteUserPermissionsBoundaryCommand).resolves({});
    const admin = new IamUsers(new IAMClient({ region: 'us-east-1' }));

    expect(await admin.setServiceCredentialStatus('alice', 'ACCA1', 'Inactive')).toBe(true);
    expect(await admin.deleteServiceCredential('alice', 'ACCA1')).toBe(true);
    expect(await admin.deletePermissionsBoundary('alice')).toBe(true);

    expect(iamMock.commandCalls(UpdateServiceSpecificCredentialCommand)[0]?.args[0].input).toEqual({
      UserName: 'alice',
      ServiceSpecificCredentialId: 'ACCA1',
      Status: 'Inactive',
    });
    expect(iamMock.commandCalls(DeleteServiceSpecificCredentialCommand)[0]?.args[0].input).toEqual({
      UserName: 'alice',
      ServiceSpecificCredentialId: 'ACCA1',
    });
    expect(iamMock.commandCalls(DeleteUserPermissionsBoundaryCommand)[0]?.args[0].input).toEqual({ UserName: 'alice' });
  });

  it('recognises virtual MFA devices by their ARN', () => {
    expect(isVirtualMfaSerial('arn:aws:iam::123456789012:mfa/alice')).toBe(true);
    expect(isVirtualMfaSerial('arn:aws-us-gov:iam::123456789012:mfa/alice')).toBe(true);
    expect(isVirtualMfaSerial('arn:aws:iam::123456789012:u2f/user/alice/key-ABC')).toBe(false);
    expect(isVirtualMfaSerial('GAHT12345678')).toBe(false);
  });
});

describe('SnapshotStore.create', () => {
  /** The part of a GetObject body the store reads. */
  function body(text: string) {
    return { transformToString: async () => text };
  }
  const conflict = (name: string, status: number) =>
    new S3ServiceException({ name, $fault: 'client', message: name, $metadata: { httpStatusCode: status } });

  it('writes only when nothing exists, otherwise answers the existing record', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).rejects(conflict('PreconditionFailed', 412));
    s3Mock.on(GetObjectCommand).resolves({ Body: body('{"decision":"delete"}') } as never);
    const store = new SnapshotStore(new S3Client({ region: 'us-east-1' }), 'bucket');

    // Act
    const result = await store.create('k', { decision: 'cancel' });

    // Assert
    expect(result).toEqual({ created: false, value: { decision: 'delete' }, sha256: sha256Hex('{"decision":"delete"}') });
    expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'bucket',
      Key: 'k',
      IfNoneMatch: '*',
    });
  });

  it('settles a 409 from a concurrent conditional write by reading what won', async () => {
    s3Mock.on(PutObjectCommand).rejects(conflict('ConditionalRequestConflict', 409));
    s3Mock
      .on(GetObjectCommand)
      .rejectsOnce(Object.assign(new Error('no such key'), { name: 'NoSuchKey' }))
      .resolves({ Body: body('{"decision":"cancel"}') } as never);
    const store = new SnapshotStore(new S3Client({ region: 'us-east-1' }), 'bucket');

    const result = await store.create('k', { decision: 'delete' });

    expect(result).toMatchObject({ created: false, value: { decision: 'cancel' } });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(2);
  });

  it('answers the SHA-256 and version id of what it wrote, and writes final records with a governance lock', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).resolves({ VersionId: 'v1' });
    const store = new SnapshotStore(new S3Client({ region: 'us-east-1' }), 'bucket');
    const retainUntil = new Date('2031-01-01T00:00:00.000Z');

    // Act
    const written = await store.create('k', { a: 1 }, { retainUntil });

    // Assess
    expect(written).toEqual({
      created: true,
      value: { a: 1 },
      sha256: sha256Hex(JSON.stringify({ a: 1 }, null, 2)),
      versionId: 'v1',
    });
    expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockRetainUntilDate: retainUntil,
    });
  });

  it('reads a record back only at its pinned version and hash, else IntegrityError', async () => {
    // Prepare
    const genuine = '{"groups":[]}';
    s3Mock
      .on(GetObjectCommand, { Bucket: 'bucket', Key: 'k', VersionId: 'v1' })
      .resolves({ Body: body(genuine), VersionId: 'v1' } as never);
    s3Mock
      .on(GetObjectCommand, { Bucket: 'bucket', Key: 'k2', VersionId: 'v1' })
      .resolves({ Body: body('{"groups":["admins"]}'), VersionId: 'v1' } as never);
    s3Mock
      .on(GetObjectCommand, { Bucket: 'bucket', Key: 'gone' })
      .rejects(Object.assign(new Error('no such key'), { name: 'NoSuchKey' }));
    const store = new SnapshotStore(new S3Client({ region: 'us-east-1' }), 'bucket');

    // Act + Assess
    await expect(store.getVerified('k', { sha256: sha256Hex(genuine), versionId: 'v1' })).resolves.toEqual({ groups: [] });
    await expect(store.getVerified('k2', { sha256: sha256Hex(genuine), versionId: 'v1' })).rejects.toBeInstanceOf(IntegrityError);
    await expect(store.getVerified('gone', { sha256: sha256Hex(genuine) })).rejects.toThrow(/integrity check/);
    await expect(store.getVerified('k', { sha256: 'not-a-hash' })).rejects.toBeInstanceOf(IntegrityError);
  });

  it('refuses to work without a bucket name', () => {
    expect(() => new SnapshotStore(new S3Client({ region: 'us-east-1' }), '')).toThrow(/SNAPSHOT_BUCKET/);
  });
});
