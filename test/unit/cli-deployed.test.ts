/**
 * The CLI against a deployed stack, with the AWS clients mocked: there is no AWS account here, so
 * this checks that the CLI finds the stack's resources, uses the deployed config and calls the right
 * APIs with the right payloads.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetUserCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../support/cli';

const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Rotation';
const DEPLOYED_CONFIG = { maxKeyAgeDays: 60, cutoverCheckIntervalHours: 12, cutoverQuietPeriodHours: 48 };

function mockStack() {
  const cfn = mockClient(CloudFormationClient);
  const lambda = mockClient(LambdaClient);
  const sfn = mockClient(SFNClient);
  const iam = mockClient(IAMClient);
  cfn.on(DescribeStacksCommand, { StackName: 'IamUserLifecycle' }).resolves({
    Stacks: [
      {
        StackName: 'IamUserLifecycle',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [
          { OutputKey: 'RotationStateMachineArn', OutputValue: MACHINE },
          { OutputKey: 'ScanFunctionName', OutputValue: 'IamUserLifecycle-Scan' },
        ],
      },
    ],
  });
  lambda
    .on(GetFunctionConfigurationCommand)
    .resolves({ Environment: { Variables: { LIFECYCLE_CONFIG: JSON.stringify(DEPLOYED_CONFIG) } } });
  return { cfn, lambda, sfn, iam };
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

  it('rotate <user> starts the deployed state machine for the exact key with the deployed timings', async () => {
    // Prepare
    const { sfn, iam } = mockStack();
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
    // Act
    const result = await runCli(['rotate', 'ci-bot']);
    // Assess
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start).toMatchObject({ stateMachineArn: MACHINE, name: 'rotate-ci-bot-AKIAEXAMPLEKEY000001' });
    expect(JSON.parse(start.input!)).toMatchObject({
      userName: 'ci-bot',
      accessKeyId: 'AKIAEXAMPLEKEY000001',
      timing: { checkIntervalSeconds: 12 * 3600, quietPeriodSeconds: 48 * 3600 },
    });
    expect(result.out).toContain('started: rotate-ci-bot-AKIAEXAMPLEKEY000001');
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
