/**
 * `--dry-run` against a deployed stack, with the AWS clients mocked (no AWS account here): the plan
 * is read with the operator's credentials through read-only calls only, the deny policy's ARN comes
 * from the stack's resources, and nothing is started, written or sent to the API.
 */
import { ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import {
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { DescribeSecretCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../support/cli';
import { mockDeployedStack } from '../support/deployed-stack';

const DENY = 'arn:aws:iam::111122223333:policy/IamUserLifecycle-OffboardingDenyPolicy1A2B3C-XYZ';
const CREATED = new Date('2026-01-01T00:00:00Z');

function mockAccount() {
  const mocks = mockDeployedStack({
    outputs: {
      RotationStateMachineArn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:Rotation',
      OffboardingStateMachineArn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:Offboarding',
      ScanFunctionName: 'IamUserLifecycle-Scan',
      SnapshotBucketName: 'records-bucket',
      ApiUrl: 'https://api.invalid/prod/',
    },
    config: {},
    caller: { arn: 'arn:aws:sts::111122223333:assumed-role/Operators/alice', userId: 'AROA:alice' },
  });
  const secrets = mockClient(SecretsManagerClient);
  secrets.on(DescribeSecretCommand).rejects(new ResourceNotFoundException({ message: 'no such secret', $metadata: {} }));
  mocks.cfn.on(ListStackResourcesCommand).resolves({
    StackResourceSummaries: [
      {
        LogicalResourceId: 'OffboardingDenyPolicy1A2B3C',
        PhysicalResourceId: DENY,
        ResourceType: 'AWS::IAM::ManagedPolicy',
        LastUpdatedTimestamp: CREATED,
        ResourceStatus: 'CREATE_COMPLETE',
      },
    ],
  });
  mocks.sfn.on(ListExecutionsCommand).resolves({ executions: [] });
  const { iam } = mocks;
  iam.on(GetUserCommand).resolves({
    User: { UserName: 'carol', UserId: 'AIDACAROL', Arn: 'arn:aws:iam::111122223333:user/carol', Path: '/', CreateDate: CREATED },
  });
  iam.on(ListUserTagsCommand).resolves({ Tags: [] });
  iam
    .on(ListAccessKeysCommand)
    .resolves({ AccessKeyMetadata: [{ AccessKeyId: 'AKIACAROL1', Status: 'Active', CreateDate: CREATED }] });
  iam.on(GetAccessKeyLastUsedCommand).resolves({ AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } });
  iam.on(ListGroupsForUserCommand).resolves({ Groups: [] });
  iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [] });
  iam.on(ListUserPoliciesCommand).resolves({ PolicyNames: ['inline-a'] });
  iam.on(GetLoginProfileCommand).resolves({ LoginProfile: { UserName: 'carol', CreateDate: CREATED } });
  iam.on(ListMFADevicesCommand).resolves({ MFADevices: [] });
  iam.on(ListSSHPublicKeysCommand).resolves({});
  iam.on(ListSigningCertificatesCommand).resolves({ Certificates: [] });
  iam.on(ListServiceSpecificCredentialsCommand).resolves({ ServiceSpecificCredentials: [] });
  return { ...mocks, secrets };
}

describe('--dry-run against the deployed stack', () => {
  beforeEach(() => {
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AWS_ACCESS_KEY_ID = 'AKIAOPERATOR';
    process.env.AWS_SECRET_ACCESS_KEY = 'operator-secret';
  });

  it('previews an offboarding and a rotation with read-only calls, naming the stack’s deny policy', async () => {
    // Prepare
    const mocks = mockAccount();
    // Act
    const offboard = await runCli(['offboard', 'carol', '--reason', 'left', '--dry-run']);
    const rotate = await runCli(['rotate', 'carol', '--dry-run']);
    // Assess
    expect([offboard.code, rotate.code]).toEqual([0, 0]);
    expect(offboard.out).toContain(`AttachUserPolicy ${DENY}: attach the deny policy`);
    expect(offboard.out).toContain('UpdateAccessKey AKIACAROL1');
    expect(offboard.out).toContain('DeleteUserPolicy inline-a');
    expect(rotate.out).toContain('key to retire: AKIACAROL1 (Active');
    const sent = [mocks.cfn, mocks.lambda, mocks.iam, mocks.s3, mocks.sfn, mocks.sts, mocks.secrets].flatMap((m) =>
      m.calls().map((call) => (call.args[0] as object).constructor.name),
    );
    expect(sent.filter((name) => !/^(Get|List|Describe|Head)\w*Command$/.test(name))).toEqual([]);
    expect(sent).toEqual(expect.arrayContaining(['ListStackResourcesCommand', 'GetUserCommand', 'ListAccessKeysCommand']));
    [mocks.cfn, mocks.lambda, mocks.iam, mocks.s3, mocks.sfn, mocks.sts, mocks.secrets].forEach((m) => m.restore());
  });

  it('refuses --key deployed as the real rotate does, before reading anything of the user', async () => {
    // Prepare
    const mocks = mockAccount();
    // Act
    const result = await runCli(['rotate', 'carol', '--key', 'AKIACAROL1', '--dry-run']);
    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/--key is for local mode/);
    expect(mocks.iam.calls()).toHaveLength(0);
    [mocks.cfn, mocks.lambda, mocks.iam, mocks.s3, mocks.sfn, mocks.sts, mocks.secrets].forEach((m) => m.restore());
  });
});
