/**
 * `iam-lifecycle report` against a deployed stack, AWS clients mocked: the report reads with the
 * operator's own credentials (IAM reads, Step Functions listings) and never invokes, starts or
 * changes anything.
 */
import {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetCredentialReportCommand,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { rotationExecutionName } from '../../functions/shared/execution-names';
import type { FleetReport } from '../../functions/report/domain';
import { runCli } from '../support/cli';
import { mockDeployedStack } from '../support/deployed-stack';

const ACCOUNT = '111122223333';
const ROTATION = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:Rotation`;
const OFFBOARDING = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:Offboarding`;
const DAY = 86_400_000;
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().replace(/\.\d{3}Z$/, '+00:00');
const user = (name: string, path = '/apps/') => `arn:aws:iam::${ACCOUNT}:user${path}${name}`;

const CSV = [
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date',
  `<root_account>,arn:aws:iam::${ACCOUNT}:root,${iso(900 * DAY)},not_supported,N/A,not_supported,true,false,N/A,N/A,false,N/A,N/A`,
  `worker,${user('worker')},${iso(400 * DAY)},false,N/A,N/A,false,true,${iso(200 * DAY)},${iso(DAY)},false,N/A,N/A`,
  `lifecycle-bot,${user('lifecycle-bot')},${iso(400 * DAY)},false,N/A,N/A,false,true,${iso(300 * DAY)},${iso(DAY)},false,N/A,N/A`,
].join('\n');

const keyCreated = (daysAgo: number) => new Date(Math.floor((Date.now() - daysAgo * DAY) / 1000) * 1000);

describe('iam-lifecycle report against the deployed stack', () => {
  beforeEach(() => {
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AWS_ACCESS_KEY_ID = 'AKIAOPERATOR';
    process.env.AWS_SECRET_ACCESS_KEY = 'operator-secret';
  });

  it('reads with the operator’s credentials, protects the automation’s own users as the scan does, shows running workflows, changes nothing', async () => {
    // Prepare
    const mocks = mockDeployedStack({
      outputs: {
        RotationStateMachineArn: ROTATION,
        OffboardingStateMachineArn: OFFBOARDING,
        ScanFunctionName: 'IamUserLifecycle-Scan',
      },
      config: {},
      caller: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Auditors/bob`, userId: 'AROA:bob' },
    });
    mocks.lambda.on(GetFunctionConfigurationCommand).resolves({
      Environment: {
        Variables: {
          LIFECYCLE_CONFIG: JSON.stringify({ managedUsers: { pathPrefix: '/apps/' } }),
          AUTOMATION_USER_NAMES: 'lifecycle-bot',
        },
      },
    });
    mocks.iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    mocks.iam.on(GetCredentialReportCommand).resolves({ Content: new TextEncoder().encode(CSV), GeneratedTime: new Date() });
    mocks.iam.on(GetAccountAuthorizationDetailsCommand).resolves({
      UserDetailList: [
        { UserName: 'worker', Path: '/apps/', Arn: user('worker'), UserId: 'AIDAW', Tags: [] },
        { UserName: 'lifecycle-bot', Path: '/apps/', Arn: user('lifecycle-bot'), UserId: 'AIDAB', Tags: [] },
      ],
      IsTruncated: false,
    });
    mocks.iam.on(ListAccessKeysCommand, { UserName: 'worker' }).resolves({
      AccessKeyMetadata: [{ AccessKeyId: 'AKIAWORKER', Status: 'Active', CreateDate: keyCreated(200), UserName: 'worker' }],
    });
    mocks.iam.on(ListAccessKeysCommand, { UserName: 'lifecycle-bot' }).resolves({
      AccessKeyMetadata: [{ AccessKeyId: 'AKIABOT', Status: 'Active', CreateDate: keyCreated(300), UserName: 'lifecycle-bot' }],
    });
    const running = rotationExecutionName('worker', 'AKIAWORKER');
    const runningArn = `arn:aws:states:eu-west-1:${ACCOUNT}:execution:Rotation:${running}`;
    mocks.sfn.on(ListExecutionsCommand, { stateMachineArn: ROTATION }).resolves({
      executions: [
        { name: running, executionArn: runningArn, stateMachineArn: ROTATION, status: 'RUNNING', startDate: new Date() },
      ],
    });
    mocks.sfn.on(ListExecutionsCommand, { stateMachineArn: OFFBOARDING }).resolves({ executions: [] });
    mocks.sfn.on(DescribeExecutionCommand).resolves({
      executionArn: runningArn,
      stateMachineArn: ROTATION,
      name: running,
      status: 'RUNNING',
      startDate: new Date(),
      input: JSON.stringify({ userName: 'worker', accessKeyId: 'AKIAWORKER' }),
    });

    // Act
    const result = await runCli(['report', '--json']);

    // Assess
    expect(result).toMatchObject({ code: 0, err: '' });
    const report = JSON.parse(result.out) as FleetReport;
    const row = (name: string) => report.users.find((u) => u.userName === name)!;
    expect(report.users.map((u) => u.userName)).toEqual(['lifecycle-bot', 'worker']);
    expect(row('lifecycle-bot')).toMatchObject({
      scope: 'protected',
      scopeReason: 'one of the automation’s own principals',
      nextScan: { action: 'skip', code: 'protected' },
    });
    expect(row('worker').workflows).toEqual([expect.objectContaining({ kind: 'rotation', executionName: running })]);
    expect(row('worker').nextScan).toMatchObject({ action: 'already-running', executionName: running });
    const sent = (mock: { calls(): { args: unknown[] }[] }) =>
      [...new Set(mock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, '')))].sort();
    expect(sent(mocks.iam)).toEqual([
      'GenerateCredentialReport',
      'GetAccountAuthorizationDetails',
      'GetCredentialReport',
      'ListAccessKeys',
    ]);
    expect(sent(mocks.sfn)).toEqual(['DescribeExecution', 'ListExecutions']);
    expect(sent(mocks.lambda)).toEqual(['GetFunctionConfiguration']);
  });
});
