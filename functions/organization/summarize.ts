/**
 * Summarize (statemachines/organization-scan.asl.json): the organization summary from the Map's
 * rows, notified as `organization-scan.completed` with the failed accounts named.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { errorName } from '../shared/errors';
import type { Notifier } from '../shared/notifier';
import {
  failedRowFromCatch,
  organizationScanNotification,
  summarize,
  type OrganizationScanSummary,
  type SkippedAccount,
} from './domain';

type Log = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface SummarizeEvent {
  readonly dryRun?: unknown;
  readonly startedAt?: unknown;
  readonly organizationCap?: unknown;
  readonly skippedAccounts?: unknown;
  readonly results?: unknown;
}

/** Failed rows from the Map's Catch carry the raw cause: keep its message only. */
function normalizeRow(row: unknown): unknown {
  const r = row as { status?: unknown; accountId?: unknown; errorName?: unknown; message?: unknown } | null;
  if (r?.status !== 'failed') return row;
  return failedRowFromCatch(r.accountId, { Error: r.errorName, Cause: r.message });
}

export function makeSummarize(deps: { readonly notifier: Notifier; readonly clock: () => Date; readonly logger: Log }) {
  return async function summarizeOrganizationScan(event: SummarizeEvent): Promise<Omit<OrganizationScanSummary, 'accounts'>> {
    const rows = Array.isArray(event.results) ? event.results.map(normalizeRow) : [];
    const summary = summarize(rows, {
      dryRun: event.dryRun === true,
      startedAt: typeof event.startedAt === 'string' ? event.startedAt : deps.clock().toISOString(),
      finishedAt: deps.clock().toISOString(),
      organizationCap: typeof event.organizationCap === 'number' ? event.organizationCap : 0,
      skippedAccounts: Array.isArray(event.skippedAccounts) ? (event.skippedAccounts as SkippedAccount[]) : [],
    });
    if (!summary.dryRun) {
      try {
        await deps.notifier.publish(organizationScanNotification(summary));
      } catch (error) {
        deps.logger.error('could not publish the organization scan summary', { errorName: errorName(error) });
      }
    }
    deps.logger.info('organization scan completed', {
      accountsScanned: summary.accountsScanned,
      accountsFailed: summary.accountsFailed,
      rotationsStarted: summary.rotationsStarted,
    });
    // The output is what a person reads in the console: every row would be too much for 1,000 accounts.
    const { accounts: _rows, ...rest } = summary;
    return rest;
  };
}
