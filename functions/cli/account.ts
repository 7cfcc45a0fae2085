/**
 * `--account ID` (organization mode, issue 9): the verbs that act on a user act in that member
 * account. Refused (exit 2, nothing done) when it is not 12 digits, when the config's organization
 * mode is off, for an account the config excludes or does not list, and where it cannot be honoured
 * yet (the running local stack, `--dry-run` previews, deployed `status`): never ignored (safety rule 9).
 *
 * Local mode (`--endpoint`): the in-process workflows act in the account through its member role
 * (moto answers AssumeRole into any account). Deployed: the API's `/accounts/{accountId}/...` routes.
 */
import { resolveRequestAccount } from '../shared/account-scope';
import { isAccountId } from '../shared/organization-config';
import { UsageError } from './errors';
import type { OpenContext } from './session';

export function parseAccountOption(value: string): string {
  if (!isAccountId(value)) throw new UsageError(`--account must be a 12-digit AWS account id (got ${JSON.stringify(value)})`);
  return value;
}

/** The verbs that take `--account`: those that act on one user. */
export const ACCOUNT_VERBS = ['rotate', 'rollback', 'offboard', 'cancel-offboarding', 'approve-offboarding', 'status'] as const;

export function refuseAccount(account: unknown, where: string): void {
  if (account !== undefined) throw new UsageError(`--account is not taken by ${where}; nothing was done`);
}

/** The context of one member account, or the context unchanged without `--account`. */
export async function withAccount(ctx: OpenContext, account: string | undefined, verb?: string): Promise<OpenContext> {
  if (account === undefined) return ctx;
  if (!ctx.config.organization.enabled) {
    throw new UsageError('--account needs organization mode (organization.enabled in the config); nothing was done');
  }
  const local = ctx.local;
  const hubAccountId = local?.accounts?.hubAccountId;
  let accountId: string | undefined;
  try {
    accountId = resolveRequestAccount(ctx.config, hubAccountId, account);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}`);
  }
  if (accountId === undefined) return ctx;
  if (!local) {
    if (verb === 'status') {
      throw new UsageError(
        'deployed, status --account is not supported yet: GET /accounts/{accountId}/users/{userName} on the API answers it',
      );
    }
    if (!ctx.api) throw new UsageError('--account needs the stack’s HTTP API (ApiUrl output); nothing was done');
    return { ...ctx, accountId, api: ctx.api.forAccount(accountId) };
  }
  const accounts = local.accounts;
  if (!accounts) throw new UsageError('--account needs organization mode in the local environment; nothing was done');
  const member = accounts.forAccount(accountId);
  return {
    ...ctx,
    accountId,
    config: member.config,
    iam: member.iam,
    secrets: member.secrets,
    local: {
      ...local,
      iam: member.iam,
      secrets: member.secrets,
      records: member.records,
      offboardingService: member.offboardingService,
      ready: async () => {
        await local.ready();
        // What the member StackSet creates there (the deny policy), for an account the config does not list.
        if (accountId !== accounts.hubAccountId) await accounts.ready(accountId);
      },
    },
  };
}
