/** Error paths an emulator cannot produce: throttling and partial failures, with mocked SDK clients. */
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  type DescribeSecretCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig, rotationTiming } from '../../functions/shared/config';
import { TransientAwsError } from '../../functions/shared/errors';
import { WorkflowExecutionGuard } from '../../functions/shared/execution-guard';
import type { ExecutionSummary, WorkflowPort } from '../../functions/shared/workflows';
import { IamUsers } from '../../functions/shared/iam/users';
import { RecordingNotifier } from '../../functions/shared/notifier';
import { SecretStore } from '../../functions/shared/secret-store';
import { makeRotationHandlers, type RotationState } from '../../functions/rotation/handlers';

const config = parseConfig({});
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

const EXECUTION_ID = 'arn:aws:states:us-east-1:123456789012:execution:rot:rotate-bot-AKIAOLD';

/** What the execution's history records per state (Step Functions' own record, not the step input). */
let recordedOutputs: Record<string, unknown> = {};
beforeEach(() => {
  recordedOutputs = { CheckCutover: { cutover: { decision: 'confirmed' } } };
});

/** A WorkflowPort that knows the given executions (by name) of the `rot` state machine. */
function fakeWorkflows(executions: Partial<ExecutionSummary>[]): WorkflowPort {
  const summaries = executions.map((e): ExecutionSummary => ({
    kind: 'rotation',
    name: 'rotate-bot-AKIAOLD',
    status: 'RUNNING',
    startDate: new Date('2026-03-01T00:00:00Z'),
    input: { userName: 'bot', accessKeyId: 'AKIAOLD', requestedBy: 'test', trigger: 'on-demand' },
    ...e,
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:rot:${e.name ?? 'rotate-bot-AKIAOLD'}`,
  }));
  return {
    start: async () => ({ executionArn: '', started: true }),
    stop: async () => true,
    executionArn: (_kind, name) => `arn:aws:states:us-east-1:123456789012:execution:rot:${name}`,
    list: async () => summaries,
    describe: async (_kind, name) => summaries.find((s) => s.name === name),
    stateOutput: async (_kind, _name, stateName) => recordedOutputs[stateName],
  };
}

function setup(executions: Partial<ExecutionSummary>[] = [{}], cfg = config) {
  const iamMock = mockClient(IAMClient);
  const smMock = mockClient(SecretsManagerClient);
  iamMock.on(GetUserCommand).resolves({
    User: {
      UserName: 'bot',
      UserId: 'AIDABOT',
      Arn: 'arn:aws:iam::123456789012:user/bot',
      Path: '/',
      CreateDate: new Date(0),
      Tags: [],
    },
  });
  const notifier = new RecordingNotifier();
  const workflows = fakeWorkflows(executions);
  const handlers = makeRotationHandlers({
    guard: new WorkflowExecutionGuard(() => workflows),
    workflows: () => workflows,
    iam: new IamUsers(new IAMClient({ region: 'us-east-1', maxAttempts: 1 })),
    secrets: new SecretStore(new SecretsManagerClient({ region: 'us-east-1', maxAttempts: 1 })),
    notifier,
    config: cfg,
    clock: () => new Date('2026-03-01T00:00:00Z'),
    logger: silent,
  });
  return { iamMock, smMock, notifier, handlers };
}

/** DescribeSecret of this stack's secret whose AWSCURRENT version `versionId` holds `accessKeyId`. */
function described(accessKeyId: string, versionId: string): Partial<DescribeSecretCommandOutput> {
  return {
    Name: 'iam-user-lifecycle/bot',
    ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:iam-user-lifecycle/bot-AbCdEf',
    Tags: [
      { Key: 'iam-lifecycle:managed-by', Value: 'iam-user-lifecycle' },
      { Key: 'iam-lifecycle:user', Value: 'bot' },
      { Key: 'iam-lifecycle:access-key-id', Value: accessKeyId },
    ],
    VersionIdsToStages: { [versionId]: ['AWSCURRENT'] },
  };
}

const state: RotationState = {
  status: 'ready',
  userName: 'bot',
  userId: 'AIDABOT',
  executionId: EXECUTION_ID,
  trigger: 'on-demand',
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
      executionId: EXECUTION_ID,
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
    smMock.on(DescribeSecretCommand).resolves(described('AKIAOLD', 'v1'));
    smMock.on(GetResourcePolicyCommand).resolves({});
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
      .on(DescribeSecretCommand)
      .resolvesOnce(described('AKIAOLD', 'v1')) // createAndStore's reconcile
      .resolvesOnce(described('AKIAOLD', 'v1')) // storeKey's ownership check
      .resolves(described('AKIANEW', 'v2')); // the store landed
    smMock.on(GetResourcePolicyCommand).resolves({});
    smMock.on(PutSecretValueCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'ECONNRESET', $metadata: {} }));
    // Act
    const result = await handlers.createAndStore(state);
    // Assess
    expect(result).toMatchObject({ accessKeyId: 'AKIANEW', secretVersionId: 'v2' });
    expect(iamMock.commandCalls(DeleteAccessKeyCommand)).toHaveLength(0);
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(0); // told from metadata, never decrypted
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
      .on(DescribeSecretCommand)
      .resolvesOnce(described('AKIAOLD', 'v1'))
      .resolvesOnce(described('AKIAOLD', 'v1'))
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }));
    smMock.on(GetResourcePolicyCommand).resolves({});
    smMock.on(PutSecretValueCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'ECONNRESET', $metadata: {} }));
    // Act
    const error = await handlers.createAndStore(state).catch((e: Error) => e);
    // Assess: retried by the state machine, and the key that may be AWSCURRENT is not deleted
    expect(error).toMatchObject({ name: 'TransientAwsError' });
    expect(iamMock.commandCalls(DeleteAccessKeyCommand)).toHaveLength(0);
  });
});

describe('rotation steps run only inside a live rotation execution for their user and key', () => {
  afterEach(() => jest.restoreAllMocks());

  const withNewKey: RotationState = {
    ...state,
    newKey: { accessKeyId: 'AKIANEW', secretVersionId: 'v2', createdAt: '2026-03-01T00:00:00.000Z', reused: false },
  };
  const steps = ['createAndStore', 'checkCutover', 'deactivateOldKey', 'finishRotation'] as const;
  const invalid: [string, Partial<ExecutionSummary>[], Partial<RotationState>, string][] = [
    ['no such execution (a direct invoke)', [], {}, 'NotInLiveExecutionError'],
    ['the execution has ended', [{ status: 'SUCCEEDED' }], {}, 'NotInLiveExecutionError'],
    [
      'the execution is for another user',
      [{ input: { userName: 'alice', accessKeyId: 'AKIAOLD', trigger: 'on-demand' } }],
      {},
      'NotInLiveExecutionError',
    ],
    [
      'the execution rotates another key',
      [{ input: { userName: 'bot', accessKeyId: 'AKIAOTHER', trigger: 'on-demand' } }],
      {},
      'NotInLiveExecutionError',
    ],
    ['no execution id at all', [{}], { executionId: undefined as unknown as string }, 'ValidationError'],
    [
      'an execution of another state machine',
      [{}],
      { executionId: 'arn:aws:states:us-east-1:123456789012:execution:other:rotate-bot-AKIAOLD' },
      'NotInLiveExecutionError',
    ],
  ];

  for (const stepName of steps) {
    it.each(invalid)(`${stepName}: %s -> refused, nothing changed`, async (_label, executions, override, errorName) => {
      // Prepare
      const { iamMock, smMock, notifier, handlers } = setup(executions);
      iamMock.on(ListAccessKeysCommand).resolves({
        AccessKeyMetadata: [
          { AccessKeyId: 'AKIAOLD', Status: 'Active', CreateDate: new Date(0) },
          { AccessKeyId: 'AKIANEW', Status: 'Active', CreateDate: new Date() },
        ],
      });
      // Act
      const error = await handlers[stepName]({ ...withNewKey, ...override }).catch((e: Error) => e);
      // Assess
      expect(error).toMatchObject({ name: errorName });
      expect(String((error as Error).message)).toMatch(/refused|required/);
      expect(iamMock.commandCalls(CreateAccessKeyCommand)).toHaveLength(0);
      expect(iamMock.commandCalls(DeleteAccessKeyCommand)).toHaveLength(0);
      expect(iamMock.commandCalls(UpdateAccessKeyCommand)).toHaveLength(0);
      expect(smMock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
      expect(notifier.sent).toEqual([]);
    });
  }

  it.each([
    ['IAM user id changed (user re-created under the same name)', { UserId: 'AIDAOTHER' }],
    ['user is protected now', { Tags: [{ Key: 'iam-lifecycle:protected', Value: 'yes' }] }],
    ['user left the managed scope', { Path: '/humans/' }],
  ])('deactivateOldKey refuses when the %s; nothing changed', async (_label, change) => {
    // Prepare
    const { iamMock, handlers } = setup([{}], parseConfig({ managedUsers: { pathPrefix: '/svc/' } }));
    iamMock.on(GetUserCommand).resolves({
      User: {
        UserName: 'bot',
        UserId: 'AIDABOT',
        Arn: 'arn:aws:iam::123456789012:user/svc/bot',
        Path: '/svc/',
        CreateDate: new Date(0),
        Tags: [],
        ...change,
      },
    });
    // Act
    const error = await handlers.deactivateOldKey(withNewKey).catch((e: Error) => e);
    // Assess
    expect(error).toMatchObject({ name: 'SafetyCheckError' });
    expect(iamMock.commandCalls(ListAccessKeysCommand)).toHaveLength(0);
    expect(iamMock.commandCalls(UpdateAccessKeyCommand)).toHaveLength(0);
  });

  it('prepare outside a live execution deletes no inactive key', async () => {
    // Prepare: a second, inactive key that a real Prepare would remove to make room
    const { iamMock, notifier, handlers } = setup([]);
    iamMock.on(ListAccessKeysCommand).resolves({
      AccessKeyMetadata: [
        { AccessKeyId: 'AKIAOLD', Status: 'Active', CreateDate: new Date(0) },
        { AccessKeyId: 'AKIAINACTIVE', Status: 'Inactive', CreateDate: new Date(0) },
      ],
    });
    // Act
    const error = await handlers
      .prepare({
        userName: 'bot',
        accessKeyId: 'AKIAOLD',
        executionId: EXECUTION_ID,
        executionName: 'rotate-bot-AKIAOLD',
        startedAt: state.startedAt,
      })
      .catch((e: Error) => e);
    // Assess
    expect(error).toMatchObject({ name: 'NotInLiveExecutionError' });
    expect(iamMock.commandCalls(DeleteAccessKeyCommand)).toHaveLength(0);
    expect(notifier.sent).toEqual([]);
  });

  it('prepare refuses an execution input that carries timing: blocked invalid-request, nothing read or changed', async () => {
    // Prepare
    const { iamMock, notifier, handlers } = setup([
      { input: { userName: 'bot', accessKeyId: 'AKIAOLD', trigger: 'on-demand', timing: { checkIntervalSeconds: 1 } } },
    ]);
    // Act
    const result = await handlers.prepare({
      userName: 'bot',
      accessKeyId: 'AKIAOLD',
      executionId: EXECUTION_ID,
      executionName: 'rotate-bot-AKIAOLD',
      startedAt: state.startedAt,
    });
    // Assess
    expect(result).toMatchObject({ status: 'blocked', code: 'invalid-request' });
    expect((result as { reason: string }).reason).toContain('deployed config');
    expect(iamMock.commandCalls(ListAccessKeysCommand)).toHaveLength(0);
    expect(notifier.sent.map((n) => n.type)).toEqual(['rotation.blocked']);
  });

  it('deactivateOldKey refuses while its own execution has not confirmed the cutover (a direct invoke during the wait)', async () => {
    // Prepare: the history's last CheckCutover decided "waiting"; the state handed in claims nothing
    const { iamMock, handlers } = setup();
    recordedOutputs = { CheckCutover: { cutover: { decision: 'waiting' } } };
    // Act
    const error = await handlers.deactivateOldKey(withNewKey).catch((e: Error) => e);
    // Assess
    expect(error).toMatchObject({ name: 'SafetyCheckError', message: expect.stringMatching(/decided waiting/) });
    expect(iamMock.commandCalls(UpdateAccessKeyCommand)).toHaveLength(0);
  });

  it('finishRotation refuses to delete the old key before its own recorded deactivation is older than the grace period', async () => {
    // Prepare: deactivated one hour before the (fixed) clock; the default grace period is 7 days
    const { iamMock, handlers } = setup();
    recordedOutputs = { DeactivateOldKey: { deactivation: { deactivatedAt: '2026-02-28T23:00:00.000Z' } } };
    // Act
    const error = await handlers.finishRotation(withNewKey).catch((e: Error) => e);
    // Assess
    expect(error).toMatchObject({ name: 'SafetyCheckError', message: expect.stringMatching(/grace period/) });
    expect(iamMock.commandCalls(DeleteAccessKeyCommand)).toHaveLength(0);
  });

  it('later steps use the deployed timing, not the one in the state they are handed', async () => {
    // Prepare: a state claiming a one-second grace period
    const { iamMock, smMock, handlers } = setup();
    iamMock.on(ListAccessKeysCommand).resolves({
      AccessKeyMetadata: [
        { AccessKeyId: 'AKIAOLD', Status: 'Active', CreateDate: new Date(0) },
        { AccessKeyId: 'AKIANEW', Status: 'Active', CreateDate: new Date() },
      ],
    });
    iamMock.on(UpdateAccessKeyCommand).resolves({});
    smMock.on(DescribeSecretCommand).resolves(described('AKIANEW', 'v2'));
    // Act
    const result = await handlers.deactivateOldKey({ ...withNewKey, timing: { ...withNewKey.timing, gracePeriodSeconds: 1 } });
    // Assess: 7 days from the (fixed) clock
    expect(result.deleteAfter).toBe('2026-03-08T00:00:00.000Z');
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
    smMock.on(DescribeSecretCommand).resolves(described('AKIAOLD', 'v1'));
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
    smMock.on(DescribeSecretCommand).resolves(described('AKIAOLD', 'v1'));
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
