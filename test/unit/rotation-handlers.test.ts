/** Error paths an emulator cannot produce: throttling and partial failures, with mocked SDK clients. */
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig, rotationTiming } from '../../functions/shared/config';
import { TransientAwsError } from '../../functions/shared/errors';
import { IamGateway } from '../../functions/shared/iam-gateway';
import { RecordingNotifier } from '../../functions/shared/notifier';
import { SecretStore } from '../../functions/shared/secret-store';
import { makeRotationHandlers, type RotationState } from '../../functions/rotation/handlers';

const config = parseConfig({});
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function setup() {
  const iamMock = mockClient(IAMClient);
  const smMock = mockClient(SecretsManagerClient);
  const notifier = new RecordingNotifier();
  const handlers = makeRotationHandlers({
    iam: new IamGateway(new IAMClient({ region: 'us-east-1', maxAttempts: 1 })),
    secrets: new SecretStore(new SecretsManagerClient({ region: 'us-east-1', maxAttempts: 1 })),
    notifier,
    config,
    clock: () => new Date('2026-03-01T00:00:00Z'),
    logger: silent,
  });
  return { iamMock, smMock, notifier, handlers };
}

const state: RotationState = {
  status: 'ready',
  userName: 'bot',
  oldAccessKeyId: 'AKIAOLD',
  oldKeyUsedBefore: true,
  secretName: 'iam-user-lifecycle/bot',
  executionName: 'rotate-bot-AKIAOLD',
  startedAt: '2026-03-01T00:00:00.000Z',
  deadlineAt: '2026-03-15T00:00:00.000Z',
  requestedBy: 'test',
  timing: rotationTiming(config),
};

describe('rotation handlers on AWS errors', () => {
  afterEach(() => jest.restoreAllMocks());

  it('turns throttling into TransientAwsError so the state machine retries with backoff', async () => {
    // Prepare
    const { iamMock, handlers } = setup();
    iamMock.on(GetUserCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: {} }));
    // Act
    const result = handlers.prepare({
      userName: 'bot',
      accessKeyId: 'AKIAOLD',
      timing: rotationTiming(config),
      executionName: 'rotate-bot-AKIAOLD',
      startedAt: state.startedAt,
    });
    // Assess
    await expect(result).rejects.toBeInstanceOf(TransientAwsError);
    await expect(result).rejects.toMatchObject({ name: 'TransientAwsError', causeName: 'Throttling' });
  });

  it('deletes the key it just created when storing it fails for good, and never echoes the secret', async () => {
    // Prepare
    const { iamMock, smMock, handlers } = setup();
    iamMock
      .on(ListAccessKeysCommand)
      .resolves({ AccessKeyMetadata: [{ AccessKeyId: 'AKIAOLD', Status: 'Active', CreateDate: new Date(0) }] });
    iamMock.on(CreateAccessKeyCommand).resolves({
      AccessKey: { UserName: 'bot', AccessKeyId: 'AKIANEW', SecretAccessKey: SECRET, Status: 'Active', CreateDate: new Date() },
    });
    iamMock.on(DeleteAccessKeyCommand).resolves({});
    smMock.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'no secret', $metadata: {} }));
    smMock.on(DescribeSecretCommand).resolves({ Name: state.secretName });
    smMock.on(PutSecretValueCommand).rejects(
      Object.assign(new Error('Access denied to KMS key'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    // Act
    const error = await handlers.createAndStore(state).catch((e: Error) => e);
    // Assess
    expect(error).toMatchObject({ name: 'AccessDeniedException' });
    expect(JSON.stringify(error) + String(error)).not.toContain(SECRET);
    expect(iamMock.commandCalls(DeleteAccessKeyCommand).map((c) => c.args[0].input)).toEqual([
      { UserName: 'bot', AccessKeyId: 'AKIANEW' },
    ]);
  });

  it('keeps the new key when the store landed but its answer was lost', async () => {
    // Prepare
    const { iamMock, smMock, handlers } = setup();
    iamMock
      .on(ListAccessKeysCommand)
      .resolves({ AccessKeyMetadata: [{ AccessKeyId: 'AKIAOLD', Status: 'Active', CreateDate: new Date(0) }] });
    iamMock.on(CreateAccessKeyCommand).resolves({
      AccessKey: { UserName: 'bot', AccessKeyId: 'AKIANEW', SecretAccessKey: SECRET, Status: 'Active', CreateDate: new Date() },
    });
    smMock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ accessKeyId: 'AKIAOLD', secretAccessKey: 'x' }), VersionId: 'v1' })
      .resolves({ SecretString: JSON.stringify({ accessKeyId: 'AKIANEW', secretAccessKey: SECRET }), VersionId: 'v2' });
    smMock.on(DescribeSecretCommand).resolves({ Name: state.secretName });
    smMock.on(PutSecretValueCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'ECONNRESET', $metadata: {} }));
    // Act
    const result = await handlers.createAndStore(state);
    // Assess
    expect(result).toMatchObject({ accessKeyId: 'AKIANEW', secretVersionId: 'v2' });
    expect(iamMock.commandCalls(DeleteAccessKeyCommand)).toHaveLength(0);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });
});

