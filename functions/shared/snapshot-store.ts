/**
 * Durable JSON records in the snapshot bucket (offboarding snapshots, status, final records).
 *
 * The bucket is created by CDK with default encryption, versioning and blocked public access, so
 * this adapter sets no encryption headers of its own: every overwrite keeps the earlier version.
 * `create` is a conditional write (If-None-Match: *): of two writers only one wins, which makes
 * "write once" records retry-safe and lets two parties (cancel and delete) agree on one outcome.
 *
 * Integrity: every write answers the SHA-256 of the bytes written and the S3 version id. A workflow
 * carries both in its own execution state and reads the record back with `getVerified`, so a record
 * replaced in the bucket (by anyone) is refused instead of trusted.
 */
import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { ConfigError, IntegrityError } from './errors';

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

/** What identifies the exact bytes of a record: pinned in execution state, verified on read. */
export interface RecordDigest {
  /** Hex SHA-256 of the object's bytes. */
  readonly sha256: string;
  /** The S3 version id (absent when the bucket is not versioned). */
  readonly versionId?: string;
}

export interface CreateResult<T> extends RecordDigest {
  /** true when this call wrote the object; false when one existed and `value` is that one. */
  readonly created: boolean;
  readonly value: T;
}

export interface WriteOptions {
  /** Object Lock (governance mode) until this date; the bucket must have Object Lock enabled. */
  readonly retainUntil?: Date;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function lockFields(options: WriteOptions): { ObjectLockMode?: 'GOVERNANCE'; ObjectLockRetainUntilDate?: Date } {
  return options.retainUntil ? { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: options.retainUntil } : {};
}

export class SnapshotStore {
  /**
   * @param keyPrefix prepended to every key this store reads, writes and lists (organization mode:
   *        `accounts/<accountId>/`, see forAccount); callers keep using the single-account keys.
   */
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly keyPrefix = '',
  ) {
    if (!bucket) throw new ConfigError(['the snapshot bucket name is empty (SNAPSHOT_BUCKET)']);
  }

  /**
   * The records of one member account's workflows: `accounts/<accountId>/offboarding/...`,
   * `accounts/<accountId>/approvals/...`. Undefined (single-account mode, or the hub's own
   * account when the caller says so) keeps this store's keys unchanged.
   */
  forAccount(accountId: string | undefined): SnapshotStore {
    return accountId === undefined ? this : new SnapshotStore(this.s3, this.bucket, `${this.keyPrefix}accounts/${accountId}/`);
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.read<T>(key))?.value;
  }

  /** The record with the digest of its bytes, or undefined when it does not exist. */
  async read<T>(key: string, versionId?: string): Promise<({ value: T } & RecordDigest) | undefined> {
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.keyPrefix + key, ...(versionId ? { VersionId: versionId } : {}) }),
      );
      const text = await out.Body?.transformToString('utf8');
      if (text === undefined) return undefined;
      return { value: JSON.parse(text) as T, sha256: sha256Hex(text), ...(out.VersionId ? { versionId: out.VersionId } : {}) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /**
   * The record exactly as it was written: the pinned version (when known) and its SHA-256 must
   * match, or IntegrityError. A missing record is an IntegrityError too: it was written once.
   */
  async getVerified<T>(key: string, expected: RecordDigest): Promise<T> {
    if (typeof expected?.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(expected.sha256)) {
      throw new IntegrityError(key, 'no pinned SHA-256 to check it against');
    }
    let found: ({ value: T } & RecordDigest) | undefined;
    try {
      found = await this.read<T>(key, expected.versionId);
    } catch (error) {
      if (errorName(error) === 'InvalidArgument' || errorName(error) === 'NoSuchVersion') found = undefined;
      else throw error;
    }
    if (!found) throw new IntegrityError(key, 'the pinned version does not exist');
    if (found.sha256 !== expected.sha256) throw new IntegrityError(key, 'its SHA-256 differs from the one pinned');
    if (expected.versionId !== undefined && found.versionId !== undefined && found.versionId !== expected.versionId) {
      throw new IntegrityError(key, 'its version differs from the one pinned');
    }
    return found.value;
  }

  /** Writes (or overwrites: the bucket is versioned, so history is kept). */
  async put(key: string, value: unknown, options: WriteOptions = {}): Promise<RecordDigest> {
    return this.write(key, JSON.stringify(value, null, 2), options);
  }

  /** One PutObject of a JSON record; its digest is computed from exactly the bytes sent. */
  private async write(key: string, body: string, options: WriteOptions, onlyIfAbsent = false): Promise<RecordDigest> {
    const out = await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.keyPrefix + key,
        Body: body,
        ContentType: 'application/json',
        ...(onlyIfAbsent ? { IfNoneMatch: '*' } : {}),
        ...lockFields(options),
      }),
    );
    return { sha256: sha256Hex(body), ...(out.VersionId ? { versionId: out.VersionId } : {}) };
  }

  /** Writes only if nothing exists under the key; otherwise answers the existing record. */
  async create<T>(key: string, value: T, options: WriteOptions = {}): Promise<CreateResult<T>> {
    const body = JSON.stringify(value, null, 2);
    for (let attempt = 0; ; attempt++) {
      try {
        return { created: true, value, ...(await this.write(key, body, options, true)) };
      } catch (error) {
        if (!isPreconditionFailed(error) && !(isConditionalConflict(error) && attempt < 3)) throw error;
      }
      const existing = await this.read<T>(key);
      if (existing !== undefined) return { created: false, ...existing };
      // A conflicting write has not landed yet (409): try again shortly.
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    }
  }

  /** Every record under `prefix` (every page), in key order: the values of the objects listed. */
  async getAll<T>(prefix: string): Promise<T[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.keyPrefix + prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key.slice(this.keyPrefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const values: T[] = [];
    for (const key of keys.sort()) {
      const value = await this.get<T>(key);
      if (value !== undefined) values.push(value);
    }
    return values;
  }

  /** The "folder" names directly under `prefix` (which must end with `/`), every page. */
  async listChildren(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.keyPrefix + prefix,
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      for (const common of page.CommonPrefixes ?? []) {
        const child = common.Prefix?.slice(this.keyPrefix.length + prefix.length).replace(/\/$/, '');
        if (child) names.push(child);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return names;
  }
}
