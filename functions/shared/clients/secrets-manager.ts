/**
 * The secret store of a Lambda that reads or writes the per-user secrets: SECRETS_KMS_KEY_ID, and
 * SECRET_WRITER_ROLE_ARNS on the Lambdas that store keys (their own role ARNs, the only writers).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clientConfig } from '../aws-target';
import type { IamUsers } from '../iam/users';
import { listFromEnv, type Runtime } from '../runtime';
import { makeReadersFor } from '../secret-access';
import { SecretStore } from '../secret-store';

export function secretStoreFor(rt: Pick<Runtime, 'target' | 'env' | 'config'>, iam: IamUsers): SecretStore {
  return new SecretStore(new SecretsManagerClient(clientConfig(rt.target)), rt.env.SECRETS_KMS_KEY_ID, {
    writerArns: listFromEnv(rt.env.SECRET_WRITER_ROLE_ARNS),
    readersFor: makeReadersFor(rt.config.secretReaders, iam),
  });
}
