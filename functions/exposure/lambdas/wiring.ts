/**
 * What the exposure step Lambdas share: IAM, the topic, and the execution guard over Step Functions
 * (safety rule 8). Secrets Manager and CloudTrail are added only by the entries whose step calls them.
 *
 * Organization mode: each step acts in the account its execution's input names (see
 * ../../shared/account-routing), with that account's clients, built on first use and kept.
 */
import { accountScopes, executionAccountOf, routeByAccount, type AccountScope } from '../../shared/account-routing';
import { hubAccountIdFromEnv } from '../../shared/account-scope';
import { iamUsersFor } from '../../shared/clients/iam';
import { workflowsFor } from '../../shared/clients/sfn';
import { notifierFor } from '../../shared/clients/sns';
import { WorkflowExecutionGuard } from '../../shared/execution-guard';
import { notifierForAccount } from '../../shared/notifier';
import { makeLogger, type Runtime } from '../../shared/runtime';
import type { ExposureDeps } from '../steps/context';

export const logger = makeLogger('exposure-response');

/** One exposure step routed by account; `extra` adds what only some steps call (Secrets Manager, CloudTrail). */
export function exposureStep<E, R, X extends object = object>(
  rt: Runtime,
  make: (deps: ExposureDeps & X) => (event: E) => Promise<R>,
  extra?: (rt: Runtime, scope: AccountScope, deps: ExposureDeps) => X,
): (event: E) => Promise<R> {
  const workflows = workflowsFor(rt);
  const notifier = notifierFor(rt);
  const hubAccountId = hubAccountIdFromEnv(rt.env);
  const scopes = accountScopes({
    config: rt.config,
    base: rt.target,
    capability: 'exposure',
    ...(hubAccountId ? { hubAccountId } : {}),
  });
  return routeByAccount(
    executionAccountOf('exposure', () => workflows, rt.config, hubAccountId),
    (accountId) => {
      const scope = scopes(accountId);
      const deps: ExposureDeps = {
        iam: iamUsersFor({ target: scope.target }),
        notifier: notifierForAccount(notifier, accountId),
        config: scope.config,
        clock: rt.clock,
        logger,
        automationUserNames: rt.automationUserNames,
        guard: new WorkflowExecutionGuard(() => workflows),
      };
      return make({ ...deps, ...(extra ? extra(rt, scope, deps) : ({} as X)) });
    },
  );
}
