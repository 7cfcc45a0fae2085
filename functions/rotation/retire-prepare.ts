/**
 * Prepare in `retire` mode (./retire): the key must still be active and unused for unusedKeyDays
 * from fresh data (GetAccessKeyLastUsed now, not the credential report the scan read hours ago).
 * A key used since the scan selected it is blocked and nothing is changed. No secret is touched.
 */
import { keyCreatedAt, type AccessKeyRecord } from '../shared/iam/records';
import { retirementExecutionName } from '../shared/execution-names';
import type { BlockCode } from './domain';
import { isUnusedLongEnough, unusedKeyMs, unusedSince } from './retire';
import { MAX_ROTATION_ATTEMPTS } from './start';
import type { BlockedResult, RotationDeps, RotationState } from './steps/context';

export interface RetirePreparation {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly executionName: string;
  /** What a prepared rotation's state shares (user id, execution, timing, ...). */
  readonly base: Omit<RotationState, 'status' | 'oldKeyUsedBefore'>;
  readonly blocked: (code: BlockCode, reason: string) => Promise<BlockedResult>;
}

export function isRetirementName(executionName: string, userName: string, accessKeyId: string): boolean {
  for (let attempt = 1; attempt <= MAX_ROTATION_ATTEMPTS; attempt++) {
    if (retirementExecutionName(userName, accessKeyId, attempt) === executionName) return true;
  }
  return false;
}

export async function prepareRetirement(
  deps: Pick<RotationDeps, 'iam' | 'config' | 'clock' | 'logger'>,
  p: RetirePreparation,
): Promise<RotationState | BlockedResult> {
  const { iam, config, clock, logger } = deps;
  const threshold = unusedKeyMs(config);
  if (threshold === undefined) return p.blocked('invalid-request', 'unused-key retirement is off (unusedKeyDays is not set)');
  if (!isRetirementName(p.executionName, p.userName, p.accessKeyId)) {
    return p.blocked('invalid-request', 'a retirement runs under its own execution name (rotate-<user>-<keyId>-unused)');
  }
  const keys = await iam.listAccessKeys(p.userName);
  const key = keys.find((k) => k.accessKeyId === p.accessKeyId);
  if (!key) return p.blocked('key-not-found', `access key ${p.accessKeyId} does not belong to the user`);
  if (key.status !== 'Active') {
    return p.blocked('key-not-active', `access key ${p.accessKeyId} is ${key.status}; only active keys are retired`);
  }
  const createdAt = keyCreatedAt(key);
  const lastUsedAt = await iam.lastUsed(p.accessKeyId);
  const since = unusedSince(createdAt, lastUsedAt);
  if (!isUnusedLongEnough(since, clock(), threshold)) {
    return p.blocked(
      'key-in-use',
      lastUsedAt
        ? `access key ${p.accessKeyId} was used at ${lastUsedAt.toISOString()}, within unusedKeyDays (${config.unusedKeyDays}); it is kept`
        : `access key ${p.accessKeyId} was created at ${createdAt.toISOString()}, within unusedKeyDays (${config.unusedKeyDays}); it is kept`,
    );
  }
  const onlyActiveKey = !keys.some((k: AccessKeyRecord) => k.accessKeyId !== p.accessKeyId && k.status === 'Active');
  logger.info('retirement prepared', { userName: p.userName, accessKeyId: p.accessKeyId, onlyActiveKey });
  return {
    ...p.base,
    status: 'ready',
    mode: 'retire',
    oldKeyUsedBefore: lastUsedAt !== undefined,
    oldKeyCreatedAt: createdAt.toISOString(),
    ...(lastUsedAt ? { oldKeyLastUsedAt: lastUsedAt.toISOString() } : {}),
    unusedSince: since.toISOString(),
    onlyActiveKey,
  };
}
