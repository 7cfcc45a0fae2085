/**
 * What every account-routed workflow step Lambda builds (rotation, exposure): IAM for the account
 * its execution's input names, the topic (notifications carry that account), the execution guard
 * over Step Functions (safety rule 8). Organization mode builds each account's set on first use and
 * keeps it for the container's life (../account-routing); single-account mode builds one set.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { accountScopes, executionAccountOf, routeByAccount, type AccountScope } from '../account-routing';
import { hubAccountIdFromEnv } from '../account-scope';
import type { LifecycleConfig } from '../config';
import { WorkflowExecutionGuard } from '../execution-guard';
import type { IamUsers } from '../iam/users';
import { notifierForAccount, type Notifier } from '../notifier';
import type { MemberCapability } from '../organization-config';
import type { Runtime } from '../runtime';
import type { WorkflowKind, WorkflowPort } from '../workflows';
import { iamUsersFor } from './iam';
import { workflowsFor } from './sfn';
import { notifierFor } from './sns';

export interface AccountStepBase {
  readonly iam: IamUsers;
  readonly notifier: Notifier;
  readonly config: LifecycleConfig;
  readonly clock: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly automationUserNames: readonly string[];
  readonly guard: WorkflowExecutionGuard;
  readonly workflows: () => WorkflowPort;
  /** Organization mode: the account the step acts in; undefined: the Lambda's own account. */
  readonly accountId?: string;
}

/** One step of a `kind` workflow whose dependencies are built per account by `make`. */
export function accountRoutedStep<E, R>(
  rt: Runtime,
  kind: WorkflowKind,
  capability: MemberCapability,
  logger: Pick<Logger, 'info' | 'warn' | 'error'>,
  make: (base: AccountStepBase, scope: AccountScope) => (event: E) => Promise<R>,
): (event: E) => Promise<R> {
  const workflows = workflowsFor(rt);
  const notifier = notifierFor(rt);
  const hubAccountId = hubAccountIdFromEnv(rt.env);
  const scopes = accountScopes({ config: rt.config, base: rt.target, capability, ...(hubAccountId ? { hubAccountId } : {}) });
  return routeByAccount(
    executionAccountOf(kind, () => workflows, rt.config, hubAccountId),
    (accountId) => {
      const scope = scopes(accountId);
      const base: AccountStepBase = {
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
      return make(base, scope);
    },
  );
}
