/**
 * DeactivateOldKey and FinishRotation in `retire` mode (./retire): no new key exists, so instead of
 * the cutover and the stored replacement, the guard is this execution's own Prepare having found the
 * key unused (Step Functions' history, not the state handed in).
 */
import { rotationTiming } from '../shared/config';
import { SafetyCheckError } from '../shared/errors';
import type { IamUser } from '../shared/iam/records';
import { ownerFields } from '../shared/notification-attributes';
import type { ExecutionSummary } from '../shared/workflows';
import { planFinish } from './domain';
import type { FinishResult, RotationDeps, RotationState, RotationStepDeps } from './steps/context';

type Deps = RotationStepDeps & Pick<RotationDeps, 'workflows'>;

/** The execution's own input decides the mode; a state that disagrees is refused. */
export function isRetirement(state: RotationState, execution: ExecutionSummary): boolean {
  const inputMode = (execution.input as { mode?: unknown } | undefined)?.mode;
  const retire = inputMode === 'retire';
  if (retire !== (state.mode === 'retire')) {
    throw new SafetyCheckError(`the state's mode does not match this execution's input; nothing was changed`);
  }
  return retire;
}

const ONLY_KEY_NOTE =
  "this was the user's only active key; it was unused, so nothing should depend on it, but the user now has no active key";

export async function deactivateUnusedKey(deps: Deps, state: RotationState, execution: ExecutionSummary, user: IamUser) {
  const { iam, notifier, config, clock, logger } = deps;
  const prepared = (await deps.workflows().stateOutput('rotation', execution.name, 'Prepare')) as
    { status?: unknown; mode?: unknown } | undefined;
  if (prepared?.status !== 'ready' || prepared.mode !== 'retire') {
    throw new SafetyCheckError(`this retirement's Prepare did not find ${state.oldAccessKeyId} unused; not deactivating it`);
  }
  const keys = await iam.listAccessKeys(state.userName);
  const old = keys.find((k) => k.accessKeyId === state.oldAccessKeyId);
  const now = clock();
  const deleteAfter = new Date(now.getTime() + rotationTiming(config).gracePeriodSeconds * 1000).toISOString();
  if (old?.status === 'Active')
    await iam.setAccessKeyStatus(state.userName, state.oldAccessKeyId, 'Inactive', { mustExist: true });
  await notifier.publish({
    type: 'rotation.key-deactivated',
    why: 'unused',
    userName: state.userName,
    accessKeyId: state.oldAccessKeyId,
    ...(state.unusedSince ? { unusedSince: state.unusedSince } : {}),
    neverUsed: !state.oldKeyUsedBefore,
    onlyActiveKey: state.onlyActiveKey === true,
    ...(state.onlyActiveKey ? { note: ONLY_KEY_NOTE } : {}),
    deleteAfter,
    alreadyGone: old === undefined,
    executionName: execution.name,
    ...ownerFields(user.tags, config),
  });
  logger.info('unused key deactivated', { userName: state.userName, accessKeyId: state.oldAccessKeyId, deleteAfter });
  return { deactivatedAt: now.toISOString(), deleteAfter, alreadyGone: old === undefined };
}

export async function finishRetirement(deps: Deps, state: RotationState, user: IamUser): Promise<FinishResult> {
  const { iam, notifier, config, clock, logger } = deps;
  const keys = await iam.listAccessKeys(state.userName);
  const plan = planFinish(keys, state.oldAccessKeyId);
  const owner = ownerFields(user.tags, config);
  const base = { userName: state.userName, retiredAccessKeyId: state.oldAccessKeyId, finishedAt: clock().toISOString() };
  if (plan.kind === 'rolled-back') {
    await notifier.publish({
      type: 'rotation.rolled-back',
      why: 'unused',
      userName: state.userName,
      accessKeyId: state.oldAccessKeyId,
      reason: 'the unused key was reactivated during the grace period; it is kept',
      ...owner,
    });
    logger.warn('unused key reactivated during grace period: retirement rolled back', { userName: state.userName });
    return { outcome: 'rolled-back', ...base };
  }
  if (plan.kind === 'delete') await iam.deleteAccessKey(state.userName, state.oldAccessKeyId);
  await notifier.publish({
    type: 'rotation.completed',
    why: 'unused',
    userName: state.userName,
    deletedAccessKeyId: state.oldAccessKeyId,
    ...owner,
  });
  logger.info('unused key retired', { userName: state.userName, deletedAccessKeyId: state.oldAccessKeyId });
  return { outcome: 'completed', ...base };
}
