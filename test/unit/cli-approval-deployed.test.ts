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
import { startFakeApi } from '../support/fake-api';

const ALICE = 'arn:aws:sts::111122223333:assumed-role/Offboarders/alice@example.com';
const OFFBOARDING = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Offboarding';

let apiUrl: string | undefined;
function mockApiUrl(url: string) {
  apiUrl = url;
}

function mockStack(callerArn: string) {
  apiUrl = undefined;
  const cfn = mockClient(CloudFormationClient);
  const lambda = mockClient(LambdaClient);
  const iam = mockClient(IAMClient);
  const s3 = mockClient(S3Client);
  const sfn = mockClient(SFNClient);
  const sts = mockClient(STSClient);
  cfn.on(DescribeStacksCommand).callsFake(() => ({
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
          ...(apiUrl ? [{ OutputKey: 'ApiUrl', OutputValue: apiUrl }] : []),
        ],
      },
    ],
  }));
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

  it('asks the API, which records the pending request as its authenticated caller; the CLI writes and starts nothing', async () => {
    // Prepare: the records bucket refuses the operator's writes, so the request must go through the API
    const { s3, sfn } = mockStack(ALICE);
    const api = await startFakeApi();
    try {
      mockApiUrl(api.url);
      const request = { id: 'offboard-0001', action: 'offboard', userName: 'leaver', requestedBy: ALICE, expiresAt: 'soon' };
      api.answer(202, { status: 'pending-approval', created: true, request, userName: 'leaver' });
      // Act
      const result = await runCli(['offboard', 'leaver', '--reason', 'left the company']);
      // Assess
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      expect(api.requests.map((r) => [r.method, r.path, r.body])).toEqual([
        ['POST', '/prod/offboardings', { userName: 'leaver', reason: 'left the company' }],
      ]);
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
      expect(result.out).toContain(`recorded: offboard request offboard-0001 for leaver by ${ALICE}`);
    } finally {
      await api.close();
    }
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
