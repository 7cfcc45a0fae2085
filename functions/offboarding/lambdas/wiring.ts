/**
 * What the offboarding step Lambdas share: IAM, the records bucket, the topic and Step Functions
 * (execution guard, earlier steps' outputs). SNAPSHOT_BUCKET names the bucket,
 * OFFBOARDING_DENY_POLICY_ARN the stack's managed deny policy. Secrets Manager is added only by the
 * entries whose step calls it (Snapshot, DeleteUser).
 *
 * Organization mode: each step acts in the account its execution's input names (see
 * ../../shared/account-routing), with that account's clients, its records under
 * `accounts/<accountId>/` and the member stack's deny policy of the same name in that account.
 */
import { accountScopes, executionAccountOf, routeByAccount, type AccountScope } from '../../shared/account-routing';
import { hubAccountIdFromEnv } from '../../shared/account-scope';
import { iamUsersFor } from '../../shared/clients/iam';
import { snapshotStoreFor } from '../../shared/clients/s3';
import { workflowsFor } from '../../shared/clients/sfn';
import { notifierFor } from '../../shared/clients/sns';
import { notifierForAccount } from '../../shared/notifier';
import { makeLogger, type Runtime } from '../../shared/runtime';
import { denyPolicyArnIn } from '../deny-policy';
import { makeStepContext, type OffboardingStepDeps } from '../steps/context';

export const logger = makeLogger('offboarding');

/** One offboarding step routed by account; `extra` adds what only some steps call (Secrets Manager). */
export function offboardingStep<E, R, X extends object = object>(
  rt: Runtime,
  make: (ctx: ReturnType<typeof makeStepContext<OffboardingStepDeps & X>>) => (event: E) => Promise<R>,
  extra?: (rt: Runtime, scope: AccountScope, deps: OffboardingStepDeps) => X,
): (event: E) => Promise<R> {
  const workflows = workflowsFor(rt);
  const notifier = notifierFor(rt);
  const records = snapshotStoreFor(rt);
  const hubAccountId = hubAccountIdFromEnv(rt.env);
  const scopes = accountScopes({
    config: rt.config,
    base: rt.target,
    capability: 'offboarding',
    ...(hubAccountId ? { hubAccountId } : {}),
  });
  return routeByAccount(
    executionAccountOf('offboarding', () => workflows, rt.config, hubAccountId),
    (accountId) => {
      const scope = scopes(accountId);
      const member = accountId !== undefined && accountId !== hubAccountId ? accountId : undefined;
      const deps: OffboardingStepDeps = {
        iam: iamUsersFor({ target: scope.target }),
        records: records.forAccount(accountId),
        notifier: notifierForAccount(notifier, accountId),
        config: scope.config,
        clock: rt.clock,
        logger,
        automationUserNames: rt.automationUserNames,
        denyPolicyArn: denyPolicyArnIn(rt.env.OFFBOARDING_DENY_POLICY_ARN ?? '', member),
        workflows: () => workflows,
        ...(accountId !== undefined ? { accountId } : {}),
      };
      return make(makeStepContext({ ...deps, ...(extra ? extra(rt, scope, deps) : ({} as X)) }));
    },
  );
}
