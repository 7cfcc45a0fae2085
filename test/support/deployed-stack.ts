/**
 * A deployed stack as the CLI sees it, with the AWS clients mocked (aws-sdk-client-mock): there is
 * no AWS account in the tests. CloudFormation describes the stack `IamUserLifecycle` with the given
 * outputs, the functions carry `config` as LIFECYCLE_CONFIG and STS names the caller. Every client
 * the CLI uses is mocked; tests add the responses they need.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { IAMClient } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';

export interface DeployedStack {
  /** Stack outputs by OutputKey. */
  readonly outputs: Readonly<Record<string, string>>;
  /** The deployed lifecycle config (LIFECYCLE_CONFIG of the functions). */
  readonly config: unknown;
  readonly caller: { readonly arn: string; readonly userId: string };
}

export function mockDeployedStack(stack: DeployedStack) {
  const cfn = mockClient(CloudFormationClient);
  const lambda = mockClient(LambdaClient);
  const iam = mockClient(IAMClient);
  const s3 = mockClient(S3Client);
  const sfn = mockClient(SFNClient);
  const sts = mockClient(STSClient);
  sts.on(GetCallerIdentityCommand).resolves({ Arn: stack.caller.arn, Account: '111122223333', UserId: stack.caller.userId });
  cfn.on(DescribeStacksCommand, { StackName: 'IamUserLifecycle' }).resolves({
    Stacks: [
      {
        StackName: 'IamUserLifecycle',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: Object.entries(stack.outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
  lambda
    .on(GetFunctionConfigurationCommand)
    .resolves({ Environment: { Variables: { LIFECYCLE_CONFIG: JSON.stringify(stack.config) } } });
  return { cfn, lambda, iam, s3, sfn, sts };
}
