/**
 * `rotate <user> --dry-run`: the exact plan of an on-demand rotation, changing nothing. The plan is
 * pure over what ./preview-read reads (IAM, the secret's metadata, the workflows) and an injected
 * clock, and it asks the questions the real run asks with the same functions: the up-front checks
 * of ./on-demand (scope, spelling, which key), Prepare's planPreparation and its offboarding and
 * foreign-secret checks, and decideCutover for when the old key can go.
 */
import { rotationTiming, type LifecycleConfig } from '../shared/config';
import { keyCreatedAt, type AccessKeyRecord, type IamUser } from '../shared/iam/records';
import { decideScope, offboardingPhaseOf } from '../shared/scope';
import type { PlanOutcome, PlanStep } from '../shared/plan';
import { planPreparation, type OrphanEvidence } from './domain';
import { pickKeyToRotate } from './on-demand';
import { rotationSteps } from './preview-steps';

/** Everything the plan is built from, read without changing anything. */
export interface RotationFacts {
  readonly userName: string;
  /** `--key`: the exact key to retire. */
  readonly requestedKeyId?: string;
  /** undefined: IAM has no such user. */
  readonly user?: IamUser;
  /** The user's keys with GetAccessKeyLastUsed (empty when the user is not managed: not read). */
  readonly keys: readonly AccessKeyRecord[];
  /** Per key id: its latest rotation attempt and the name the next attempt would take. */
  readonly rotations: Readonly<Record<string, { readonly latest?: AttemptFact; readonly nextName?: string } | undefined>>;
  /** Rotations of this user running now (any key). */
  readonly running: readonly { readonly executionName: string; readonly accessKeyId?: string }[];
  /** Per key id, when the user has two active keys and that key's rotation had earlier attempts: what Prepare weighs. */
  readonly orphanEvidence?: Readonly<Record<string, OrphanEvidence>>;
  readonly secret: SecretFact;
}

export interface AttemptFact {
  readonly executionName: string;
  readonly status: string;
  /** Set when it ended `continued` (its new key exists; the next start resumes it). */
  readonly continuedWithNewKeyId?: string;
}

export interface SecretFact {
  readonly name: string;
  readonly exists: boolean;
  /** Key id of AWSCURRENT, from the secret's metadata (never its value). */
  readonly currentAccessKeyId?: string;
  /** Why the secret is not this stack's (Prepare refuses to write into it). */
  readonly foreignReason?: string;
}

export interface RetiredKey {
  readonly accessKeyId: string;
  readonly status: string;
  readonly createdAt?: string;
  readonly ageDays?: number;
  readonly lastUsedAt?: string;
  readonly lastUsedService?: string;
}

export interface RotationPlan {
  readonly kind: 'rotation';
  readonly userName: string;
  readonly outcome: PlanOutcome;
  readonly code?: string;
  readonly reason?: string;
  readonly plannedAt: string;
  readonly executionName?: string;
  readonly retire?: RetiredKey;
  readonly secretName: string;
  readonly steps: readonly PlanStep[];
}

const DAY_MS = 86_400_000;

function retired(key: AccessKeyRecord, now: Date): RetiredKey {
  return {
    accessKeyId: key.accessKeyId,
    status: key.status,
    ...(key.createDate
      ? { createdAt: key.createDate, ageDays: Math.floor((now.getTime() - keyCreatedAt(key).getTime()) / DAY_MS) }
      : {}),
    ...(key.lastUsedDate ? { lastUsedAt: key.lastUsedDate } : {}),
    ...(key.lastUsedService ? { lastUsedService: key.lastUsedService } : {}),
  };
}

