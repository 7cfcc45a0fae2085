/**
 * The per-user secret in Secrets Manager: `<secretPrefix>/<userName>`, SecretString JSON
 * {"userName","accessKeyId","secretAccessKey","createdAt"}. AWSCURRENT is the key to use,
 * AWSPREVIOUS the one being retired. Only this module and the workload read the value; what it
 * hands back to workflows is the key id, never the secret.
 */
import {
  ListSecretVersionIdsCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { createHash } from 'node:crypto';
import { ForeignSecretError } from './errors';
import type { NewAccessKey } from './iam/records';
import { accessKeyIdOfVersion, foreignSecretReason, secretResourcePolicy, versionIdFor } from './secret-access';

/** Tags on every secret this store writes; the CDK app limits secretsmanager:TagResource to these keys. */
export const SECRET_TAGS = {
  managedBy: 'iam-lifecycle:managed-by',
  user: 'iam-lifecycle:user',
  /**
   * The access key id in AWSCURRENT, so a reader (the API's user view) can tell which key is stored
   * from DescribeSecret alone, without permission to decrypt the secret. The version id of what the
   * store writes names the key too (secret-access.ts versionIdFor) and is what the workflows trust;
   * the tag is how secrets stored before that are read.
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
 * is replaced by its SHA-256 (hex, first 64), still one token per execution. The store turns it
 * and the key id into the version id it writes (secret-access.ts versionIdFor).
 */
export function requestTokenFor(executionName: string): string {
  if (executionName.length >= 32 && executionName.length <= 64) return executionName;
  return createHash('sha256').update(executionName).digest('hex').slice(0, 64);
}

/** Who may read and write the secrets this store writes (see secret-access.ts). */
export interface SecretAccess {
  /** The stack's roles that write secrets (role ARNs); empty locally, where no role exists. */
  readonly writerArns: readonly string[];
  /** The principals that may read `userName`'s secret (config `secretReaders` and the user's tag). */
  readonly readersFor: (userName: string) => Promise<readonly string[]>;
}

/** What DescribeSecret says about a secret: no value, no KMS call. */
interface SecretMetadata {
  readonly arn: string;
  readonly tags: Record<string, string>;
  readonly kmsKeyId?: string;
  readonly replicaRegions: string[];
  readonly owningService?: string;
  /** The version that holds AWSCURRENT, if any. */
  readonly currentVersionId?: string;
}

export const MANAGED_BY_VALUE = 'iam-user-lifecycle';

export class SecretStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly kmsKeyId?: string,
    private readonly access?: SecretAccess,
  ) {}

  private async metadata(secretName: string): Promise<SecretMetadata | undefined> {
    try {
      const out = await this.client.send(new DescribeSecretCommand({ SecretId: secretName }));
      const tags: Record<string, string> = {};
      for (const tag of out.Tags ?? []) tags[tag.Key ?? ''] = tag.Value ?? '';
      const current = Object.entries(out.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'));
      return {
        arn: out.ARN ?? '',
        tags,
        ...(out.KmsKeyId ? { kmsKeyId: out.KmsKeyId } : {}),
        replicaRegions: (out.ReplicationStatus ?? []).map((r) => r.Region ?? '?'),
        ...(out.OwningService ? { owningService: out.OwningService } : {}),
        ...(current ? { currentVersionId: current[0] } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * The access key id held in AWSCURRENT, or undefined if the secret does not exist, holds nothing
   * or is not this stack's. Read from metadata (DescribeSecret), never by decrypting: the version id
   * names the key (versionIdFor); for a version written before that, the key-id tag does.
   */
  async currentKey(secretName: string): Promise<StoredKeyRef | undefined> {
    const meta = await this.metadata(secretName);
    if (!meta?.currentVersionId || meta.tags[SECRET_TAGS.managedBy] !== MANAGED_BY_VALUE) return undefined;
    const accessKeyId = accessKeyIdOfVersion(meta.currentVersionId) ?? meta.tags[SECRET_TAGS.accessKeyId];
    return accessKeyId ? { accessKeyId, versionId: meta.currentVersionId } : undefined;
  }

  /**
   * Every access key id a version of the secret names (AWSCURRENT, AWSPREVIOUS and versions without
   * a stage), read from version ids (see versionIdFor), never by decrypting. Empty when the secret
   * does not exist or is not this stack's.
   */
  async keyIdsInAnyVersion(secretName: string): Promise<string[]> {
    const meta = await this.metadata(secretName);
    if (!meta || meta.tags[SECRET_TAGS.managedBy] !== MANAGED_BY_VALUE) return [];
    const ids = new Set<string>();
    const tagged = meta.tags[SECRET_TAGS.accessKeyId];
    if (tagged) ids.add(tagged);
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListSecretVersionIdsCommand({ SecretId: secretName, IncludeDeprecated: true, NextToken: nextToken }),
      );
      for (const version of page.Versions ?? []) {
        const id = accessKeyIdOfVersion(version.VersionId);
        if (id) ids.add(id);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return [...ids];
  }

  /**
   * Why `expected` is not the stored AWSCURRENT key, or undefined when it is: AWSCURRENT must be
   * exactly the version the store recorded, and that version (or, for a version id that does not
   * name a key, the key-id tag) must name the key. Metadata only: no GetSecretValue, no KMS.
   */
  async whyNotCurrent(secretName: string, expected: StoredKeyRef): Promise<string | undefined> {
    const meta = await this.metadata(secretName);
    if (!meta) return `secret ${secretName} does not exist`;
    if (meta.tags[SECRET_TAGS.managedBy] !== MANAGED_BY_VALUE) return `secret ${secretName} is not this stack's`;
    if (meta.currentVersionId !== expected.versionId) {
      return `AWSCURRENT of ${secretName} is not the version ${expected.versionId} that stored ${expected.accessKeyId}`;
    }
    const named = accessKeyIdOfVersion(meta.currentVersionId) ?? meta.tags[SECRET_TAGS.accessKeyId];
    if (named !== expected.accessKeyId) return `AWSCURRENT of ${secretName} does not hold ${expected.accessKeyId}`;
    return undefined;
  }

  /**
   * Why the existing secret `secretName` is not one this stack created for `userName`, or undefined
   * when it is ours or does not exist (DescribeSecret and GetResourcePolicy; no value is read).
   */
  async foreignReason(secretName: string, userName: string): Promise<string | undefined> {
    const meta = await this.metadata(secretName);
    if (!meta) return undefined;
    return this.foreignReasonOf(secretName, userName, meta);
  }

  private async foreignReasonOf(secretName: string, userName: string, meta: SecretMetadata): Promise<string | undefined> {
    const policy = await this.client.send(new GetResourcePolicyCommand({ SecretId: secretName }));
    return foreignSecretReason(
      {
        tags: meta.tags,
        replicaRegions: meta.replicaRegions,
        ...(meta.kmsKeyId ? { kmsKeyId: meta.kmsKeyId } : {}),
        ...(meta.owningService ? { owningService: meta.owningService } : {}),
        ...(policy.ResourcePolicy ? { policy: policy.ResourcePolicy } : {}),
      },
      {
        userName,
        managedBy: MANAGED_BY_VALUE,
        tagKeys: { managedBy: SECRET_TAGS.managedBy, user: SECRET_TAGS.user },
        ...(this.kmsKeyId ? { kmsKeyId: this.kmsKeyId } : {}),
      },
    );
  }

  /** Writes the resource policy (readers, writers) again, so a change of readers converges on every store. */
  private async applyPolicy(secretArn: string, secretName: string, userName: string): Promise<void> {
    if (!this.access) return;
    const readers = await this.access.readersFor(userName);
    await this.client.send(
      new PutResourcePolicyCommand({
        SecretId: secretName,
        ResourcePolicy: secretResourcePolicy({ secretArn, readers, writers: this.access.writerArns }),
        BlockPublicPolicy: true,
      }),
    );
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
   * The same `requestToken` makes a retry of the same store a no-op. A secret of that name that
   * this stack did not create is refused (ForeignSecretError) and left as it is. A new secret is
   * created empty, gets its resource policy, and only then receives the key; an existing one gets
   * its policy re-applied (readers may have changed) before the new value lands.
   */
  async storeKey(secretName: string, userName: string, key: NewAccessKey, requestToken: string): Promise<StoredKeyRef> {
    const value: StoredCredentials = {
      userName,
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      createdAt: key.createdAt.toISOString(),
    };
    const versionId = versionIdFor(key.accessKeyId, requestToken);
    let meta = await this.metadata(secretName);
    if (meta) {
      const foreign = await this.foreignReasonOf(secretName, userName, meta);
      if (foreign) throw new ForeignSecretError(secretName, foreign);
    } else {
      const created = await this.client.send(
        new CreateSecretCommand({
          Name: secretName,
          Description: `Access key of IAM user ${userName}, rotated by iam-user-lifecycle`,
          ...(this.kmsKeyId ? { KmsKeyId: this.kmsKeyId } : {}),
          Tags: [
            { Key: SECRET_TAGS.managedBy, Value: MANAGED_BY_VALUE },
            { Key: SECRET_TAGS.user, Value: userName },
            { Key: SECRET_TAGS.accessKeyId, Value: key.accessKeyId },
          ],
        }),
      );
      meta = { arn: created.ARN ?? '', tags: {}, replicaRegions: [] };
    }
    await this.applyPolicy(meta.arn, secretName, userName);
    const out = await this.client.send(
      new PutSecretValueCommand({ SecretId: secretName, SecretString: JSON.stringify(value), ClientRequestToken: versionId }),
    );
    // The version id names the key and is what the workflows check; the tag serves readers of
    // metadata (the user view), so a failed tag update is not a failed store.
    await this.client
      .send(new TagResourceCommand({ SecretId: secretName, Tags: [{ Key: SECRET_TAGS.accessKeyId, Value: key.accessKeyId }] }))
      .catch(() => undefined);
    return { accessKeyId: key.accessKeyId, versionId: out.VersionId ?? versionId };
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
