/**
 * The CLI against a deployed stack, with the AWS clients mocked: there is no AWS account here, so
 * this checks that the CLI finds the stack's resources, uses the deployed config and calls the right
 * APIs with the right payloads.
 */
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetUserCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { configFile, runCli } from '../support/cli';
import { mockDeployedStack } from '../support/deployed-stack';

const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Rotation';
const DEPLOYED_CONFIG = { maxKeyAgeDays: 60, cutoverCheckIntervalHours: 12, cutoverQuietPeriodHours: 48 };
const CALLER = 'arn:aws:sts::111122223333:assumed-role/Operators/alice';

const mockStack = () =>
  mockDeployedStack({
    outputs: { RotationStateMachineArn: MACHINE, ScanFunctionName: 'IamUserLifecycle-Scan' },
    config: DEPLOYED_CONFIG,
    caller: { arn: CALLER, userId: 'AROA:alice' },
  });

/** The managed user ci-bot with one active key, and no rotation of it running. */
function rotatableUser({ sfn, iam }: ReturnType<typeof mockStack>): void {
  iam.on(GetUserCommand).resolves({
    User: {
      UserName: 'ci-bot',
      UserId: 'AIDA1',
      Arn: 'arn:aws:iam::111122223333:user/ci-bot',
      Path: '/',
      CreateDate: new Date(0),
      Tags: [],
    },
  });
  iam
    .on(ListAccessKeysCommand)
    .resolves({ AccessKeyMetadata: [{ AccessKeyId: 'AKIAEXAMPLEKEY000001', Status: 'Active', CreateDate: new Date(0) }] });
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
  sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'no', $metadata: {} }));
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${MACHINE}:x`, startDate: new Date() });
}

describe('iam-lifecycle against the deployed stack', () => {
  beforeEach(() => {
    process.env.AWS_REGION = 'eu-west-1';
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

  it('rotate <user> starts the deployed state machine for the exact key, with no timing and the caller’s STS identity', async () => {
    // Prepare: a local user name that must not end up in the audit field
    process.env.USER = 'mallory';
    const stack = mockStack();
    const { sfn } = stack;
    rotatableUser(stack);
    // Act
    const result = await runCli(['rotate', 'ci-bot']);
    // Assess
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start).toMatchObject({ stateMachineArn: MACHINE, name: 'rotate-ci-bot-AKIAEXAMPLEKEY000001' });
    expect(JSON.parse(start.input!)).toEqual({
      userName: 'ci-bot',
      accessKeyId: 'AKIAEXAMPLEKEY000001',
      requestedBy: `cli:${CALLER}`,
      trigger: 'on-demand',
    });
    expect(result.out).toContain('started: rotate-ci-bot-AKIAEXAMPLEKEY000001');
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
    const stack = mockStack();
    const { sfn } = stack;
    rotatableUser(stack);
    // Act
    const result = await runCli(['rotate', 'ci-bot', '--config', configFile({ ...DEPLOYED_CONFIG, secretPrefix: 'other' })]);
    // Assess
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
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
