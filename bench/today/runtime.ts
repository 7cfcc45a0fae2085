// Frozen copy (issue 7) of the runtime wiring that built every SDK client for every function:
// bench/bundles.ts builds the "today" rows with it. Not deployed.
/**
 * Cold-start wiring shared by the Lambda entry points: config validated from the environment,
 * real SDK clients (AWS_ENDPOINT_URL honoured), SNS notifier. Built once per container.
 */
import { makeClients, targetFromEnv, type AwsClients } from '../../functions/shared/aws';
import { configFromEnv, type LifecycleConfig } from '../../functions/shared/config';
import { IamUsers } from '../../functions/shared/iam/users';
import { makeLogger } from '../../functions/shared/logger';
import { SnsNotifier, type Notifier } from '../../functions/shared/notifier';
import { automationUserNamesFromEnv } from '../../functions/shared/scope';
import { makeReadersFor } from '../../functions/shared/secret-access';
import { SecretStore } from '../../functions/shared/secret-store';

export interface Runtime {
  readonly config: LifecycleConfig;
  readonly clients: AwsClients;
  readonly iam: IamUsers;
  readonly secrets: SecretStore;
  readonly notifier: Notifier;
  readonly automationUserNames: string[];
  readonly clock: () => Date;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

function listFromEnv(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

export function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): Runtime {
  const config = configFromEnv(env);
  const clients = makeClients(targetFromEnv(env));
  const iam = new IamUsers(clients.iam);
  return {
    config,
    clients,
    iam,
    secrets: new SecretStore(clients.secrets, env.SECRETS_KMS_KEY_ID, {
      // Set on the Lambdas that store keys: their own role ARNs, the only writers of the secrets.
      writerArns: listFromEnv(env.SECRET_WRITER_ROLE_ARNS),
      readersFor: makeReadersFor(config.secretReaders, iam),
    }),
    notifier: new SnsNotifier(clients.sns, required(env, 'NOTIFICATION_TOPIC_ARN')),
    automationUserNames: automationUserNamesFromEnv(env),
    clock: () => new Date(),
  };
}

/** Memoises a factory so each Lambda container builds its dependencies once, on first use. */
export function once<T>(factory: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= factory());
}

export { makeLogger };
