/**
 * The per-user secret in Secrets Manager: `<secretPrefix>/<userName>`, SecretString JSON
 * {"userName","accessKeyId","secretAccessKey","createdAt"}. AWSCURRENT is the key to use,
 * AWSPREVIOUS the one being retired. Only this module and the workload read the value; what it
 * hands back to workflows is the key id, never the secret.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { createHash } from 'node:crypto';
import type { NewAccessKey } from './iam-gateway';

/** Tags on every secret this store writes; the CDK app limits secretsmanager:TagResource to these keys. */
export const SECRET_TAGS = {
  managedBy: 'iam-lifecycle:managed-by',
  user: 'iam-lifecycle:user',
  /**
   * The access key id in AWSCURRENT, so a reader (the API's user view) can tell which key is stored
   * from DescribeSecret alone, without permission to decrypt the secret. Informational only: the
   * workflows always read the value itself.
   */
  accessKeyId: 'iam-lifecycle:access-key-id',
} as const;

export const SECRET_TAG_KEYS: readonly string[] = Object.values(SECRET_TAGS);

export interface StoredKeyRef {
  readonly accessKeyId: string;
  readonly versionId: string;
}

export interface StoredCredentials {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly createdAt: string;
}

function isNotFound(error: unknown): boolean {
  return error instanceof ResourceNotFoundException || (error as Error | undefined)?.name === 'ResourceNotFoundException';
}

/**
 * The idempotency token of a store is the workflow's execution name, so a retry of the same
 * execution's store is a no-op. Secrets Manager wants 32-64 characters: a name that does not fit
 * is replaced by its SHA-256 (hex, first 64), still one token per execution.
 */
export function requestTokenFor(executionName: string): string {
  if (executionName.length >= 32 && executionName.length <= 64) return executionName;
  return createHash('sha256').update(executionName).digest('hex').slice(0, 64);
}

export class SecretStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly kmsKeyId?: string,
  ) {}

  /** The access key id held in AWSCURRENT, or undefined if the secret does not exist. */
  async currentKey(secretName: string): Promise<StoredKeyRef | undefined> {
    const value = await this.readCredentials(secretName, 'AWSCURRENT');
    return value ? { accessKeyId: value.credentials.accessKeyId, versionId: value.versionId } : undefined;
  }

  /** The full credentials (for the workload using them; never for workflow state). */
  async readCredentials(
    secretName: string,
    stage: 'AWSCURRENT' | 'AWSPREVIOUS' = 'AWSCURRENT',
  ): Promise<{ credentials: StoredCredentials; versionId: string } | undefined> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretName, VersionStage: stage }));
      if (!out.SecretString) return undefined;
      const parsed = JSON.parse(out.SecretString) as Partial<StoredCredentials>;
      if (typeof parsed.accessKeyId !== 'string' || typeof parsed.secretAccessKey !== 'string') return undefined;
      return { credentials: parsed as StoredCredentials, versionId: out.VersionId ?? '' };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      if (error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  /** The AWSCURRENT key id as recorded in the secret's tag (DescribeSecret: no value, no KMS). */
  async currentKeyIdFromTags(secretName: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new DescribeSecretCommand({ SecretId: secretName }));
      return out.Tags?.find((t) => t.Key === SECRET_TAGS.accessKeyId)?.Value;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async exists(secretName: string): Promise<boolean> {
    try {
      await this.client.send(new DescribeSecretCommand({ SecretId: secretName }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /**
   * Stores the key as AWSCURRENT (Secrets Manager moves the previous AWSCURRENT to AWSPREVIOUS).
   * The same `requestToken` makes a retry of the same store a no-op.
   */
  async storeKey(secretName: string, userName: string, key: NewAccessKey, requestToken: string): Promise<StoredKeyRef> {
    const value: StoredCredentials = {
      userName,
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      createdAt: key.createdAt.toISOString(),
    };
    const secretString = JSON.stringify(value);
    if (await this.exists(secretName)) {
      const out = await this.client.send(
        new PutSecretValueCommand({ SecretId: secretName, SecretString: secretString, ClientRequestToken: requestToken }),
      );
      // The tag only informs readers; the stored value is what counts, so a failed tag update is not
      // a failed store (a stale tag shows in the user view until the next rotation).
      await this.client
        .send(new TagResourceCommand({ SecretId: secretName, Tags: [{ Key: SECRET_TAGS.accessKeyId, Value: key.accessKeyId }] }))
        .catch(() => undefined);
      return { accessKeyId: key.accessKeyId, versionId: out.VersionId ?? requestToken };
    }
    const out = await this.client.send(
      new CreateSecretCommand({
        Name: secretName,
        SecretString: secretString,
        ClientRequestToken: requestToken,
        Description: `Access key of IAM user ${userName}, rotated by iam-user-lifecycle`,
        ...(this.kmsKeyId ? { KmsKeyId: this.kmsKeyId } : {}),
        Tags: [
          { Key: SECRET_TAGS.managedBy, Value: 'iam-user-lifecycle' },
          { Key: SECRET_TAGS.user, Value: userName },
          { Key: SECRET_TAGS.accessKeyId, Value: key.accessKeyId },
        ],
      }),
    );
    return { accessKeyId: key.accessKeyId, versionId: out.VersionId ?? requestToken };
  }

  /** Deletes the secret (offboarding). Returns false when it did not exist. */
  async deleteSecret(secretName: string, recoveryWindowInDays = 7): Promise<boolean> {
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: secretName, RecoveryWindowInDays: recoveryWindowInDays }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}
