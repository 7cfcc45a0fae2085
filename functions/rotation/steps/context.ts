/**
 * What the rotation steps share: their dependencies, the shapes that flow between them, and the
 * check every state-changing step runs first (safety rule 8). Each step lives in its own file next
 * to this one and takes only the dependencies it calls, so each deployed step Lambda
 * (../lambdas/*) bundles only its own code and clients; ../handlers assembles them.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LifecycleConfig, RotationTiming } from '../../shared/config';
import { SafetyCheckError } from '../../shared/errors';
import { NotInLiveExecutionError, type ExecutionGuard } from '../../shared/execution-guard';
import { requireString, runStep } from '../../shared/steps';
import type { IamUsers } from '../../shared/iam/users';
import type { IamUser } from '../../shared/iam/records';
import type { Notifier } from '../../shared/notifier';
import { decideScope } from '../../shared/scope';
import type { SecretStore } from '../../shared/secret-store';
import type { ExecutionSummary, WorkflowPort } from '../../shared/workflows';
import type { BlockCode, CutoverDecision } from '../domain';
import type { RotationMode, RotationTrigger } from '../start';

export interface RotationDeps {
  readonly iam: IamUsers;
  readonly secrets: SecretStore;
  readonly notifier: Notifier;
  readonly config: LifecycleConfig;
  readonly clock: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The automation's own IAM user names: always protected. */
  readonly automationUserNames?: readonly string[];
  /** Confirms a step runs inside a live rotation execution for its user (safety rule 8). */
  readonly guard: ExecutionGuard;
  /**
   * Reads earlier attempts of a rotation: a `continued` one is resumed, and a key an earlier attempt
   * created and lost is recognised. A getter: locally the runner is built after the handlers.
   */
  readonly workflows: () => WorkflowPort;
  /** Organization mode: the account the clients above act in (execution names carry it). */
  readonly accountId?: string;
}

/** What every state-changing step needs: no Secrets Manager, no reading of execution history. */
export type RotationStepDeps = Omit<RotationDeps, 'secrets' | 'workflows' | 'accountId'>;

export interface RotationRequest {
  readonly userName: string;
  readonly accessKeyId: string;
  /** From the context object: `$$.Execution.Id`, `$$.Execution.Name` and `$$.Execution.StartTime`. */
  readonly executionId: string;
  readonly executionName: string;
  readonly startedAt: string;
}

export interface RotationState {
  /** `resumed`: a new attempt of a rotation that ended `continued`; its new key exists already. */
  readonly status: 'ready' | 'resumed';
  /** `retire`: an unused key is deactivated and deleted with no replacement (../retire). Prepare always sets it. */
  readonly mode?: RotationMode;
  readonly userName: string;
  /** Organization mode: the account the user lives in (from the execution input). */
  readonly accountId?: string;
  /** The user's Owner and Purpose tags (ownerTagKey, purposeTagKey) when Prepare read them: for notifications. */
  readonly owner?: string;
  readonly purpose?: string;
  /** IAM's UserId when prepared: later steps refuse a user re-created under the same name. */
  readonly userId: string;
  /** `$$.Execution.Id` of this execution: later steps confirm it is live and for this user and key. */
  readonly executionId: string;
  readonly trigger: RotationTrigger;
  /** The attempt this one resumes (its output carried the keys and the original start and deadline). */
  readonly resumedFrom?: string;
  readonly oldAccessKeyId: string;
  readonly oldKeyUsedBefore: boolean;
  readonly oldKeyLastUsedAt?: string;
  readonly oldKeyCreatedAt?: string;
  readonly removedInactiveKeyId?: string;
  /** Retire mode: since when the key has been unused (its last use, or its creation). */
  readonly unusedSince?: string;
  /** Retire mode: the key is the user's only active key (said in the notification). */
  readonly onlyActiveKey?: boolean;
  /** A never-used, never-stored key an earlier attempt of this rotation created and lost. */
  readonly removedOrphanKeyId?: string;
  readonly secretName: string;
  readonly executionName: string;
  readonly startedAt: string;
  readonly deadlineAt: string;
  readonly requestedBy: string;
  /** Computed by Prepare from the deployed config, for the Wait states; steps recompute from config. */
  readonly timing: RotationTiming;
  readonly newKey?: NewKeyRef;
  readonly cutover?: CutoverState;
  readonly deactivation?: { readonly deactivatedAt: string; readonly deleteAfter: string; readonly alreadyGone: boolean };
}

