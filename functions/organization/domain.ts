/**
 * Pure rules of the organization scan: which accounts are targets, how the organization's rotation
 * cap is shared between accounts scanned at once, and the organization summary.
 *
 * Sharing the cap: each account gets a budget computed up front by ListTargetAccounts from the cap
 * and the number of accounts (an even share, never above maxRotationsPerScan; the remainder goes
 * one each to accounts in an order that moves by one account every day, so no account is always
 * last). The budgets never add up to more than maxRotationsPerOrganizationScan, and the Distributed
 * Map's items share no state: no counter table, no race between concurrent accounts, a retried item
 * uses the same budget. The price: an account's unused share is not handed to another account in
 * the same scan; when stale keys concentrate in a few accounts, fewer than the cap start and the
 * rest are reported `deferred` (the next daily scan takes them, oldest keys first).
 */
import { isAccountId, type OrganizationConfig } from '../shared/organization-config';

/** An account of the organization, with the OUs above it (nearest first, the root last). */
export interface OrganizationAccount {
  readonly accountId: string;
  readonly name?: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE (Organizations' Status / State). */
  readonly status: string;
  /** Ids of the parents (OUs and the root) above the account, nearest first. */
  readonly parentIds: readonly string[];
}

export type AccountSkipCode = 'not-active' | 'outside-target-ous' | 'not-listed' | 'excluded' | 'hub';

export interface SkippedAccount {
  readonly accountId: string;
  readonly code: AccountSkipCode;
}

export interface AccountSelection {
  /** Target account ids, sorted. */
  readonly targets: readonly string[];
  readonly skipped: readonly SkippedAccount[];
}

type SelectionConfig = Pick<OrganizationConfig, 'targetOrganizationalUnitIds' | 'accountIds' | 'excludedAccountIds'>;

/**
 * Targets: ACTIVE accounts under one of the target OUs (or roots), kept to `accountIds` when that
 * list is not empty, minus `excludedAccountIds`. An account listed twice (overlapping OUs) counts
 * once. `hubAccountId`, when given, is skipped: the hub's own account is scanned by its own scan.
 */
export function selectTargetAccounts(
  accounts: readonly OrganizationAccount[],
  config: SelectionConfig,
  hubAccountId?: string,
): AccountSelection {
  const targetOus = new Set(config.targetOrganizationalUnitIds);
  const only = new Set(config.accountIds);
  const excluded = new Set(config.excludedAccountIds);
  const seen = new Set<string>();
  const targets: string[] = [];
  const skipped: SkippedAccount[] = [];
  for (const account of accounts) {
    const id = account.accountId;
    if (seen.has(id)) continue;
    seen.add(id);
    const skip = (code: AccountSkipCode) => skipped.push({ accountId: id, code });
    if (!isAccountId(id)) continue;
    if (excluded.has(id)) skip('excluded');
    else if (!account.parentIds.some((p) => targetOus.has(p))) skip('outside-target-ous');
    else if (only.size > 0 && !only.has(id)) skip('not-listed');
    else if (id === hubAccountId) skip('hub');
    else if (account.status !== 'ACTIVE') skip('not-active');
    else targets.push(id);
  }
  targets.sort();
  skipped.sort((a, b) => a.accountId.localeCompare(b.accountId));
  return { targets, skipped };
}

/** One Distributed Map item: the account and its share of the organization's rotation cap. */
export interface AccountScanItem {
  readonly accountId: string;
  readonly rotationBudget: number;
}

/**
 * Shares `organizationCap` between `accountIds` (sorted by the caller): an even share each, capped by
 * `perAccountCap`; the remainder one each, starting at `offset` (mod the number of accounts), so the
 * accounts that get one more change from day to day. The sum never exceeds organizationCap.
 */
export function rotationBudgets(
  accountIds: readonly string[],
  organizationCap: number,
  perAccountCap: number,
  offset = 0,
): AccountScanItem[] {
  const n = accountIds.length;
  if (n === 0) return [];
  const even = Math.floor(organizationCap / n);
  const remainder = organizationCap - even * n;
  const start = ((offset % n) + n) % n;
  return accountIds.map((accountId, i) => {
    const extra = (i - start + n) % n < remainder ? 1 : 0;
    return { accountId, rotationBudget: Math.max(0, Math.min(perAccountCap, even + extra)) };
  });
}

/** Day number since the epoch: the budget offset, so the remainder moves by one account a day. */
export function budgetOffset(now: Date): number {
  return Math.floor(now.getTime() / 86_400_000);
}

/** What one account's scan answers (a Map item's output): small, the Map's output is limited to 256 KiB. */
export type AccountScanResult = AccountScanDone | AccountScanFailed;

export interface AccountScanDone {
  readonly accountId: string;
  readonly status: 'done';
  readonly scannedUsers: number;
  readonly candidates: number;
  readonly rotationsStarted: number;
  readonly alreadyRunning: number;
  readonly blocked: number;
  readonly deferred: number;
  readonly skipped: number;
  /** Users the account's scan could not examine (AWS errors after retries). */
  readonly failedUsers: number;
  readonly rotationBudget: number;
  readonly iamCalls?: number;
}

export interface AccountScanFailed {
  readonly accountId: string;
  readonly status: 'failed';
  readonly errorName: string;
  readonly message: string;
}

/**
 * A failed row from a Catch: Step Functions gives the error name and a cause that, for a Lambda
 * error, is the JSON `{errorType, errorMessage, trace}`; only the message is kept (no stack trace).
 */
export function failedRowFromCatch(
  accountId: unknown,
  error: { Error?: unknown; Cause?: unknown } | undefined,
): AccountScanFailed {
  const errorName = typeof error?.Error === 'string' ? error.Error : 'UnknownError';
  let message = typeof error?.Cause === 'string' ? error.Cause : '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // A plain-text cause (States.Timeout, States.TaskFailed from the service): kept as is.
  }
  return { accountId: String(accountId ?? 'unknown'), status: 'failed', errorName, message: message.slice(0, 500) };
}

