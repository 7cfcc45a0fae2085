/**
 * The two-person rule from the CLI against a deployed stack, AWS clients mocked (there is no AWS
 * account here): the requester and the approver are the STS caller identities of the credentials.
 */
import { GetUserCommand, ListUserTagsCommand } from '@aws-sdk/client-iam';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { runCli } from '../support/cli';
import { mockDeployedStack } from '../support/deployed-stack';

const ALICE = 'arn:aws:sts::111122223333:assumed-role/Offboarders/alice@example.com';
const OFFBOARDING = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Offboarding';

function mockStack(callerArn: string) {
  const { iam, s3, sfn, sts } = mockDeployedStack({
    outputs: {
      RotationStateMachineArn: `${OFFBOARDING}-rotation`,
      OffboardingStateMachineArn: OFFBOARDING,
      ScanFunctionName: 'IamUserLifecycle-Scan',
      SnapshotBucketName: 'records-bucket',
    },
    config: { offboardingApproval: 'required' },
    caller: { arn: callerArn, userId: 'AROAEXAMPLE:alice' },
  });
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