export interface BlockedResult {
  readonly status: 'blocked';
  readonly userName: string;
  readonly accessKeyId: string;
  readonly code: BlockCode;
  readonly reason: string;
}

export interface NewKeyRef {
  readonly accessKeyId: string;
  readonly secretVersionId: string;
  readonly createdAt: string;
  readonly reused: boolean;
}

export interface CutoverState {
  readonly decision: CutoverDecision;
  readonly reason: string;
  readonly checks: number;
  readonly checkedAt: string;
  readonly oldKeyLastUsedAt?: string;
  readonly newKeyLastUsedAt?: string;
  readonly lastOverdueNoticeAt?: string;
}

export interface FinishResult {
  readonly outcome: 'completed' | 'rolled-back';
  readonly userName: string;
  readonly retiredAccessKeyId: string;
  /** Absent in retire mode (no replacement). */
  readonly currentAccessKeyId?: string;
  readonly finishedAt: string;
}

export function iso(date: Date | undefined): string | undefined {
  return date ? date.toISOString() : undefined;
}

export type StepRunner = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/** Runs a step with its failure logged and classified (shared/steps). */
export function stepRunner(logger: RotationDeps['logger']): StepRunner {
  return (name, fn) => runStep(logger, `rotation step ${name}`, fn);
}

export function makeConfirm(deps: RotationStepDeps) {
  const { iam, config } = deps;
  /**
   * Safety rule 8, for every state-changing step: the step runs inside a live rotation execution
   * for this user and this exact old key, and the user is still the one Prepare saw (same IAM
   * UserId), managed and unprotected. A direct invoke of a step Lambda is refused here.
   */
  async function confirm(state: RotationState): Promise<{ execution: ExecutionSummary; user: IamUser }> {
    const userName = requireString(state?.userName, 'userName');
    const oldAccessKeyId = requireString(state.oldAccessKeyId, 'oldAccessKeyId');
    const execution = await deps.guard.assertLive('rotation', state.executionId, userName);
    if ((execution.input as { accessKeyId?: unknown } | undefined)?.accessKeyId !== oldAccessKeyId) {
      throw new NotInLiveExecutionError('rotation', String(state.executionId), 'the execution rotates another key');
    }
    const user = await iam.getUser(userName, { tagsFromGetUser: true });
    if (!state.userId || user.userId !== state.userId) {
      throw new SafetyCheckError(
        `user ${userName} is not the user this rotation prepared (IAM user id changed); nothing was changed`,
      );
    }
    const scope = decideScope(user, config, deps.automationUserNames);
    if (scope.kind === 'protected')
      throw new SafetyCheckError(`user ${userName} is protected (${scope.why}); nothing was changed`);
    if (scope.kind === 'out-of-scope') {
      throw new SafetyCheckError(`user ${userName} is not managed any more (${scope.why}); nothing was changed`);
    }
    return { execution, user };
  }
  return confirm;
}

/** The Owner and Purpose tags Prepare carried in the state (read with the user, no extra IAM call). */
export function ownerOf(state: Pick<RotationState, 'owner' | 'purpose'>): { owner?: string; purpose?: string } {
  return {
    ...(typeof state.owner === 'string' && state.owner ? { owner: state.owner } : {}),
    ...(typeof state.purpose === 'string' && state.purpose ? { purpose: state.purpose } : {}),
  };
}
