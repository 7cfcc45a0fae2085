/**
 * The steps of a rotation plan (./preview): when each call would happen, computed from the config
 * with decideCutover itself, so the preview's "earliest" is the real rule's.
 */
import { cutoverCheckLimit, rotationTiming, type LifecycleConfig } from '../shared/config';
import { keyCreatedAt, type AccessKeyRecord } from '../shared/iam/records';
import type { PlanStep } from '../shared/plan';
import { decideCutover } from './domain';
import type { SecretFact } from './preview';

/**
 * The first cutover check that decideCutover would confirm if the old key is not used from now on
 * and the new key is used as soon as it is stored: the earliest moment the old key can be
 * deactivated. Checks run at the start and every check interval (key-rotation.asl.json).
 */
export function earliestCutover(config: LifecycleConfig, key: AccessKeyRecord, start: Date): Date | undefined {
  const timing = rotationTiming(config);
  const lastUsed = key.lastUsedDate ? new Date(key.lastUsedDate) : undefined;
  const deadline = start.getTime() + timing.deadlineSeconds * 1000;
  for (let t = start.getTime(); t <= deadline; t += timing.checkIntervalSeconds * 1000) {
    const verdict = decideCutover({
      now: new Date(t),
      rotationStartedAt: start,
      timing,
      oldKeyUsedBefore: lastUsed !== undefined,
      ...(lastUsed ? { oldKeyLastUsedAt: lastUsed } : {}),
      newKeyLastUsedAt: start,
      oldKeyCreatedAt: keyCreatedAt(key),
    });
    if (verdict.decision === 'confirmed') return new Date(t);
  }
  return undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The steps of a rotation that starts at `start` and retires `key`. */
export function rotationSteps(
  config: LifecycleConfig,
  key: AccessKeyRecord,
  secret: SecretFact,
  start: Date,
  removeInactiveKeyId: string | undefined,
  removeOrphanKeyId: string | undefined,
): PlanStep[] {
  const timing = rotationTiming(config);
  const t0 = start.toISOString();
  const steps: PlanStep[] = [];
  if (removeInactiveKeyId) {
    steps.push({
      op: 'DeleteAccessKey',
      id: removeInactiveKeyId,
      at: t0,
      detail: `delete inactive key ${removeInactiveKeyId} to make room (removeInactiveKeyToMakeRoom)`,
    });
  }
  if (removeOrphanKeyId) {
    steps.push({
      op: 'DeleteAccessKey',
      id: removeOrphanKeyId,
      at: t0,
      detail: `delete ${removeOrphanKeyId}: an earlier attempt of this rotation created it and lost it (never used, never stored)`,
    });
  }
  steps.push({ op: 'CreateAccessKey', at: t0, detail: 'create a new access key' });
  steps.push({
    op: secret.exists ? 'PutSecretValue' : 'CreateSecret',
    id: secret.name,
    at: t0,
    detail: secret.exists
      ? `store it in secret ${secret.name} as AWSCURRENT${secret.currentAccessKeyId ? ` (${secret.currentAccessKeyId} becomes AWSPREVIOUS)` : ''}`
      : `store it in secret ${secret.name} (created now) as AWSCURRENT`,
  });
  const quietHours = (timing.quietPeriodSeconds / 3600).toFixed(2).replace(/\.?0+$/, '');
  steps.push({
    op: 'CheckCutover',
    at: t0,
    detail:
      `check cutover now and every ${timing.checkIntervalSeconds} s: confirmed once ` +
      (key.lastUsedDate
        ? `${key.accessKeyId} is unused for ${quietHours} h and the new key is in use`
        : `${key.accessKeyId} (never used) is older than ${quietHours} h, as last-used data lags`) +
      `; one execution runs at most ${cutoverCheckLimit(config)} checks, then the next scan resumes it`,
  });
  const deadline = start.getTime() + timing.deadlineSeconds * 1000;
  steps.push({
    op: 'CutoverDeadline',
    at: iso(deadline),
    detail:
      timing.deadlineAction === 'deactivate'
        ? `cutover deadline: if not confirmed by then, notify and deactivate ${key.accessKeyId} anyway (cutoverDeadlineAction deactivate)`
        : 'cutover deadline: if not confirmed by then, notify and keep waiting, escalating every deadline period (cutoverDeadlineAction notify)',
  });
  const cutover = earliestCutover(config, key, start);
  const deactivateAt = cutover ? cutover.getTime() : deadline;
  const earliest = cutover === undefined || cutover.getTime() > start.getTime();
  steps.push({
    op: 'UpdateAccessKey',
    id: key.accessKeyId,
    at: iso(deactivateAt),
    earliest,
    detail: `deactivate ${key.accessKeyId} after confirmed cutover${cutover ? '' : ' (or at the deadline with cutoverDeadlineAction deactivate)'}`,
  });
  steps.push({
    op: 'DeleteAccessKey',
    id: key.accessKeyId,
    at: iso(deactivateAt + timing.gracePeriodSeconds * 1000),
    earliest,
    detail: `delete ${key.accessKeyId} after the ${timing.gracePeriodSeconds} s grace period (rollback reactivates it until then)`,
  });
  return steps;
}