export interface OrganizationScanSummary {
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly accountsTargeted: number;
  readonly accountsScanned: number;
  readonly accountsFailed: number;
  readonly rotationsStarted: number;
  readonly organizationCap: number;
  /** Per account: done rows (rotations started per account) and failed rows (with the reason). */
  readonly accounts: readonly AccountScanResult[];
  readonly failedAccounts: readonly AccountScanFailed[];
  readonly skippedAccounts: readonly SkippedAccount[];
}

function isResult(row: unknown): row is AccountScanResult {
  const r = row as Partial<AccountScanResult> | null;
  return typeof r === 'object' && r !== null && typeof r.accountId === 'string' && (r.status === 'done' || r.status === 'failed');
}

/** The organization summary from the Map's rows (a malformed row is counted as a failed account). */
export function summarize(
  rows: readonly unknown[],
  context: {
    dryRun: boolean;
    startedAt: string;
    finishedAt: string;
    organizationCap: number;
    skippedAccounts?: readonly SkippedAccount[];
  },
): OrganizationScanSummary {
  const accounts: AccountScanResult[] = rows.map((row, i) =>
    isResult(row)
      ? row
      : {
          accountId: `item-${i}`,
          status: 'failed',
          errorName: 'MalformedResult',
          message: 'the account scan answered no result row',
        },
  );
  accounts.sort((a, b) => a.accountId.localeCompare(b.accountId));
  const failedAccounts = accounts.filter((a): a is AccountScanFailed => a.status === 'failed');
  const done = accounts.filter((a): a is AccountScanDone => a.status === 'done');
  return {
    dryRun: context.dryRun,
    startedAt: context.startedAt,
    finishedAt: context.finishedAt,
    accountsTargeted: accounts.length,
    accountsScanned: done.length,
    accountsFailed: failedAccounts.length,
    rotationsStarted: done.reduce((sum, a) => sum + a.rotationsStarted, 0),
    organizationCap: context.organizationCap,
    accounts,
    failedAccounts,
    skippedAccounts: context.skippedAccounts ?? [],
  };
}

const NOTIFY_LIST_MAX = 100;

/** The `organization-scan.completed` message: counts, rotations per account, failed accounts named. */
export function organizationScanNotification(summary: OrganizationScanSummary) {
  const done = summary.accounts.filter((a): a is AccountScanDone => a.status === 'done');
  const withRotations = done.filter((a) => a.rotationsStarted > 0 || a.deferred > 0 || a.blocked > 0);
  return {
    type: 'organization-scan.completed' as const,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    accountsTargeted: summary.accountsTargeted,
    accountsScanned: summary.accountsScanned,
    accountsFailed: summary.accountsFailed,
    rotationsStarted: summary.rotationsStarted,
    organizationCap: summary.organizationCap,
    failedAccounts: summary.failedAccounts.slice(0, NOTIFY_LIST_MAX),
    rotationsByAccount: withRotations.slice(0, NOTIFY_LIST_MAX).map((a) => ({
      accountId: a.accountId,
      rotationsStarted: a.rotationsStarted,
      deferred: a.deferred,
      blocked: a.blocked,
    })),
    moreAccounts:
      Math.max(0, summary.failedAccounts.length - NOTIFY_LIST_MAX) + Math.max(0, withRotations.length - NOTIFY_LIST_MAX),
  };
}
