/**
 * Retiring an unused access key: the rotation workflow in `retire` mode. Prepare re-checks from fresh
 * last-used data that the key is still unused for unusedKeyDays, then the key is deactivated,
 * observed for deactivatedGracePeriodDays (rollback reactivates it, like a rotation's old key) and
 * deleted. No replacement key is created: nothing uses the key, so nothing depends on it.
 */
import type { LifecycleConfig } from '../shared/config';
import { retirementExecutionName } from '../shared/execution-names';
import { findAttempts, type StartResult, type WorkflowPort } from '../shared/workflows';
import { MAX_ROTATION_ATTEMPTS, nextAttempt, rotationInput, type RotationLookup } from './start';

const DAY_MS = 86_400_000;

/** unusedKeyDays in (scaled) milliseconds, or undefined when unused-key retirement is off. */
export function unusedKeyMs(config: Pick<LifecycleConfig, 'unusedKeyDays' | 'timeScale'>): number | undefined {
  return config.unusedKeyDays === undefined ? undefined : (config.unusedKeyDays * DAY_MS) / config.timeScale;
}

/** Since when a key has been unused: its last use, or its creation when never used. */
export function unusedSince(createdAt: Date, lastUsedAt: Date | undefined): Date {
  return lastUsedAt ?? createdAt;
}

/** Strictly longer than unusedKeyDays, like a stale key is strictly older than maxKeyAgeDays. */
export function isUnusedLongEnough(since: Date, now: Date, thresholdMs: number): boolean {
  return now.getTime() - since.getTime() > thresholdMs;
}

/** The attempts of the retirement of this exact key (never a rotation's attempts). */
export async function findRetirement(workflows: WorkflowPort, userName: string, accessKeyId: string): Promise<RotationLookup> {
  const { found, nextName } = await findAttempts(
    workflows,
    'rotation',
    (attempt) => retirementExecutionName(userName, accessKeyId, attempt),
    MAX_ROTATION_ATTEMPTS,
  );
  const latest = found.at(-1)?.summary;
  return { ...(latest ? { latest } : {}), ...(nextName ? { nextName } : {}), attempts: found };
}

/** Starts the retirement of one key (the scan is the only caller), or reports the running one. */
export async function startRetirement(
  workflows: WorkflowPort,
  request: { readonly userName: string; readonly accessKeyId: string; readonly requestedBy: string },
  lookup?: RotationLookup,
): Promise<StartResult & { executionName: string }> {
  lookup ??= await findRetirement(workflows, request.userName, request.accessKeyId);
  const next = nextAttempt(lookup, `retiring key ${request.accessKeyId} of ${request.userName}`);
  if ('running' in next) return next.running;
  const input = rotationInput({ ...request, trigger: 'scheduled', mode: 'retire' });
  const result = await workflows.start('rotation', next.name, input);
  return { ...result, executionName: next.name };
}
