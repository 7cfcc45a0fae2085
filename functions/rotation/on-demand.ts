/**
 * Rotations asked for by a person (the CLI's `rotate`, the API's POST /rotations): the request is
 * checked up front so the caller gets the refusal at once, then one rotation starts.
 */
import type { LifecycleConfig } from '../shared/config';
import { TooManyActiveKeysError, ValidationError } from '../shared/errors';
import type { IamUsers } from '../shared/iam/users';
import type { AccessKeyRecord } from '../shared/iam/records';
import { assertExactSpelling, assertManaged } from '../shared/scope';
import type { StartResult, WorkflowPort } from '../shared/workflows';
import { assertNoOtherRotation, continuedOutputOf, findRotation, startRotation } from './start';

export interface OnDemandDeps {
  readonly iam: IamUsers;
  readonly workflows: WorkflowPort;
  readonly config: LifecycleConfig;
  readonly automationUserNames?: readonly string[];
  /** Organization mode: the account `iam` acts in (execution names and inputs carry it). */
  readonly accountId?: string;
}

/** Which key an on-demand rotation retires, or why none: pure, shared by the real start and the preview. */
export type KeyChoice =
  | { readonly kind: 'chosen'; readonly accessKeyId: string }
  | {
      readonly kind: 'refused';
      readonly code: 'key-not-found' | 'key-not-active' | 'no-active-key' | 'two-active-keys';
      readonly reason: string;
      readonly activeKeyIds?: readonly string[];
    };

/**
 * The exact key to retire (safety rule 1): the one asked for, or the user's single active key. Two
 * active keys are refused (rotation needs a free slot) unless one of them is the old key of a
 * rotation that ended `continued` (`resumableKeyIds`): then that rotation is resumed.
 */
export function pickKeyToRotate(
  userName: string,
  keys: readonly AccessKeyRecord[],
  requestedKeyId: string | undefined,
  resumableKeyIds: readonly string[] = [],
): KeyChoice {
  if (requestedKeyId) {
    const key = keys.find((k) => k.accessKeyId === requestedKeyId);
    if (!key)
      return { kind: 'refused', code: 'key-not-found', reason: `access key ${requestedKeyId} does not belong to ${userName}` };
    if (key.status !== 'Active') {
      return {
        kind: 'refused',
        code: 'key-not-active',
        reason: `access key ${requestedKeyId} is ${key.status}; only active keys are rotated`,
      };
    }
    return { kind: 'chosen', accessKeyId: requestedKeyId };
  }
  const active = keys.filter((k) => k.status === 'Active');
  if (active.length === 0)
    return { kind: 'refused', code: 'no-active-key', reason: `user ${userName} has no active access key to rotate` };
  if (active.length === 1) return { kind: 'chosen', accessKeyId: active[0]!.accessKeyId };
  // Two active keys are expected while a rotation that ended `continued` waits to be resumed.
  const resumable = active.find((k) => resumableKeyIds.includes(k.accessKeyId));
  if (resumable) return { kind: 'chosen', accessKeyId: resumable.accessKeyId };
  const activeKeyIds = active.map((k) => k.accessKeyId);
  return {
    kind: 'refused',
    code: 'two-active-keys',
    reason: new TooManyActiveKeysError(userName, activeKeyIds).message,
    activeKeyIds,
  };
}

/** The old keys among `keys` whose latest rotation ended `continued` (it would be resumed). */
export async function resumableKeyIds(
  workflows: WorkflowPort,
  userName: string,
  keys: readonly AccessKeyRecord[],
  accountId?: string,
): Promise<string[]> {
  const active = keys.filter((k) => k.status === 'Active');
  if (active.length < 2) return [];
  const ids: string[] = [];
  for (const key of active) {
    const { latest } = await findRotation(workflows, userName, key.accessKeyId, accountId);
    if (continuedOutputOf(latest)?.oldAccessKeyId === key.accessKeyId) ids.push(key.accessKeyId);
  }
  return ids;
}

/**
 * Fixes the exact key to retire up front (safety rule 1), see pickKeyToRotate. Users the workflow
 * would refuse are refused here already, before their keys are read (the deployed roles may not
 * read keys outside the managed scope).
 */
export async function chooseKeyToRotate(deps: OnDemandDeps, userName: string, requestedKeyId?: string): Promise<string> {
  const user = await deps.iam.getUser(userName, { tagsFromGetUser: true });
  assertExactSpelling(userName, user.userName);
  assertManaged(user, deps.config, deps.automationUserNames);
  const keys = await deps.iam.listAccessKeys(userName);
  const resumable = requestedKeyId ? [] : await resumableKeyIds(deps.workflows, userName, keys, deps.accountId);
  const choice = pickKeyToRotate(userName, keys, requestedKeyId, resumable);
  if (choice.kind === 'chosen') return choice.accessKeyId;
  if (choice.code === 'two-active-keys') throw new TooManyActiveKeysError(userName, choice.activeKeyIds ?? []);
  throw new ValidationError(choice.reason);
}

export async function startOnDemandRotation(
  deps: OnDemandDeps,
  request: { userName: string; accessKeyId?: string; requestedBy: string },
): Promise<StartResult & { executionName: string; accessKeyId: string; accountId?: string }> {
  const accessKeyId = await chooseKeyToRotate(deps, request.userName, request.accessKeyId);
  await assertNoOtherRotation(deps.workflows, request.userName, accessKeyId, deps.accountId);
  const result = await startRotation(deps.workflows, deps.config, {
    userName: request.userName,
    accessKeyId,
    requestedBy: request.requestedBy,
    trigger: 'on-demand',
    ...(deps.accountId !== undefined ? { accountId: deps.accountId } : {}),
  });
  return { ...result, accessKeyId, ...(deps.accountId !== undefined ? { accountId: deps.accountId } : {}) };
}
