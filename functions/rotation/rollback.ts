/**
 * Rollback of a rotation in its grace period: reactivate the exact old key. The running workflow
 * sees the reactivated key when the grace period ends, keeps it and ends as `rolled-back`
 * (FinishRotation), so nothing is deleted. The secret keeps the new key as AWSCURRENT; the old value
 * is still AWSPREVIOUS for workloads that must go back to it.
 */
import { LifecycleError, ValidationError } from '../shared/errors';
import type { IamUsers } from '../shared/iam/users';
import { offboardingPhaseOf } from '../shared/scope';
import { findRunning, type WorkflowPort } from '../shared/workflows';

export class NothingToRollBackError extends LifecycleError {}
export class NoRunningWorkflowError extends LifecycleError {}
/** Rollback would give an exposed key back to whoever holds it: a rotation for exposure has none. */
export class RollbackRefusedError extends LifecycleError {}

export interface RollbackResult {
  readonly userName: string;
  /** Organization mode: the account the user lives in. */
  readonly accountId?: string;
  readonly executionName: string;
  readonly reactivatedAccessKeyId: string;
  readonly note: string;
}

export async function rollbackRotation(
  deps: { iam: IamUsers; workflows: WorkflowPort },
  userName: string,
  accountId?: string,
): Promise<RollbackResult> {
  if (!userName) throw new ValidationError('userName is required');
  const running = await findRunning(deps.workflows, 'rotation', userName, accountId);
  if (running.length === 0) throw new NoRunningWorkflowError(`no rotation of ${userName} is running`);
  const user = await deps.iam.getUser(userName, { tagsFromGetUser: true });
  const offboarding = offboardingPhaseOf(user.tags);
  if (offboarding !== undefined) {
    throw new NothingToRollBackError(`user ${userName} is being offboarded (${offboarding}); its keys stay disabled`);
  }
  const keys = await deps.iam.listAccessKeys(userName);
  for (const execution of running) {
    const { accessKeyId: oldKeyId, trigger } = execution.input as { accessKeyId?: string; trigger?: unknown };
    if (trigger === 'exposure') {
      throw new RollbackRefusedError(
        `the rotation ${execution.name} of ${userName} replaces an exposed key; its old key ${oldKeyId ?? ''} is never reactivated`,
      );
    }
    const old = keys.find((k) => k.accessKeyId === oldKeyId);
    if (!oldKeyId || !old) continue;
    if (old.status === 'Active') {
      throw new NothingToRollBackError(
        `the rotation ${execution.name} has not deactivated ${oldKeyId} yet (it is waiting for cutover); nothing to roll back`,
      );
    }
    await deps.iam.setAccessKeyStatus(userName, oldKeyId, 'Active', { mustExist: true });
    return {
      userName,
      ...(accountId !== undefined ? { accountId } : {}),
      executionName: execution.name,
      reactivatedAccessKeyId: oldKeyId,
      note: 'the old key is active again; the rotation will end as rolled back when its grace period ends and will not delete it',
    };
  }
  throw new NothingToRollBackError(`the key retired by the running rotation of ${userName} is already deleted`);
}
