/**
 * ListTargetAccounts (statemachines/organization-scan.asl.json): the target accounts (Organizations,
 * filtered by the config) and each one's share of the organization's rotation cap. The Map's
 * concurrency and tolerated failures come from the deployed config here, never from the execution
 * input, whose only field is `dryRun`.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LifecycleConfig } from '../shared/config';
import { classifyError, ValidationError } from '../shared/errors';
import { budgetOffset, rotationBudgets, selectTargetAccounts, type AccountScanItem, type SkippedAccount } from './domain';
import type { OrganizationReader } from './organizations';

type Log = Pick<Logger, 'info' | 'warn' | 'error'>;

/**
 * The execution input (the schedule's): `{}` or `{"dryRun": true}`. Unknown fields are refused, so a
 * typo or a smuggled account list fails loudly instead of being ignored.
 */
export function parseOrganizationScanInput(event: unknown): { dryRun: boolean } {
  if (event === undefined || event === null) return { dryRun: false };
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new ValidationError('organization scan input must be a JSON object like {"dryRun": true}');
  }
  const unknown = Object.keys(event).filter((k) => k !== 'dryRun');
  if (unknown.length > 0) {
    throw new ValidationError(`organization scan input has unknown field(s) ${unknown.join(', ')}; only "dryRun" is accepted`);
  }
  const dryRun = (event as { dryRun?: unknown }).dryRun;
  if (dryRun !== undefined && typeof dryRun !== 'boolean') throw new ValidationError('dryRun must be true or false');
  return { dryRun: dryRun ?? false };
}

/** Skipped accounts listed in the state output (the rest counted): Step Functions payloads are limited to 256 KiB. */
const SKIPPED_LIST_MAX = 100;

export interface ListTargetAccountsOutput {
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly organizationCap: number;
  readonly maxConcurrency: number;
  readonly toleratedFailurePercentage: number;
  readonly accounts: readonly AccountScanItem[];
  readonly skippedAccounts: readonly SkippedAccount[];
  readonly skippedAccountCount: number;
}

export function makeListTargetAccounts(deps: {
  readonly reader: OrganizationReader;
  readonly config: LifecycleConfig;
  readonly clock: () => Date;
  readonly logger: Log;
  readonly hubAccountId?: string;
}) {
  return async function listTargetAccounts(event?: unknown): Promise<ListTargetAccountsOutput> {
    const { dryRun } = parseOrganizationScanInput(event);
    const org = deps.config.organization;
    if (!org.enabled) throw new ValidationError('organization mode is off (organization.enabled is false)');
    const now = deps.clock();
    let accounts;
    try {
      accounts = await deps.reader.accountsUnder(org.targetOrganizationalUnitIds);
    } catch (error) {
      // Throttling past the SDK's retries, a dropped connection: TransientAwsError, retried by the state machine.
      throw classifyError(error);
    }
    const selection = selectTargetAccounts(accounts, org, deps.hubAccountId);
    const items = rotationBudgets(
      selection.targets,
      org.maxRotationsPerOrganizationScan,
      deps.config.maxRotationsPerScan,
      budgetOffset(now),
    );
    deps.logger.info('organization scan targets', { targets: items.length, skipped: selection.skipped.length });
    return {
      dryRun,
      startedAt: now.toISOString(),
      organizationCap: org.maxRotationsPerOrganizationScan,
      maxConcurrency: org.maxConcurrentAccounts,
      toleratedFailurePercentage: org.toleratedFailurePercentage,
      accounts: items,
      skippedAccounts: selection.skipped.slice(0, SKIPPED_LIST_MAX),
      skippedAccountCount: selection.skipped.length,
    };
  };
}
