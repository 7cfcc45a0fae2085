/** The lifecycle view of one user (GET /users/{userName}, `iam-lifecycle status`): never a secret. */
import { secretNameFor, type LifecycleConfig } from '../shared/config';
import { keyCreatedAt } from '../shared/iam/records';
import type { IamUsers } from '../shared/iam/users';
import { decideScope } from '../shared/scope';
import type { SecretStore } from '../shared/secret-store';
import { findRunning, type WorkflowPort } from '../shared/workflows';

export interface UserView {
  readonly userName: string;
  readonly arn: string;
  readonly path: string;
  readonly management: { readonly kind: 'managed' | 'protected' | 'out-of-scope'; readonly why?: string };
  readonly accessKeys: readonly {
    readonly accessKeyId: string;
    readonly status: string;
    readonly createdAt: string;
    readonly ageDays: number;
    readonly lastUsedAt: string | null;
    readonly isSecretCurrent: boolean;
  }[];
  readonly secret: { readonly name: string; readonly currentAccessKeyId: string | null };
  readonly runningWorkflows: readonly { readonly kind: string; readonly executionName: string; readonly startedAt: string }[];
}

export async function userView(
  deps: {
    iam: IamUsers;
    secrets: Pick<SecretStore, 'currentKeyIdFromTags'>;
    workflows: WorkflowPort;
    config: LifecycleConfig;
    clock: () => Date;
    automationUserNames?: readonly string[];
    /** Organization mode: the account `iam` acts in (its running workflows are that account's). */
    accountId?: string;
  },
  userName: string,
): Promise<UserView> {
  const user = await deps.iam.getUser(userName, { tagsFromGetUser: true });
  const scope = decideScope(user, deps.config, deps.automationUserNames);
  // Keys of users this automation does not manage are not its business (and its role may not read them).
  const keys = scope.kind === 'managed' ? await deps.iam.listAccessKeys(userName) : [];
  const secretName = secretNameFor(deps.config, userName);
  const [current, lastUsed, rotations, offboardings] = await Promise.all([
    deps.secrets.currentKeyIdFromTags(secretName),
    Promise.all(keys.map((k) => deps.iam.lastUsed(k.accessKeyId))),
    findRunning(deps.workflows, 'rotation', userName, deps.accountId),
    findRunning(deps.workflows, 'offboarding', userName, deps.accountId).catch(() => []),
  ]);
  const now = deps.clock().getTime();
  return {
    userName: user.userName,
    arn: user.arn,
    path: user.path,
    management: scope.kind === 'managed' ? { kind: 'managed' } : { kind: scope.kind, why: scope.why },
    accessKeys: keys.map((k, i) => ({
      accessKeyId: k.accessKeyId,
      status: k.status,
      createdAt: keyCreatedAt(k).toISOString(),
      ageDays: Math.floor(((now - keyCreatedAt(k).getTime()) / 86_400_000) * deps.config.timeScale * 10) / 10,
      lastUsedAt: lastUsed[i]?.toISOString() ?? null,
      isSecretCurrent: current === k.accessKeyId,
    })),
    secret: { name: secretName, currentAccessKeyId: current ?? null },
    runningWorkflows: [...rotations, ...offboardings].map((e) => ({
      kind: e.kind,
      executionName: e.name,
      startedAt: e.startDate.toISOString(),
    })),
  };
}
