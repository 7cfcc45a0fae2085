/**
 * Reads what a rotation preview (./preview) needs, with read-only calls only: GetUser,
 * ListAccessKeys, GetAccessKeyLastUsed, DescribeSecret/GetResourcePolicy (never the secret's
 * value) and the workflows' Describe/List. Keys of a user outside the managed scope are not read,
 * as the real command does not read them.
 */
import { secretNameFor, type LifecycleConfig } from '../shared/config';
import type { IamUsers } from '../shared/iam/users';
import { decideScope } from '../shared/scope';
import type { SecretStore } from '../shared/secret-store';
import { findRunning, type WorkflowPort } from '../shared/workflows';
import type { RotationFacts } from './preview';
import { earlierAttemptWindows } from './attempts';
import type { OrphanEvidence } from './domain';
import { continuedOutputOf, findRotation } from './start';

export interface RotationPreviewDeps {
  readonly iam: Pick<IamUsers, 'findUser' | 'listAccessKeys'>;
  readonly secrets: Pick<SecretStore, 'exists' | 'currentKey' | 'keyIdsInAnyVersion' | 'foreignReason'>;
  readonly workflows: WorkflowPort;
  readonly config: LifecycleConfig;
  readonly automationUserNames?: readonly string[];
}

export async function readRotationFacts(
  deps: RotationPreviewDeps,
  userName: string,
  requestedKeyId?: string,
): Promise<RotationFacts> {
  const secretName = secretNameFor(deps.config, userName);
  const user = await deps.iam.findUser(userName, { tagsFromGetUser: true });
  const empty = { userName, ...(requestedKeyId ? { requestedKeyId } : {}), keys: [], rotations: {}, running: [] };
  if (!user || user.userName !== userName || decideScope(user, deps.config, deps.automationUserNames).kind !== 'managed') {
    return { ...empty, ...(user ? { user } : {}), secret: { name: secretName, exists: false } };
  }
  const keys = await deps.iam.listAccessKeys(userName, { lastUsed: true });
  const rotations: Record<string, RotationFacts['rotations'][string]> = {};
  const orphanEvidence: Record<string, OrphanEvidence> = {};
  const active = keys.filter((k) => k.status === 'Active');
  for (const key of keys) {
    const { latest, nextName, attempts } = await findRotation(deps.workflows, userName, key.accessKeyId);
    // What Prepare reads before it refuses two active keys: a key an earlier attempt created and lost.
    const earlierAttempts = nextName ? earlierAttemptWindows(attempts, userName, nextName) : [];
    if (active.length > 1 && earlierAttempts.length > 0) {
      const lastUsedAt = Object.fromEntries(
        active
          .filter((k) => k.accessKeyId !== key.accessKeyId)
          .map((k) => [k.accessKeyId, k.lastUsedDate ? new Date(k.lastUsedDate) : undefined]),
      );
      orphanEvidence[key.accessKeyId] = {
        earlierAttempts,
        storedAccessKeyId: (await deps.secrets.currentKey(secretName))?.accessKeyId,
        keyIdsInSecret: await deps.secrets.keyIdsInAnyVersion(secretName),
        lastUsedAt,
      };
    }
    const continued = continuedOutputOf(latest);
    rotations[key.accessKeyId] = {
      ...(latest
        ? {
            latest: {
              executionName: latest.name,
              status: latest.status,
              ...(continued?.oldAccessKeyId === key.accessKeyId ? { continuedWithNewKeyId: continued.newAccessKeyId } : {}),
            },
          }
        : {}),
      ...(nextName ? { nextName } : {}),
    };
  }
  const running = (await findRunning(deps.workflows, 'rotation', userName)).map((e) => {
    const accessKeyId = (e.input as { accessKeyId?: unknown } | undefined)?.accessKeyId;
    return { executionName: e.name, ...(typeof accessKeyId === 'string' ? { accessKeyId } : {}) };
  });
  const exists = await deps.secrets.exists(secretName);
  const current = exists ? (await deps.secrets.currentKey(secretName))?.accessKeyId : undefined;
  const foreign = exists ? await deps.secrets.foreignReason(secretName, userName) : undefined;
  return {
    ...empty,
    user,
    keys,
    rotations,
    orphanEvidence,
    running,
    secret: {
      name: secretName,
      exists,
      ...(current ? { currentAccessKeyId: current } : {}),
      ...(foreign !== undefined ? { foreignReason: foreign } : {}),
    },
  };
}
