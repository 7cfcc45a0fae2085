/**
 * Durable JSON records in the snapshot bucket (offboarding snapshots, status, final records).
 *
 * The bucket is created by CDK with default encryption, versioning and blocked public access, so
 * this adapter sets no encryption headers of its own: every overwrite keeps the earlier version.
 * `create` is a conditional write (If-None-Match: *): of two writers only one wins, which makes
 * "write once" records retry-safe and lets two parties (cancel and delete) agree on one outcome.
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { ConfigError } from './errors';

function errorName(error: unknown): string | undefined {
  return (error as Error | undefined)?.name;
}

function isMissing(error: unknown): boolean {
  const name = errorName(error);
  return name === 'NoSuchKey' || name === 'NotFound';
}

/** 412: an object already exists under the key. */
function isPreconditionFailed(error: unknown): boolean {
  const meta = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return errorName(error) === 'PreconditionFailed' || meta?.httpStatusCode === 412;
}

/** 409: another conditional write to the same key is in flight; reading it back settles it. */
function isConditionalConflict(error: unknown): boolean {
  return errorName(error) === 'ConditionalRequestConflict';
}

export interface CreateResult<T> {
  /** true when this call wrote the object; false when one existed and `value` is that one. */
  readonly created: boolean;
  readonly value: T;
}

export class SnapshotStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {
    if (!bucket) throw new ConfigError(['the snapshot bucket name is empty (SNAPSHOT_BUCKET)']);
  }

  async get<T>(key: string): Promise<T | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = await out.Body?.transformToString('utf8');
      return text === undefined ? undefined : (JSON.parse(text) as T);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Writes (or overwrites: the bucket is versioned, so history is kept). */
  async put(key: string, value: unknown): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: JSON.stringify(value, null, 2),
        ContentType: 'application/json',
      }),
    );
  }

  /** Writes only if nothing exists under the key; otherwise answers the existing record. */
  async create<T>(key: string, value: T): Promise<CreateResult<T>> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: JSON.stringify(value, null, 2),
            ContentType: 'application/json',
            IfNoneMatch: '*',
          }),
        );
        return { created: true, value };
      } catch (error) {
        if (!isPreconditionFailed(error) && !(isConditionalConflict(error) && attempt < 3)) throw error;
      }
      const existing = await this.get<T>(key);
      if (existing !== undefined) return { created: false, value: existing };
      // A conflicting write has not landed yet (409): try again shortly.
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    }
  }

  /** The "folder" names directly under `prefix` (which must end with `/`), every page. */
  async listChildren(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
      );
      for (const common of page.CommonPrefixes ?? []) {
        const child = common.Prefix?.slice(prefix.length).replace(/\/$/, '');
        if (child) names.push(child);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return names;
  }
}