describe('rotation handlers on a double fault', () => {
  it('keeps the new key when the store may have landed and the check read fails too', async () => {
    // Prepare
    const { iamMock, smMock, handlers } = setup();
    iamMock
      .on(ListAccessKeysCommand)
      .resolves({ AccessKeyMetadata: [{ AccessKeyId: 'AKIAOLD', Status: 'Active', CreateDate: new Date(0) }] });
    iamMock.on(CreateAccessKeyCommand).resolves({
      AccessKey: { UserName: 'bot', AccessKeyId: 'AKIANEW', SecretAccessKey: SECRET, Status: 'Active', CreateDate: new Date() },
    });
    smMock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ accessKeyId: 'AKIAOLD', secretAccessKey: 'x' }), VersionId: 'v1' })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }));
    smMock.on(DescribeSecretCommand).resolves({ Name: state.secretName });
    smMock.on(PutSecretValueCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'ECONNRESET', $metadata: {} }));
    // Act
    const error = await handlers.createAndStore(state).catch((e: Error) => e);
    // Assess: retried by the state machine, and the key that may be AWSCURRENT is not deleted
    expect(error).toMatchObject({ name: 'TransientAwsError' });
    expect(iamMock.commandCalls(DeleteAccessKeyCommand)).toHaveLength(0);
  });
});

describe('createAndStore after a lost CreateAccessKey answer (LimitExceeded on the SDK retry)', () => {
  const limit = () =>
    Object.assign(new Error('Cannot exceed quota for AccessKeysPerUser: 2'), {
      name: 'LimitExceededException',
      $metadata: { httpStatusCode: 409 },
    });
  const lostKey = { AccessKeyId: 'AKIALOST', Status: 'Active' as const, CreateDate: new Date('2026-03-01T00:00:01Z') };
  const oldKey = { AccessKeyId: 'AKIAOLD', Status: 'Active' as const, CreateDate: new Date(0) };

  it('reports a second key that has been used and deletes nothing', async () => {
    // Prepare: the key that fills the slot was used, so somebody holds its secret
    const { iamMock, smMock, notifier, handlers } = setup();
    iamMock
      .on(ListAccessKeysCommand)
      .resolvesOnce({ AccessKeyMetadata: [oldKey] })
      .resolves({ AccessKeyMetadata: [oldKey, lostKey] });
    iamMock.on(CreateAccessKeyCommand).rejects(limit());
    iamMock.on(GetAccessKeyLastUsedCommand).resolves({
      AccessKeyLastUsed: { LastUsedDate: new Date('2026-03-01T00:00:05Z'), ServiceName: 'sts', Region: 'us-east-1' },
    });
    smMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ accessKeyId: 'AKIAOLD', secretAccessKey: 'x' }) });
    // Act
    const error = await handlers.createAndStore(state).catch((e: Error) => e);
    // Assess
    expect(error).toMatchObject({ name: 'KeyStateError' });
    expect(iamMock.commandCalls(DeleteAccessKeyCommand)).toHaveLength(0);
    expect(notifier.sent).toEqual([expect.objectContaining({ type: 'rotation.foreign-key', accessKeyId: 'AKIALOST' })]);
  });

  it('deletes the never-used, unstored key and creates again, a bounded number of times', async () => {
    // Prepare: every create "loses" its answer
    const { iamMock, smMock, handlers } = setup();
    iamMock
      .on(ListAccessKeysCommand)
      .resolvesOnce({ AccessKeyMetadata: [oldKey] })
      .resolves({ AccessKeyMetadata: [oldKey, lostKey] });
    iamMock.on(CreateAccessKeyCommand).rejects(limit());
    iamMock.on(GetAccessKeyLastUsedCommand).resolves({ AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } });
    iamMock.on(DeleteAccessKeyCommand).resolves({});
    smMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ accessKeyId: 'AKIAOLD', secretAccessKey: 'x' }) });
    // Act
    const error = await handlers.createAndStore(state).catch((e: Error) => e);
    // Assess
    expect(error).toMatchObject({ name: 'LimitExceededException' });
    expect(iamMock.commandCalls(CreateAccessKeyCommand)).toHaveLength(3);
    expect(iamMock.commandCalls(DeleteAccessKeyCommand).map((c) => c.args[0].input.AccessKeyId)).toEqual([
      'AKIALOST',
      'AKIALOST',
    ]);
  });
});