export function planRotation(
  facts: RotationFacts,
  config: LifecycleConfig,
  now: Date,
  automationUserNames: readonly string[] = [],
): RotationPlan {
  const { userName } = facts;
  const base = { kind: 'rotation' as const, userName, plannedAt: now.toISOString(), secretName: facts.secret.name };
  const stop = (
    outcome: 'refused' | 'blocked',
    code: string,
    reason: string,
    extra: Partial<RotationPlan> = {},
  ): RotationPlan => ({
    ...base,
    outcome,
    code,
    reason,
    steps: [],
    ...extra,
  });
  // The checks the command makes before starting anything (./on-demand, ./start).
  const user = facts.user;
  if (!user) return stop('refused', 'unknown-user', `user ${userName} does not exist`);
  if (user.userName !== userName) {
    return stop(
      'refused',
      'invalid-request',
      `IAM spells this user "${user.userName}" (names are case-insensitive); use that exact name`,
    );
  }
  const scope = decideScope(user, config, automationUserNames);
  if (scope.kind === 'protected') return stop('refused', 'protected-user', `user ${userName} is protected (${scope.why})`);
  if (scope.kind === 'out-of-scope') return stop('refused', 'out-of-scope', `user ${userName} is not managed (${scope.why})`);
  const resumable = Object.entries(facts.rotations).flatMap(([id, r]) => (r?.latest?.continuedWithNewKeyId ? [id] : []));
  const choice = pickKeyToRotate(userName, facts.keys, facts.requestedKeyId, facts.requestedKeyId ? [] : resumable);
  if (choice.kind === 'refused') return stop('refused', choice.code, choice.reason);
  const key = facts.keys.find((k) => k.accessKeyId === choice.accessKeyId)!;
  const retire = retired(key, now);
  const other = facts.running.find((r) => r.accessKeyId !== key.accessKeyId);
  if (other) {
    return stop(
      'refused',
      'other-rotation-running',
      `rotation ${other.executionName} of ${userName} (key ${other.accessKeyId ?? 'unknown'}) is still running; start another one when it has ended`,
      { retire },
    );
  }
  const latest = facts.rotations[key.accessKeyId]?.latest;
  const nextName = facts.rotations[key.accessKeyId]?.nextName;
  if (latest?.status === 'RUNNING') {
    return {
      ...base,
      outcome: 'already-running',
      executionName: latest.executionName,
      retire,
      reason: `rotation ${latest.executionName} already runs for ${key.accessKeyId}; nothing new would start`,
      steps: [],
    };
  }
  // What the workflow's Prepare step checks (./handlers prepare).
  const offboarding = offboardingPhaseOf(user.tags);
  if (offboarding !== undefined) {
    return stop('blocked', 'being-offboarded', `user ${userName} is being offboarded (${offboarding}); its keys stay disabled`, {
      retire,
    });
  }
  if (latest?.continuedWithNewKeyId) {
    const timing = rotationTiming(config);
    return {
      ...base,
      outcome: 'resume',
      ...(nextName ? { executionName: nextName } : {}),
      retire,
      reason: `rotation ${latest.executionName} ended continued; a new attempt resumes it (new key ${latest.continuedWithNewKeyId} is already stored)`,
      steps: [
        {
          op: 'CheckCutover',
          at: now.toISOString(),
          detail: `check cutover now and every ${timing.checkIntervalSeconds} s until ${key.accessKeyId} is unused and ${latest.continuedWithNewKeyId} in use`,
        },
        {
          op: 'UpdateAccessKey',
          id: key.accessKeyId,
          earliest: true,
          detail: `deactivate ${key.accessKeyId} after confirmed cutover`,
        },
        {
          op: 'DeleteAccessKey',
          id: key.accessKeyId,
          earliest: true,
          detail: `delete ${key.accessKeyId} after the ${timing.gracePeriodSeconds} s grace period`,
        },
      ],
    };
  }
  let preparation = planPreparation(facts.keys, key.accessKeyId, config.removeInactiveKeyToMakeRoom);
  const evidence = facts.orphanEvidence?.[key.accessKeyId];
  if (preparation.kind === 'blocked' && preparation.code === 'two-active-keys' && evidence) {
    preparation = planPreparation(facts.keys, key.accessKeyId, config.removeInactiveKeyToMakeRoom, evidence);
  }
  if (preparation.kind === 'blocked') return stop('blocked', preparation.code, preparation.reason, { retire });
  if (facts.secret.foreignReason !== undefined) {
    return stop(
      'blocked',
      'foreign-secret',
      `secret ${facts.secret.name} was not created by iam-user-lifecycle (${facts.secret.foreignReason})`,
      { retire },
    );
  }
  if (!nextName) {
    return stop(
      'refused',
      'too-many-attempts',
      `key ${key.accessKeyId} of ${userName} was already attempted too often; see those executions`,
      {
        retire,
      },
    );
  }
  return {
    ...base,
    outcome: 'ready',
    executionName: nextName,
    retire,
    steps: rotationSteps(config, key, facts.secret, now, preparation.removeInactiveKeyId, preparation.removeOrphanKeyId),
  };
}
