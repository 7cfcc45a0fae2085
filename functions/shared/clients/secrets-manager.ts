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
import type { AccountScope } from '../account-routing';

export function secretStoreFor(rt: Pick<Runtime, 'target' | 'env' | 'config'>, iam: IamUsers): SecretStore {
  return new SecretStore(new SecretsManagerClient(clientConfig(rt.target)), rt.env.SECRETS_KMS_KEY_ID, {
    writerArns: listFromEnv(rt.env.SECRET_WRITER_ROLE_ARNS),
    readersFor: makeReadersFor(rt.config.secretReaders, iam),
  });
}

/**
 * The secret store of one account's workflow (organization mode, ../account-routing): `member`
 * secrets are written in the member account through its member role, encrypted with that account's
 * default Secrets Manager key (the hub's key is not usable there), and only the member role writes
 * them; `central` secrets stay in the hub with the hub's key and writers.
 */
export function secretStoreForScope(
  rt: Pick<Runtime, 'target' | 'env' | 'config'>,
  scope: Pick<AccountScope, 'secrets' | 'config'>,
  iam: IamUsers,
): SecretStore {
  if (!scope.secrets.inMemberAccount) return secretStoreFor({ ...rt, target: scope.secrets.target, config: scope.config }, iam);
  return new SecretStore(new SecretsManagerClient(clientConfig(scope.secrets.target)), undefined, {
    writerArns: scope.secrets.writerArn ? [scope.secrets.writerArn] : [],
    readersFor: makeReadersFor(scope.config.secretReaders, iam),
  });
}
