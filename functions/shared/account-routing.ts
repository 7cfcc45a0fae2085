/**
 * Organization mode: a step Lambda acts in the account of the execution it runs in. The account is
 * read from that execution's own input (DescribeExecution, the same record the execution guard
 * trusts), never from what the Task was handed; each account's step is built once per container
 * with clients for that account (functions/shared/accounts.ts) and reused. Single-account mode:
 * every event goes to the one step built for the Lambda's own account, with no extra call.
 */
import { assertTargetAccount } from './account-scope';
import { accountTargets, type RoleAssumer } from './accounts';
import type { AwsTarget } from './aws-target';
import { accountConfig } from './account-scope';
import type { LifecycleConfig } from './config';
import { ValidationError } from './errors';
import { executionNameOf } from './execution-guard';
import { isAccountId, memberRoleArn, type MemberCapability } from './organization-config';
import { inputAccountId, type WorkflowKind, type WorkflowPort } from './workflows';

/** Where a workflow acts in one account: its clients' target and its config (secret names). */
export interface AccountScope {
  /** undefined: single-account mode (the Lambda's own account). */
  readonly accountId?: string;
  readonly target: AwsTarget;
  readonly config: LifecycleConfig;
  /** Where the account's secrets live and who writes them (`member`: in the member account). */
  readonly secrets: { readonly target: AwsTarget; readonly inMemberAccount: boolean; readonly writerArn?: string };
}

export interface AccountScopesOptions {
  readonly config: LifecycleConfig;
  readonly base: AwsTarget;
  readonly hubAccountId?: string;
  readonly capability: MemberCapability;
  readonly assume?: RoleAssumer;
}

/** The scope of each account, built once per account (credentials cached by accountTargets). */
export function accountScopes(options: AccountScopesOptions): (accountId: string | undefined) => AccountScope {
  const { config, base, hubAccountId, capability } = options;
  const targets = accountTargets({
    config,
    base,
    ...(hubAccountId ? { hubAccountId } : {}),
    ...(options.assume ? { assume: options.assume } : {}),
  });
  const cache = new Map<string, AccountScope>();
  return (accountId) => {
    const key = accountId ?? '';
    const known = cache.get(key);
    if (known) return known;
    const target = targets.forAccount(accountId, capability);
    const member = config.organization.enabled && accountId !== undefined && accountId !== hubAccountId;
    const inMemberAccount = member && config.organization.secrets === 'member';
    const scope: AccountScope = {
      ...(accountId !== undefined ? { accountId } : {}),
      target,
      config: accountConfig(config, accountId, hubAccountId),
      secrets: {
        target: inMemberAccount ? target : base,
        inMemberAccount,
        ...(inMemberAccount ? { writerArn: memberRoleArn(config.organization, accountId, capability) } : {}),
      },
    };
    cache.set(key, scope);
    return scope;
  };
}

type Handler = (event: never) => Promise<unknown>;

/** Builds each account's handler once; every call goes to the handler of the account it acts in. */
export function routeByAccount<E, R>(
  accountOf: (event: E) => Promise<string | undefined>,
  build: (accountId: string | undefined) => (event: E) => Promise<R>,
): (event: E) => Promise<R> {
  const built = new Map<string, (event: E) => Promise<R>>();
  return async (event) => {
    const accountId = await accountOf(event);
    const key = accountId ?? '';
    let handler = built.get(key);
    if (!handler) {
      handler = build(accountId);
      built.set(key, handler);
    }
    return handler(event);
  };
}

/** The same routing over a set of handlers (the local runner binds a whole set at once). */
export function routeHandlersByAccount<H extends Record<string, Handler>>(
  accountOf: (event: unknown) => Promise<string | undefined>,
  build: (accountId: string | undefined) => H,
): H {
  const sets = new Map<string, H>();
  const setFor = (accountId: string | undefined): H => {
    const key = accountId ?? '';
    let set = sets.get(key);
    if (!set) {
      set = build(accountId);
      sets.set(key, set);
    }
    return set;
  };
  const keys = Object.keys(setFor(undefined)) as (keyof H)[];
  return Object.fromEntries(
    keys.map((name) => [
      name,
      async (event: unknown) => (setFor(await accountOf(event))[name] as (e: unknown) => Promise<unknown>)(event),
    ]),
  ) as unknown as H;
}

interface StepEventShape {
  readonly executionId?: unknown;
  readonly executionName?: unknown;
  readonly accountId?: unknown;
  readonly state?: { readonly executionId?: unknown; readonly executionName?: unknown; readonly accountId?: unknown };
  readonly request?: { readonly accountId?: unknown };
}

/**
 * The account a step event's execution acts in: the `accountId` of that execution's own input.
 * Organization mode only (single-account mode answers undefined without a call). An event that names
 * no execution (a notification of a failure before the first step) falls back to its own
 * `accountId`: only notification steps run without one, state-changing steps are refused by the
 * execution guard. An execution's account must be a target: an excluded one is refused before any
 * client is built.
 */
export function executionAccountOf(
  kind: WorkflowKind,
  workflows: () => WorkflowPort,
  config: Pick<LifecycleConfig, 'organization'>,
  hubAccountId?: string,
): (event: unknown) => Promise<string | undefined> {
  return async (raw) => {
    if (!config.organization.enabled) return undefined;
    const event = (raw ?? {}) as StepEventShape;
    const executionId = event.executionId ?? event.state?.executionId;
    const executionName = event.executionName ?? event.state?.executionName;
    let account: unknown;
    let name: string | undefined;
    if (typeof executionId === 'string' && executionId.length > 0) {
      const candidate = executionNameOf(executionId);
      if (workflows().executionArn(kind, candidate) === executionId) name = candidate;
    } else if (typeof executionName === 'string' && executionName.length > 0) {
      name = executionName;
    }
    if (name === undefined) {
      // Only a notification runs without its execution named (a failure before the first step):
      // it may report on any account; a state-changing step is refused by the execution guard
      // before its clients make a call.
      account = event.accountId ?? event.state?.accountId ?? event.request?.accountId;
      return isAccountId(account) ? account : undefined;
    }
    account = inputAccountId(await workflows().describe(kind, name));
    if (account === undefined) return undefined;
    if (!isAccountId(account)) throw new ValidationError('accountId must be a 12-digit AWS account id');
    assertTargetAccount(config.organization, account, hubAccountId);
    return account;
  };
}
