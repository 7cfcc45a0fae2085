/**
 * The scan's unused-key phase (issue 10): after the rotations, retire active keys unused for
 * unusedKeyDays through the rotation workflow's `retire` mode (deactivate, grace period, delete;
 * rollback possible; no replacement). Off unless unusedKeyDays is set.
 *
 * Shares maxRotationsPerScan with the rotation phase: the cap bounds the workflows one scan starts,
 * whatever they do. A user the rotation phase started or holds a rotation for, or skipped for good
 * (protected, out of scope, being offboarded, previous rotation in grace), is left alone this scan;
 * a user whose rotation is blocked is not (its unused second key is often what blocks it).
 * A user with a running rotation-kind execution (rotation or retirement) is skipped: one at a time
 * per user keeps rollback unambiguous. The `rotation.key-deactivated` etc. notifications come from the
 * workflow itself (why: 'unused').
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LifecycleConfig } from '../shared/config';
import { errorName, UserNotFoundError } from '../shared/errors';
import type { IamUsers } from '../shared/iam/users';
import { isNoSuchEntity } from '../shared/iam/records';
import { findRunning, type WorkflowPort } from '../shared/workflows';
import { findRetirement, startRetirement } from '../rotation/retire';
import type { ReportUser } from './credential-report';
import { checkTags, type SkippedUser, type SkipCode } from './select';
import { planRetirement, selectUnusedKeys, type PlannedRetirement } from './unused-select';

export interface RetirementRef {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly executionName: string;
}

export interface UnusedKeysSummary {
  readonly unusedKeyDays: number;
  /** Retirements this scan starts, or would start in a dry run. */
  readonly plan: readonly (PlannedRetirement & { readonly executionName: string })[];
  readonly started: readonly RetirementRef[];
  readonly alreadyRunning: readonly RetirementRef[];
  readonly skipped: readonly SkippedUser[];
  readonly failed: readonly { readonly userName: string; readonly errorName: string; readonly message: string }[];
}

export interface UnusedKeysPhase {
  readonly users: readonly ReportUser[];
  readonly now: Date;
  readonly dryRun: boolean;
  /** Workflows the rotation phase planned: the cap is shared. */
  readonly rotationsPlanned: number;
  /** Users the rotation phase acted on or skipped for good (see the file comment). */
  readonly leaveAlone: ReadonlySet<string>;
}

export interface UnusedKeysDeps {
  readonly iam: Pick<IamUsers, 'listTags' | 'listAccessKeys'>;
  readonly workflows: WorkflowPort;
  readonly config: LifecycleConfig;
  readonly automationUserNames?: readonly string[];
  readonly logger: Pick<Logger, 'info' | 'error'>;
}

/** Rotation-phase skips that also hold for an unused key of the same user. */
const FINAL_SKIPS: ReadonlySet<SkipCode> = new Set<SkipCode>([
  'protected',
  'out-of-scope',
  'being-offboarded',
  'user-not-found',
  'previous-rotation-in-grace',
]);

/** The users the rotation phase of the same scan leaves no room for (see the file comment). */
export function usersLeftToRotation(phase: {
  readonly plan: readonly { userName: string }[];
  readonly alreadyRunning: readonly { userName: string }[];
  readonly skipped: readonly SkippedUser[];
  readonly failed: readonly { userName: string }[];
}): Set<string> {
  return new Set([
    ...phase.plan.map((p) => p.userName),
    ...phase.alreadyRunning.map((p) => p.userName),
    ...phase.skipped.filter((s) => FINAL_SKIPS.has(s.code)).map((s) => s.userName),
    ...phase.failed.map((f) => f.userName),
  ]);
}

/** Runs the phase one candidate after another (few candidates; IAM throttles early). Undefined when off. */
export async function retireUnusedKeys(deps: UnusedKeysDeps, phase: UnusedKeysPhase): Promise<UnusedKeysSummary | undefined> {
  const { iam, workflows, config, logger } = deps;
  if (config.unusedKeyDays === undefined) return undefined;
  const automation = deps.automationUserNames ?? [];
  const selection = selectUnusedKeys(phase.users, config, phase.now, phase.leaveAlone, automation);
  const plan: (PlannedRetirement & { executionName: string })[] = [];
  const started: RetirementRef[] = [];
  const alreadyRunning: RetirementRef[] = [];
  const skipped: SkippedUser[] = [...selection.skipped];
  const failed: { userName: string; errorName: string; message: string }[] = [];
  const longestUnusedFirst = [...selection.candidates].sort((a, b) => a.slots[0]!.since.getTime() - b.slots[0]!.since.getTime());

  for (const candidate of longestUnusedFirst) {
    const { userName } = candidate;
    try {
      let tags: Record<string, string>;
      let keys;
      try {
        tags = await iam.listTags(userName);
        const tagSkip = checkTags(candidate, tags, config, automation);
        if (tagSkip) {
          skipped.push({ ...tagSkip, reason: `unused key: ${tagSkip.reason}` });
          continue;
        }
        keys = await iam.listAccessKeys(userName);
      } catch (error) {
        if (!(error instanceof UserNotFoundError || isNoSuchEntity(error))) throw error;
        skipped.push({ userName, code: 'user-not-found', reason: 'the user was deleted after the credential report' });
        continue;
      }
      const decision = planRetirement(candidate, keys, config, phase.now);
      if (decision.kind === 'skip') {
        skipped.push(decision.skipped);
        continue;
      }
      const { accessKeyId } = decision.retirement;
      const lookup = await findRetirement(workflows, userName, accessKeyId);
      if (lookup.latest?.status === 'RUNNING') {
        alreadyRunning.push({ userName, accessKeyId, executionName: lookup.latest.name });
        continue;
      }
      const running = await findRunning(workflows, 'rotation', userName);
      if (running.length > 0) {
        skipped.push({
          userName,
          accessKeyId,
          code: 'previous-rotation-in-grace',
          reason: `unused key: ${running[0]!.name} of this user is still running; the next scan looks again`,
          executionName: running[0]!.name,
        });
        continue;
      }
      if (phase.rotationsPlanned + plan.length >= config.maxRotationsPerScan) {
        skipped.push({
          userName,
          accessKeyId,
          code: 'deferred',
          reason: `unused key: maxRotationsPerScan (${config.maxRotationsPerScan}, shared with rotations) reached; the next scan takes it`,
        });
        continue;
      }
      const executionName = lookup.nextName ?? '';
      plan.push({ ...decision.retirement, executionName });
      if (phase.dryRun) continue;
      const result = await startRetirement(workflows, { userName, accessKeyId, requestedBy: 'scan' }, lookup);
      (result.started ? started : alreadyRunning).push({ userName, accessKeyId, executionName: result.executionName });
      if (result.started) logger.info('unused key retirement started by scan', { userName, accessKeyId, executionName });
    } catch (error) {
      failed.push({ userName, errorName: errorName(error), message: (error as Error).message });
      logger.error('scan could not examine unused key', {
        userName,
        errorName: errorName(error),
        errorMessage: (error as Error).message,
      });
    }
  }
  return { unusedKeyDays: config.unusedKeyDays, plan, started, alreadyRunning, skipped, failed };
}
