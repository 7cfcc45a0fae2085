/**
 * Rotations asked for by a person (the CLI's `rotate`, the API's POST /rotations): the request is
 * checked up front so the caller gets the refusal at once, then one rotation starts.
 */
import type { LifecycleConfig } from '../shared/config';
import { TooManyActiveKeysError, ValidationError } from '../shared/errors';
import type { IamUsers } from '../shared/iam/users';
import { assertExactSpelling, assertManaged } from '../shared/scope';
import type { StartResult, WorkflowPort } from '../shared/workflows';
import { assertNoOtherRotation, continuedOutputOf, findRotation, startRotation } from './start';

export interface OnDemandDeps {
  readonly iam: IamUsers;
  readonly workflows: WorkflowPort;
  readonly config: LifecycleConfig;
  readonly automationUserNames?: readonly string[];
}

/**
 * Fixes the exact key to retire up front (safety rule 1): the user's single active key, or the one
 * asked for. Users the workflow would refuse are refused here already, before their keys are read
 * (the deployed roles may not read keys outside the managed scope). Two active keys are refused:
 * rotation needs a free slot.
 */
export async function chooseKeyToRotate(deps: OnDemandDeps, userName: string, requestedKeyId?: string): Promise<string> {
  const user = await deps.iam.getUser(userName, { tagsFromGetUser: true });
  assertExactSpelling(userName, user.userName);
  assertManaged(user, deps.config, deps.automationUserNames);
  const keys = await deps.iam.listAccessKeys(userName);
  if (requestedKeyId) {
    const key = keys.find((k) => k.accessKeyId === requestedKeyId);
    if (!key) throw new ValidationError(`access key ${requestedKeyId} does not belong to ${userName}`);
    if (key.status !== 'Active')
      throw new ValidationError(`access key ${requestedKeyId} is ${key.status}; only active keys are rotated`);
    return requestedKeyId;
  }
  const active = keys.filter((k) => k.status === 'Active');
  if (active.length === 0) throw new ValidationError(`user ${userName} has no active access key to rotate`);
  if (active.length > 1) {
    // Two active keys are expected while a rotation that ended `continued` waits to be resumed.
    for (const key of active) {
      const { latest } = await findRotation(deps.workflows, userName, key.accessKeyId);
      if (continuedOutputOf(latest)?.oldAccessKeyId === key.accessKeyId) return key.accessKeyId;
    }
  }
  if (active.length > 1)
    throw new TooManyActiveKeysError(
      userName,
      active.map((k) => k.accessKeyId),
    );
  return active[0]!.accessKeyId;
}

export async function startOnDemandRotation(
  deps: OnDemandDeps,
  request: { userName: string; accessKeyId?: string; requestedBy: string },
): Promise<StartResult & { executionName: string; accessKeyId: string }> {
  const accessKeyId = await chooseKeyToRotate(deps, request.userName, request.accessKeyId);
  await assertNoOtherRotation(deps.workflows, request.userName, accessKeyId);
  const result = await startRotation(deps.workflows, deps.config, {
    userName: request.userName,
    accessKeyId,
    requestedBy: request.requestedBy,
    trigger: 'on-demand',
  });
  return { ...result, accessKeyId };
}
