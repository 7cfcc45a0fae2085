/** The offboarding records store of a Lambda that reads or writes them: S3, bucket SNAPSHOT_BUCKET. */
import { S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from '../aws-target';
import type { Runtime } from '../runtime';
import { SnapshotStore } from '../snapshot-store';

export function snapshotStoreFor(rt: Pick<Runtime, 'target' | 'env'>): SnapshotStore {
  const s3 = new S3Client({ ...clientConfig(rt.target), forcePathStyle: rt.target.endpoint !== undefined });
  return new SnapshotStore(s3, rt.env.SNAPSHOT_BUCKET ?? '');
}
