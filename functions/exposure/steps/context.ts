/**
 * What the exposure response's steps share: dependencies, the state that flows between them, and
 * the check every state-changing step runs first (safety rule 8): a live exposure execution for this
 * user and this exact key, the same IAM user (UserId), managed and unprotected.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LifecycleConfig } from '../../shared/config';
import { SafetyCheckError } from '../../shared/errors';
import { NotInLiveExecutionError, type ExecutionGuard } from '../../shared/execution-guard';
import type { IamUsers } from '../../shared/iam/users';
import type { IamUser } from '../../shared/iam/records';
import type { Notifier } from '../../shared/notifier';
import { decideScope } from '../../shared/scope';
import { requireString, runStep } from '../../shared/steps';
import type { ExecutionSummary } from '../../shared/workflows';
import type { NewKeyRef } from '../../rotation/steps/context';

export interface ExposureDeps {
  readonly iam: IamUsers;
  readonly notifier: Notifier;
  readonly config: LifecycleConfig;
  readonly clock: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly automationUserNames?: readonly string[];
  readonly guard: ExecutionGuard;
}

export type ExposureSource = 'health' | 'api' | 'cli';

/** The execution input (written by startExposureResponse) plus the context object's fields. */
export interface ExposureRequest {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly executionId: string;
  readonly executionName: string;
}

export interface ExposureState {
  readonly status: 'respond' | 'notify-only' | 'unknown-key';
  readonly userName: string;
  /** Organization mode: the account the key belongs to (from the execution input). */
  readonly accountId?: string;
  readonly userId: string;
  /** The exposed key. */
  readonly accessKeyId: string;
  /** The same key under the name the rotation's CreateAndStoreKey reads. */
  readonly oldAccessKeyId: string;
  readonly executionId: string;
  readonly executionName: string;
  readonly startedAt: string;
  readonly reason: string;
  readonly source: string;
  readonly eventId?: string;
  readonly replace: boolean;
  readonly note: string;
  readonly quarantinePolicies: readonly string[];
  readonly secretName: string;
  /** From the deployed config, for the Wait state; DeleteExposedKey re-checks the time from config. */
  readonly timing: { readonly gracePeriodSeconds: number };
  /** Contain attached the stack's containment policy (kept attached: see containmentDetachableAfter). */
  readonly contained?: { readonly policyArn: string; readonly containedAt: string };
  readonly newKey?: NewKeyRef;
  /** CreateAndStoreKey failed after its retries; the exposed key was deactivated anyway. */
  readonly replaceError?: { readonly Error?: string; readonly Cause?: string };
  readonly deactivation?: { readonly deactivatedAt: string; readonly alreadyGone: boolean; readonly deleteAfter: string };
}

export type StepRunner = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

export function stepRunner(logger: ExposureDeps['logger']): StepRunner {
  return (name, fn) => runStep(logger, `exposure step ${name}`, fn);
}

export function makeConfirm(deps: ExposureDeps) {
  return async function confirm(state: ExposureState): Promise<{ execution: ExecutionSummary; user: IamUser }> {
    const userName = requireString(state?.userName, 'userName');
    const accessKeyId = requireString(state.accessKeyId, 'accessKeyId');
    const execution = await deps.guard.assertLive('exposure', state.executionId, userName);
    const input = execution.input as { accessKeyId?: unknown } | undefined;
    if (input?.accessKeyId !== accessKeyId || state.oldAccessKeyId !== accessKeyId) {
      throw new NotInLiveExecutionError('exposure', String(state.executionId), 'the execution answers another key');
    }
    const user = await deps.iam.getUser(userName, { tagsFromGetUser: true });
    if (!state.userId || user.userId !== state.userId) {
      throw new SafetyCheckError(
        `user ${userName} is not the user this response assessed (IAM user id changed); nothing was changed`,
      );
    }
    const scope = decideScope(user, deps.config, deps.automationUserNames);
    if (scope.kind !== 'managed') {
      throw new SafetyCheckError(`user ${userName} is ${scope.kind} (${scope.why}); nothing was changed`);
    }
    return { execution, user };
  };
}
