/**
 * Which account a request, an execution or an event acts in (organization mode, issue 9), and what
 * is refused: an account id that is not 12 digits, an account in `organization.excludedAccountIds`,
 * or one outside `organization.accountIds` when that list is set. Single-account mode takes no
 * account id at all: one given is refused, never ignored (safety rule 9).
 */
import type { LifecycleConfig } from './config';
import { LifecycleError, ValidationError } from './errors';
import { isAccountId, type OrganizationConfig } from './organization-config';

/** The account is not one the deployment acts in (excluded, or not among the listed targets). */
export class AccountNotTargetedError extends LifecycleError {
  constructor(
    readonly accountId: string,
    why: string,
  ) {
    super(`account ${accountId} is not a target of this deployment (${why}); nothing was changed`);
  }
}

/** Why an account id is refused, or undefined when the deployment may act in it. */
export function untargetedReason(org: OrganizationConfig, accountId: string, hubAccountId?: string): string | undefined {
  if (org.excludedAccountIds.includes(accountId)) return 'organization.excludedAccountIds lists it';
  if (accountId === hubAccountId) return undefined;
  if (org.accountIds.length > 0 && !org.accountIds.includes(accountId)) return 'organization.accountIds does not list it';
  return undefined;
}

export function assertTargetAccount(org: OrganizationConfig, accountId: string, hubAccountId?: string): void {
  const why = untargetedReason(org, accountId, hubAccountId);
  if (why !== undefined) throw new AccountNotTargetedError(accountId, why);
}

/**
 * The account a request acts in: single-account mode, none (a requested one is refused);
 * organization mode, the requested one (12 digits, targeted) or the hub's own account.
 */
export function resolveRequestAccount(
  config: Pick<LifecycleConfig, 'organization'>,
  hubAccountId: string | undefined,
  requested: unknown,
): string | undefined {
  const org = config.organization;
  if (!org.enabled) {
    if (requested === undefined) return undefined;
    throw new ValidationError('organization mode is off: a request names no account (accountId)');
  }
  if (requested === undefined) return hubAccountId;
  if (!isAccountId(requested)) throw new ValidationError('accountId must be a 12-digit AWS account id');
  assertTargetAccount(org, requested, hubAccountId);
  return requested;
}

/**
 * The config a workflow uses in an account. Only secret names differ: with `secrets: 'central'` a
 * member account's user's secret lives in the hub as `<secretPrefix>/<accountId>/<userName>` (the
 * hub's own users keep `<secretPrefix>/<userName>`); with `member` (the default) it lives in the
 * member account under the usual `<secretPrefix>/<userName>`.
 */
export function accountConfig(config: LifecycleConfig, accountId: string | undefined, hubAccountId?: string): LifecycleConfig {
  if (!config.organization.enabled || accountId === undefined || accountId === hubAccountId) return config;
  if (config.organization.secrets !== 'central') return config;
  return { ...config, secretPrefix: `${config.secretPrefix}/${accountId}` };
}

/**
 * The hub's own account id: HUB_ACCOUNT_ID, else the account of the topic or a state machine the
 * Lambda is handed (their ARNs name it), else undefined.
 */
export function hubAccountIdFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (isAccountId(env.HUB_ACCOUNT_ID)) return env.HUB_ACCOUNT_ID;
  for (const name of ['NOTIFICATION_TOPIC_ARN', 'ROTATION_STATE_MACHINE_ARN', 'OFFBOARDING_STATE_MACHINE_ARN']) {
    const account = env[name]?.split(':')[4];
    if (isAccountId(account)) return account;
  }
  return undefined;
}

/** A start names an account only in organization mode, a 12-digit one that is not excluded. */
export function assertRequestAccount(config: Pick<LifecycleConfig, 'organization'>, accountId: unknown): void {
  if (accountId === undefined) return;
  if (!config.organization.enabled) throw new ValidationError('organization mode is off: a start names no account (accountId)');
  if (!isAccountId(accountId)) throw new ValidationError('accountId must be a 12-digit AWS account id');
  if (config.organization.excludedAccountIds.includes(accountId)) {
    throw new AccountNotTargetedError(accountId, 'organization.excludedAccountIds lists it');
  }
}
