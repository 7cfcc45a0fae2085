/**
 * Client construction for every AWS SDK v3 client of the project. Production code and tests use the
 * same clients; only the endpoint changes (AWS_ENDPOINT_URL or an explicit endpoint for local runs).
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';

export interface AwsTarget {
  /** Endpoint of a local emulator (moto); undefined means real AWS. */
  readonly endpoint?: string;
  readonly region?: string;
  /** Explicit credentials (local runs); otherwise the default provider chain. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** Local emulators accept any credentials; these are fixed so nothing depends on the caller's. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): AwsTarget {
  const endpoint = env.AWS_ENDPOINT_URL;
  return {
    ...(endpoint ? { endpoint } : {}),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
  };
}

export function clientConfig(target: AwsTarget) {
  return {
    region: target.region ?? 'us-east-1',
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
    // Adaptive retry spaces out throttled calls client-side before the state machine's retries.
    retryMode: 'adaptive',
    maxAttempts: 5,
  } as const;
}

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
