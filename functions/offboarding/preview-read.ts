/**
 * Reads what an offboarding preview (./preview) needs, with read-only calls only: GetUser and the
 * inventory's List/Get calls, DescribeSecret, the workflows' List/Describe. Nothing of a user
 * outside the managed scope is read beyond GetUser.
 */
import { secretNameFor, type LifecycleConfig } from '../shared/config';
import type { IamUsers } from '../shared/iam/users';
import { decideScope, isValidUserName } from '../shared/scope';
import type { SecretStore } from '../shared/secret-store';
import { findAttempts, type WorkflowPort } from '../shared/workflows';
import { MAX_OFFBOARDING_ATTEMPTS, offboardingExecutionName, restoreExecutionName } from './domain';
import type { OffboardingFacts } from './preview';

export interface OffboardingPreviewDeps {
  readonly iam: Pick<IamUsers, 'findUser' | 'inventory'>;
  readonly secrets: Pick<SecretStore, 'exists'>;
  readonly workflows: WorkflowPort;
  readonly config: LifecycleConfig;
  readonly automationUserNames?: readonly string[];
  /** The stack's deny policy ARN, found without creating it. */
  readonly denyPolicyArn: () => Promise<string>;
}

export async function readOffboardingFacts(
  deps: OffboardingPreviewDeps,
  request: { readonly userName: string; readonly reason: unknown; readonly observationDays?: unknown },
): Promise<OffboardingFacts> {
  const { userName } = request;
  const base = {
    userName,
    reason: request.reason,
    ...(request.observationDays !== undefined ? { observationDays: request.observationDays } : {}),
    secretExists: false,
    denyPolicyArn: '',
  };
  if (!isValidUserName(userName)) return base;
  const user = await deps.iam.findUser(userName);
  if (!user || user.userName !== userName || decideScope(user, deps.config, deps.automationUserNames).kind !== 'managed') {
    return { ...base, ...(user ? { user } : {}) };
  }
  const inventory = await deps.iam.inventory(userName);
  const { found, nextName } = await findAttempts(
    deps.workflows,
    'offboarding',
    (n) => offboardingExecutionName(userName, user.userId, n),
    MAX_OFFBOARDING_ATTEMPTS,
  );
  const latest = found.at(-1);
  const restore = latest
    ? (
        await findAttempts(deps.workflows, 'offboarding', (n) => restoreExecutionName(latest.name, n), MAX_OFFBOARDING_ATTEMPTS)
      ).found.at(-1)
    : undefined;
  const days = (latest?.summary.input as { observationDays?: unknown } | undefined)?.observationDays;
  return {
    ...base,
    user,
    inventory,
    secretExists: await deps.secrets.exists(secretNameFor(deps.config, userName)),
    denyPolicyArn: await deps.denyPolicyArn(),
    ...(latest
      ? {
          latest: {
            executionName: latest.name,
            status: latest.summary.status,
            ...(typeof days === 'number' ? { observationDays: days } : {}),
          },
        }
      : {}),
    ...(nextName ? { nextExecutionName: nextName } : {}),
    ...(restore?.summary.status === 'RUNNING' ? { restoreRunning: restore.name } : {}),
  };
}
