/**
 * The CLI against a deployed stack, with the AWS clients mocked: there is no AWS account here, so
 * this checks that the CLI finds the stack's resources, uses the deployed config and calls the right
 * APIs with the right payloads.
 */
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { createHash, createHmac } from 'node:crypto';
import { configFile, runCli } from '../support/cli';
import { mockDeployedStack } from '../support/deployed-stack';
import { startFakeApi, type FakeApi, type SeenRequest } from '../support/fake-api';

const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Rotation';
const DEPLOYED_CONFIG = { maxKeyAgeDays: 60, cutoverCheckIntervalHours: 12, cutoverQuietPeriodHours: 48 };
const CALLER = 'arn:aws:sts::111122223333:assumed-role/Operators/alice';

function mockStack(apiUrl?: string) {
  const mocks = mockDeployedStack({
    outputs: {
      RotationStateMachineArn: MACHINE,
      ScanFunctionName: 'IamUserLifecycle-Scan',
      SnapshotBucketName: 'records-bucket',
      ...(apiUrl ? { ApiUrl: apiUrl } : {}),
    },
    config: DEPLOYED_CONFIG,
    caller: { arn: CALLER, userId: 'AROA:alice' },
  });
  mocks.s3.on(PutObjectCommand).resolves({});
  return mocks;
}

function expectSigned(request: SeenRequest, method: string, path: string, body: unknown) {
  expect({ method: request.method, path: request.path, body: request.body }).toEqual({ method, path, body });
  expect(request.headers.authorization).toMatch(
    /^AWS4-HMAC-SHA256 Credential=AKIAOPERATOR\/\d{8}\/eu-west-1\/execute-api\/aws4_request/,
  );
  expect(request.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
}

/** Recomputes the SigV4 signature (AWS's documented algorithm, node:crypto only) from what the server received. */
function expectValidSignature(request: SeenRequest, secretAccessKey: string) {
  const auth = String(request.headers.authorization);
  const match =
    /^AWS4-HMAC-SHA256 Credential=[^/]+\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  expect(match).not.toBeNull();
  const [, day, region, service, signedHeaders, signature] = match!;
  const amzDate = String(request.headers['x-amz-date']);
  const sha = (data: string) => createHash('sha256').update(data).digest('hex');
  const url = new URL(request.path, 'http://x');
  const canonical = [
    request.method,
    url.pathname,
    '',
    ...signedHeaders!.split(';').map((h) => `${h}:${String(request.headers[h]).trim()}`),
    '',
    signedHeaders,
    sha(request.body === undefined ? '' : JSON.stringify(request.body)),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha(canonical)].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day!), region!), service!), 'aws4_request');
  expect(createHmac('sha256', key).update(toSign).digest('hex')).toBe(signature);
  expect(signedHeaders!.split(';')).toEqual(expect.arrayContaining(['host', 'x-amz-date']));
}

let api: FakeApi;

