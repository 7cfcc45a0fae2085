/**
 * Organization mode in the HTTP API: every route also exists under `/accounts/{accountId}` (e.g.
 * `POST /accounts/111122223333/offboardings`) and acts in that account; the routes without it act
 * in the hub's own account. An account id that is not 12 digits is 400, an account the deployment
 * does not target (organization.excludedAccountIds, or outside organization.accountIds) is 403, and
 * so is one whose member role cannot be assumed (the member stack is not deployed there). In
 * single-account mode the `/accounts/...` routes do not exist (404).
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { AccountNotTargetedError, resolveRequestAccount } from '../shared/account-scope';
import { MemberRoleUnavailableError, UnknownAccountError } from '../shared/accounts';
import type { LifecycleConfig } from '../shared/config';
import type { ApiDeps } from './handler';

export const ACCOUNT_RESOURCE = '/accounts/{accountId}';

/** The route a request names without its account part, and the account it names (raw). */
export function accountRequest(event: Pick<APIGatewayProxyEvent, 'resource' | 'pathParameters'>): {
  readonly resource: string;
  readonly scoped: boolean;
  readonly accountId?: string;
} {
  const resource = event.resource ?? '';
  if (!resource.startsWith(`${ACCOUNT_RESOURCE}/`)) return { resource, scoped: false };
  const accountId = event.pathParameters?.accountId;
  return { resource: resource.slice(ACCOUNT_RESOURCE.length), scoped: true, ...(accountId !== undefined ? { accountId } : {}) };
}

/** 403 for an account the deployment may not act in; undefined for every other error. */
export function accountStatusFor(error: unknown): number | undefined {
  if (error instanceof AccountNotTargetedError || error instanceof MemberRoleUnavailableError) return 403;
  if (error instanceof UnknownAccountError) return 400;
  return undefined;
}

export interface AccountRouting {
  /** The dependencies for the account a request names (undefined: the hub's own); refuses what it must. */
  depsFor(requested: string | undefined): ApiDeps;
}

/**
 * Resolves and checks the account (../shared/account-scope), then builds its dependencies once
 * (`build`) and keeps them for the container's life.
 */
export function accountRouting(
  config: Pick<LifecycleConfig, 'organization'>,
  hubAccountId: string | undefined,
  build: (accountId: string | undefined) => ApiDeps,
): AccountRouting {
  const built = new Map<string, ApiDeps>();
  return {
    depsFor(requested) {
      const accountId = resolveRequestAccount(config, hubAccountId, requested);
      const key = accountId ?? '';
      let deps = built.get(key);
      if (!deps) built.set(key, (deps = build(accountId)));
      return deps;
    },
  };
}
