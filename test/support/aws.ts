/** Test helpers: clients against the test run's moto server and unique names per test. */
import { randomBytes } from 'node:crypto';
import { LOCAL_CREDENTIALS, makeClients, type AwsClients } from '../../functions/shared/aws';

export function motoEndpoint(): string {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: the jest global setup starts moto');
  return endpoint;
}

export function testClients(): AwsClients {
  return makeClients({ endpoint: motoEndpoint(), region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
}

/** A name no other test uses, so tests can share one moto server. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Signs one request with the key so IAM records it as used (what a workload does). */
export async function useKey(accessKeyId: string, secretAccessKey: string): Promise<void> {
  const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({ region: 'us-east-1', endpoint: motoEndpoint(), credentials: { accessKeyId, secretAccessKey } });
  await sts.send(new GetCallerIdentityCommand({}));
  sts.destroy();
}