describe('iam-lifecycle against the deployed stack', () => {
  beforeEach(async () => {
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AWS_ACCESS_KEY_ID = 'AKIAOPERATOR';
    process.env.AWS_SECRET_ACCESS_KEY = 'operator-secret';
    api = await startFakeApi();
  });

  afterEach(async () => {
    await api.close();
  });

  it('scan --dry-run invokes the stack’s scan function with {"dryRun": true}', async () => {
    // Prepare
    const { lambda } = mockStack();
    const summary = {
      dryRun: true,
      scannedUsers: 3,
      upToDate: 3,
      candidates: 0,
      plan: [],
      started: [],
      alreadyRunning: [],
      blocked: [],
      skipped: [],
      failed: [],
    };
    lambda.on(InvokeCommand).resolves({ Payload: Buffer.from(JSON.stringify(summary)) as never, StatusCode: 200 });
    // Act
    const result = await runCli(['scan', '--dry-run']);
    // Assess
    expect(result.code).toBe(0);
    const invoke = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(invoke.FunctionName).toBe('IamUserLifecycle-Scan');
    expect(JSON.parse(Buffer.from(invoke.Payload as Uint8Array).toString())).toEqual({ dryRun: true });
    expect(result.out).toContain('DRY RUN: 3 users in the credential report');
  });

  it('rotate <user> asks the stack’s API (POST /rotations, SigV4-signed) and starts nothing itself', async () => {
    // Prepare: a local user name that must not end up anywhere
    process.env.USER = 'mallory';
    const { sfn } = mockStack(api.url);
    api.answer(202, {
      userName: 'ci-bot',
      accessKeyId: 'AKIAEXAMPLEKEY000001',
      executionName: 'rotate-ci-bot-AKIAEXAMPLEKEY000001',
      started: true,
    });
    // Act
    const result = await runCli(['rotate', 'ci-bot']);
    // Assess
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(api.requests).toHaveLength(1);
    expectSigned(api.requests[0]!, 'POST', '/prod/rotations', { userName: 'ci-bot' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(result.out).toContain('started: rotate-ci-bot-AKIAEXAMPLEKEY000001 (retiring AKIAEXAMPLEKEY000001)');
  });

  it('rotate --key is refused deployed (the API rotates the one active key): one line, exit 2, no request', async () => {
    // Prepare
    mockStack(api.url);
    // Act
    const result = await runCli(['rotate', 'ci-bot', '--key', 'AKIAEXAMPLEKEY000001']);
    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/--key is for local mode/);
    expect(api.requests).toHaveLength(0);
  });

  it('rollback <user> asks the API (POST /rotations/{user}/rollback)', async () => {
    // Prepare
    mockStack(api.url);
    api.answer(200, { reactivatedAccessKeyId: 'AKIAOLD', note: 'the old key is active again' });
    // Act
    const result = await runCli(['rollback', 'ci-bot']);
    // Assess
    expect(result.code).toBe(0);
    expectSigned(api.requests[0]!, 'POST', '/prod/rotations/ci-bot/rollback', {});
    expect(result.out).toBe('reactivated AKIAOLD of ci-bot: the old key is active again');
  });

  it.each([
    ['--time-scale', ['--time-scale', '86400'], /--time-scale is for local runs \(--endpoint\) only/],
    [
      'a --config with other timings',
      ['--config', configFile({ ...DEPLOYED_CONFIG, cutoverDeadlineAction: 'deactivate', deactivatedGracePeriodDays: 1 })],
      /--config differs from the deployed config in cutoverDeadlineAction, deactivatedGracePeriodDays/,
    ],
    ['a --config with another timeScale', ['--config', configFile({ ...DEPLOYED_CONFIG, timeScale: 86400 })], /in timeScale;/],
  ])('refuses %s against a deployed stack: one line, exit 2, nothing started', async (_label, flags, message) => {
    // Prepare
    const { sfn } = mockStack();
    // Act
    const results = [
      await runCli(['rotate', 'ci-bot', ...flags]),
      await runCli(['offboard', 'ci-bot', '--reason', 'x', ...flags]),
    ];
    // Assess
    for (const result of results) {
      expect(result.code).toBe(2);
      expect(result.err).toMatch(message);
      expect(result.err.split('\n')).toHaveLength(1);
    }
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('accepts a --config whose timings equal the deployed ones', async () => {
    // Prepare
    mockStack(api.url);
    api.answer(202, { userName: 'ci-bot', accessKeyId: 'AKIAEXAMPLEKEY000001', executionName: 'rotate-ci-bot-x', started: true });
    // Act
    const result = await runCli(['rotate', 'ci-bot', '--config', configFile({ ...DEPLOYED_CONFIG, secretPrefix: 'other' })]);
    // Assess
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(api.requests).toHaveLength(1);
  });

  it('offboard <user> posts to /offboardings (signed) and writes no record itself: 202 started', async () => {
    // Prepare
    const { s3, sfn } = mockStack(api.url);
    api.answer(202, { executionName: 'offboard-leaver-1', started: true, userId: 'AIDALEAVER', userName: 'leaver' });
    // Act
    const result = await runCli(['offboard', 'leaver', '--reason', 'left the company', '--observation-days', '3']);
    // Assess
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expectSigned(api.requests[0]!, 'POST', '/prod/offboardings', {
      userName: 'leaver',
      reason: 'left the company',
      observationDays: 3,
    });
    expectValidSignature(api.requests[0]!, 'operator-secret');
    expect(result.out).toBe('started: offboard-leaver-1');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('offboard under the two-person rule: the API records the pending request (202) and the CLI says so', async () => {
    // Prepare
    const { s3 } = mockStack(api.url);
    const request = {
      id: 'offboard-0001',
      action: 'offboard',
      userName: 'leaver',
      requestedBy: CALLER,
      expiresAt: '2026-12-01T00:00:00.000Z',
    };
    api.answer(202, {
      status: 'pending-approval',
      created: true,
      request,
      userName: 'leaver',
      approvalUrl: '/offboardings/leaver/approval',
    });
    // Act
    const result = await runCli(['offboard', 'leaver', '--reason', 'left']);
    // Assess
    expect(result.code).toBe(0);
    expect(result.out).toContain(`recorded: offboard request offboard-0001 for leaver by ${CALLER}`);
    expect(result.out).toContain('iam-lifecycle approve-offboarding leaver`');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('cancel-offboarding <user> sends DELETE /offboardings/{user} (signed) and writes no decision.json itself', async () => {
    // Prepare
    const { s3 } = mockStack(api.url);
    api.answer(202, {
      userName: 'leaver',
      offboardingExecutionName: 'offboard-leaver-1',
      restoreExecutionName: 'restore-leaver-1',
      started: true,
    });
    // Act
    const result = await runCli(['cancel-offboarding', 'leaver']);
    // Assess
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expectSigned(api.requests[0]!, 'DELETE', '/prod/offboardings/leaver', undefined);
    expect(result.out).toBe('restoring: restore-leaver-1 (stopped offboard-leaver-1)');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('approve-offboarding <user> --cancel posts the approval (signed); the API names the approver', async () => {
    // Prepare
    const { s3 } = mockStack(api.url);
    api.answer(202, {
      status: 'approved',
      action: 'cancel',
      requestId: 'cancel-0001',
      requestedBy: 'arn:aws:sts::111122223333:assumed-role/Operators/bob',
      approvedBy: CALLER,
      restoreExecutionName: 'restore-leaver-1',
      started: true,
    });
    // Act
    const result = await runCli(['approve-offboarding', 'leaver', '--cancel', '--request-id', 'cancel-0001']);
    // Assess
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expectSigned(api.requests[0]!, 'POST', '/prod/offboardings/leaver/approval', { action: 'cancel', requestId: 'cancel-0001' });
    expect(result.out).toBe(
      `approved cancel request cancel-0001 of arn:aws:sts::111122223333:assumed-role/Operators/bob as ${CALLER}\nrestoring: restore-leaver-1`,
    );
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it.each([
    [
      'the resource policy (403 from API Gateway)',
      403,
      {
        Message: 'User: arn:aws:sts::111122223333:assumed-role/Operators/alice is not authorized to perform: execute-api:Invoke',
      },
      'iam-lifecycle: AccessDenied: the API refused the request (403): your principal lacks the `iam-lifecycle:api` principal tag or is not in api.principals',
    ],
    [
      'a self-approval (403 from the API)',
      403,
      { error: 'SelfApprovalError', message: 'the requester cannot approve its own request' },
      'iam-lifecycle: SelfApprovalError: the requester cannot approve its own request',
    ],
    [
      'a conflict (409)',
      409,
      { error: 'ProtectedUserError', message: 'user leaver is protected (tag); the automation does not touch it' },
      'iam-lifecycle: ProtectedUserError: user leaver is protected (tag); the automation does not touch it',
    ],
    [
      'no pending request (404)',
      404,
      { error: 'NoPendingApprovalError', message: 'no pending offboard request for leaver' },
      'iam-lifecycle: NoPendingApprovalError: no pending offboard request for leaver',
    ],
  ])('a refusal by %s is one line and exit 2', async (_label, status, body, line) => {
    // Prepare
    mockStack(api.url);
    api.answer(status, body);
    // Act
    const results = [
      await runCli(['offboard', 'leaver', '--reason', 'x']),
      await runCli(['cancel-offboarding', 'leaver']),
      await runCli(['approve-offboarding', 'leaver']),
    ];
    // Assess
    for (const result of results) {
      expect(result.code).toBe(2);
      expect(result.err).toBe(line);
    }
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /prod/offboardings',
      'DELETE /prod/offboardings/leaver',
      'POST /prod/offboardings/leaver/approval',
    ]);
  });

  it('an API failure (500) is exit 1 and names no secret', async () => {
    // Prepare
    mockStack(api.url);
    api.answer(500, { error: 'InternalError', message: 'the request failed; see the API function logs' });
    // Act
    const result = await runCli(['offboard', 'leaver', '--reason', 'x']);
    // Assess
    expect(result.code).toBe(1);
    expect(result.err).toBe('iam-lifecycle: POST /prod/offboardings failed: the API answered 500');
  });

  it('a stack without an ApiUrl output is a clear error for the writing verbs', async () => {
    // Prepare
    const { s3 } = mockStack();
    // Act
    const result = await runCli(['cancel-offboarding', 'leaver']);
    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/the stack has no ApiUrl output/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('a missing stack is a clear error', async () => {
    // Prepare
    const { cfn } = mockStack();
    cfn
      .on(DescribeStacksCommand, { StackName: 'Nope' })
      .rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    // Act
    const result = await runCli(['scan', '--stack', 'Nope']);
    // Assess
    expect(result.code).toBe(1);
    expect(result.err).toContain('Stack with id Nope does not exist');
  });
});
