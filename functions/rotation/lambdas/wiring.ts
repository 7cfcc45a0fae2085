/**
 * What the rotation step Lambdas share: IAM, the topic, and the execution guard over Step Functions
 * (safety rule 8). Secrets Manager is added only by the entries whose step calls it.
 *
 * Organization mode: each step acts in the account its execution's input names (see
 * ../../shared/account-routing); that account's clients are built on first use and kept for the
 * container's life. Single-account mode builds one set, for the Lambda's own account.
 */
import { accountScopes, executionAccountOf, routeByAccount, type AccountScope } from '../../shared/account-routing';
import { hubAccountIdFromEnv } from '../../shared/account-scope';
import { iamUsersFor } from '../../shared/clients/iam';
import { workflowsFor } from '../../shared/clients/sfn';
import { notifierFor } from '../../shared/clients/sns';
import { WorkflowExecutionGuard } from '../../shared/execution-guard';
import { notifierForAccount } from '../../shared/notifier';
import { makeLogger, type Runtime } from '../../shared/runtime';
import type { RotationDeps, RotationStepDeps } from '../steps/context';

export const logger = makeLogger('key-rotation');

export type RotationAccountDeps = RotationStepDeps & Pick<RotationDeps, 'workflows' | 'accountId'>;

/**
 * One rotation step routed by account. `extra` adds what only some steps call (Secrets Manager),
 * built for the same account's scope.
 */
export function rotationStep<E, R, X extends object = object>(
  rt: Runtime,
  make: (deps: RotationAccountDeps & X) => (event: E) => Promise<R>,
  extra?: (rt: Runtime, scope: AccountScope, deps: RotationAccountDeps) => X,
): (event: E) => Promise<R> {
  const workflows = workflowsFor(rt);
  const notifier = notifierFor(rt);
  const hubAccountId = hubAccountIdFromEnv(rt.env);
  const scopes = accountScopes({
    config: rt.config,
    base: rt.target,
    capability: 'rotation',
    ...(hubAccountId ? { hubAccountId } : {}),
  });
  return routeByAccount(
    executionAccountOf('rotation', () => workflows, rt.config, hubAccountId),
    (accountId) => {
      const scope = scopes(accountId);
      const deps: RotationAccountDeps = {
        iam: iamUsersFor({ target: scope.target }),
        notifier: notifierForAccount(notifier, accountId),
        config: scope.config,
        clock: rt.clock,
        logger,
        automationUserNames: rt.automationUserNames,
        guard: new WorkflowExecutionGuard(() => workflows),
        workflows: () => workflows,
        ...(accountId !== undefined ? { accountId } : {}),
      };
      return make({ ...deps, ...(extra ? extra(rt, scope, deps) : ({} as X)) });
    },
  );
}
