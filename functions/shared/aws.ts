/**
 * Client construction for every AWS SDK v3 client of the project. Production code and tests use the
 * same clients; only the endpoint changes (AWS_ENDPOINT_URL or an explicit endpoint for local runs).
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { clientConfig, type AwsTarget } from './aws-target';

// Where and how to reach AWS, without any SDK client: kept apart so a Lambda bundles only the
// clients it constructs (functions/shared/clients/*).
export { clientConfig, LOCAL_CREDENTIALS, targetFromEnv, type AwsTarget } from './aws-target';

export interface AwsClients {
  readonly iam: IAMClient;
  readonly secrets: SecretsManagerClient;
  readonly sns: SNSClient;
  readonly sfn: SFNClient;
  readonly s3: S3Client;
}

export function makeClients(target: AwsTarget): AwsClients {
  const config = clientConfig(target);
  return {
    iam: new IAMClient(config),
    secrets: new SecretsManagerClient(config),
    sns: new SNSClient(config),
    sfn: new SFNClient(config),
    s3: new S3Client({ ...config, forcePathStyle: target.endpoint !== undefined }),
  };
}
