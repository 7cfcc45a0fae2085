/**
 * The two-person rule from the CLI against a deployed stack, AWS clients mocked (there is no AWS
 * account here): the requester and the approver are the STS caller identities of the credentials.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetUserCommand, IAMClient, ListUserTagsCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../support/cli';

const ALICE = 'arn:aws:sts::111122223333:assumed-role/Offboarders/alice@example.com';
const OFFBOARDING = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Offboarding';

function mockStack(callerArn: string) {
  const cfn = mockClient(CloudFormationClient);
  const lambda = mockClient(LambdaClient);
  const iam = mockClient(IAMClient);
  const s3 = mockClient(S3Client);
  const sfn = mockClient(SFNClient);
  const sts = mockClient(STSClient);
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'IamUserLifecycle',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [
          { OutputKey: 'RotationStateMachineArn', OutputValue: `${OFFBOARDING}-rotation` },
          { OutputKey: 'OffboardingStateMachineArn', OutputValue: OFFBOARDING },
          { OutputKey: 'ScanFunctionName', OutputValue: 'IamUserLifecycle-Scan' },
          { OutputKey: 'SnapshotBucketName', OutputValue: 'records-bucket' },
        ],
      },
    ],
  });
  lambda
    .on(GetFunctionConfigurationCommand)
    .resolves({ Environment: { Variables: { LIFECYCLE_CONFIG: JSON.stringify({ offboardingApproval: 'required' }) } } });
  iam.on(GetUserCommand).resolves({
    User: {
      UserName: 'leaver',
      UserId: 'AIDALEAVER',
      Arn: 'arn:aws:iam::111122223333:user/leaver',
      Path: '/',
      CreateDate: new Date(0),
    },
  });
  iam.on(ListUserTagsCommand).resolves({ Tags: [] });
  s3.on(ListObjectsV2Command).resolves({});
  s3.on(GetObjectCommand).rejects(Object.assign(new Error('missing'), { name: 'NoSuchKey' }));
  s3.on(PutObjectCommand).resolves({});
  sts.on(GetCallerIdentityCommand).resolves({ Arn: callerArn, Account: '111122223333', UserId: 'AROAEXAMPLE:alice' });
  return { s3, sfn, sts };
}

describe('iam-lifecycle offboard against the deployed stack under offboardingApproval "required"', () => {
  beforeEach(() => {
    process.env.AWS_REGION = 'eu-west-1';
  });

  it('records a pending request as the STS caller identity and starts nothing', async () => {
    // Prepare
    const { s3, sfn, sts } = mockStack(ALICE);
    // Act
    const result = await runCli(['offboard', 'leaver', '--reason', 'left the company']);
    // Assess
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: 'records-bucket', Key: 'approvals/leaver/offboard-0001/request.json', IfNoneMatch: '*' });
    expect(JSON.parse(String(put.Body))).toMatchObject({ action: 'offboard', userId: 'AIDALEAVER', requestedBy: ALICE });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(result.out).toContain(`recorded: offboard request offboard-0001 for leaver by ${ALICE}`);
  });

  it('refuses --as: deployed, the approver is always the STS identity', async () => {
    // Prepare
    const { sts, s3 } = mockStack(ALICE);
    // Act
    const result = await runCli(['offboard', 'leaver', '--reason', 'left', '--as', 'bob']);
    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/--as is for local mode/);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});
