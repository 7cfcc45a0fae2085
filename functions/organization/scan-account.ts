/**
 * ScanAccount (one Distributed Map item): the single-account scan (functions/scan/handler.ts) run
 * with that account's credential report and IAM (the member `scan` role), starting rotations in the
 * hub's Step Functions with the account id. It throws on any failure: the state machine retries
 * transient ones and turns the rest into the account's failed row, so one account never stops the
 * others.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MemberRoleUnavailableError } from '../shared/accounts';
import type { LifecycleConfig } from '../shared/config';
import { classifyError, errorName, ValidationError } from '../shared/errors';
import type { IamUsers } from '../shared/iam/users';
import type { Notification, Notifier } from '../shared/notifier';
import { isAccountId } from '../shared/organization-config';
import type { WorkflowPort } from '../shared/workflows';
import type { ApiCallCounter } from '../scan/api-calls';
import type { CredentialReportSource } from '../scan/credential-report';
import { makeScanHandler } from '../scan/handler';
import type { AccountScanDone } from './domain';

type Log = Pick<Logger, 'info' | 'warn' | 'error'>;

/** What one account's scan needs, built with that account's credentials (the member `scan` role). */
export interface AccountScanClients {
  readonly credentialReport: CredentialReportSource;
  readonly iam: Pick<IamUsers, 'listTags' | 'listAccessKeys'>;
  readonly iamCalls?: Pick<ApiCallCounter, 'total'>;
}

export interface ScanAccountDeps {
  readonly clientsFor: (accountId: string) => AccountScanClients;
  /** The hub's Step Functions: rotations start there, with the account id. */
  readonly workflows: WorkflowPort;
  readonly config: LifecycleConfig;
  readonly clock: () => Date;
  readonly notifier: Notifier;
  readonly logger: Log;
  readonly automationUserNames?: readonly string[];
  readonly concurrency?: number;
}

export interface ScanAccountEvent {
  readonly accountId: string;
  readonly rotationBudget: number;
  readonly dryRun: boolean;
}

/**
 * The Map item, checked: any Lambda principal allowed to invoke this function could send anything,
 * so the account must be one the config allows and the budget within the config's caps.
 */
export function parseScanAccountEvent(event: unknown, config: LifecycleConfig): ScanAccountEvent {
  const e = (event ?? {}) as Partial<Record<string, unknown>>;
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    throw new ValidationError('account scan event must be an object');
  const unknown = Object.keys(e).filter((k) => !['accountId', 'rotationBudget', 'dryRun'].includes(k));
  if (unknown.length > 0) throw new ValidationError(`account scan event has unknown field(s) ${unknown.join(', ')}`);
  const org = config.organization;
  if (!isAccountId(e.accountId)) throw new ValidationError('accountId must be a 12-digit account id');
  if (org.excludedAccountIds.includes(e.accountId)) throw new ValidationError(`account ${e.accountId} is excluded`);
  if (org.accountIds.length > 0 && !org.accountIds.includes(e.accountId)) {
    throw new ValidationError(`account ${e.accountId} is not in organization.accountIds`);
  }
  const max = Math.min(config.maxRotationsPerScan, org.maxRotationsPerOrganizationScan);
  const budget = e.rotationBudget;
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 0 || budget > max) {
    throw new ValidationError(`rotationBudget must be a whole number from 0 to ${max}`);
  }
  if (e.dryRun !== undefined && typeof e.dryRun !== 'boolean') throw new ValidationError('dryRun must be true or false');
  return { accountId: e.accountId, rotationBudget: budget, dryRun: e.dryRun ?? false };
}

/** A MemberRoleUnavailableError in the error or its causes (the credential report source wraps what IAM refused). */
function memberRoleErrorIn(error: unknown): MemberRoleUnavailableError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof MemberRoleUnavailableError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Every notification of an account's scan names the account. */
function notifierFor(notifier: Notifier, accountId: string): Notifier {
  return { publish: (n: Notification) => notifier.publish({ ...n, accountId }) };
}

export function makeScanAccount(deps: ScanAccountDeps) {
  return async function scanAccount(event: unknown): Promise<AccountScanDone> {
    if (!deps.config.organization.enabled) throw new ValidationError('organization mode is off (organization.enabled is false)');
    const { accountId, rotationBudget, dryRun } = parseScanAccountEvent(event, deps.config);
    try {
      const clients = deps.clientsFor(accountId);
      const scan = makeScanHandler({
        credentialReport: clients.credentialReport,
        iam: clients.iam,
        workflows: deps.workflows,
        config: deps.config,
        clock: deps.clock,
        notifier: notifierFor(deps.notifier, accountId),
        logger: deps.logger,
        ...(deps.automationUserNames ? { automationUserNames: deps.automationUserNames } : {}),
        ...(clients.iamCalls ? { iamCalls: clients.iamCalls } : {}),
        ...(deps.concurrency ? { concurrency: deps.concurrency } : {}),
        accountId,
        rotationCap: { limit: rotationBudget, name: "this account's share of maxRotationsPerOrganizationScan" },
      });
      const s = await scan({ dryRun });
      return {
        accountId,
        status: 'done',
        scannedUsers: s.scannedUsers,
        candidates: s.candidates,
        rotationsStarted: dryRun ? s.plan.length : s.started.length,
        alreadyRunning: s.alreadyRunning.length,
        blocked: s.blocked.length,
        deferred: s.skipped.filter((x) => x.code === 'deferred').length,
        skipped: s.skipped.length,
        failedUsers: s.failed.length,
        rotationBudget,
        ...(s.iamCalls !== undefined ? { iamCalls: s.iamCalls } : {}),
      };
    } catch (error) {
      deps.logger.error('account scan failed', {
        accountId,
        errorName: errorName(error),
        errorMessage: (error as Error).message,
      });
      // The role is assumed on the first IAM call (the credential report's): name the real cause.
      const roleError = memberRoleErrorIn(error);
      if (roleError) throw roleError;
      // Throttling and other transient failures become TransientAwsError (retried by the state machine).
      throw classifyError(error);
    }
  };
}
