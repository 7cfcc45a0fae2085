/**
 * The organization scan wired for local runs, tests and the benchmark: the real handlers with
 * clients against the emulator, member roles assumed with `localRoleAssumer` (it checks the role
 * exists, which moto's AssumeRole does not), and the real ASL run by ../organization/local.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { accountTargets, type RoleAssumer } from '../shared/accounts';
import { clientConfig, type AwsTarget } from '../shared/aws-target';
import type { LifecycleConfig } from '../shared/config';
import { IamUsers } from '../shared/iam/users';
import type { Notifier } from '../shared/notifier';
import type { WorkflowPort } from '../shared/workflows';
import { countApiCalls, type ApiCallCounter } from '../scan/api-calls';
import { IamCredentialReportSource, type CredentialReportSource } from '../scan/credential-report';
import { makeListTargetAccounts } from '../organization/list-targets';
import { makeScanAccount } from '../organization/scan-account';
import { makeSummarize } from '../organization/summarize';
import { OrganizationsReader } from '../organization/organizations';
import { runOrganizationScanLocally, type LocalOrganizationScanRun, type OrganizationScanTasks } from '../organization/local';
import { localRoleAssumer } from './organization';

type Log = { info: (...a: never[]) => void; warn: (...a: never[]) => void; error: (...a: never[]) => void };

export interface LocalOrganizationScanOptions {
  /** The hub's own target (moto endpoint, the management account's credentials). */
  readonly base: AwsTarget;
  readonly config: LifecycleConfig;
  /** Where rotations start (the hub's workflows). */
  readonly workflows: WorkflowPort;
  readonly notifier: Notifier;
  readonly logger: Log;
  readonly clock?: () => Date;
  readonly hubAccountId?: string;
  readonly automationUserNames?: readonly string[];
  /** @default localRoleAssumer(base) */
  readonly assume?: RoleAssumer;
  /** Credential report polling for local runs (moto answers at once). @default 100 ms */
  readonly reportPollIntervalMs?: number;
  /** Replaces an account's credential report source (the benchmark pads moto's report with generated rows). */
  readonly wrapReport?: (accountId: string, source: CredentialReportSource) => CredentialReportSource;
  /** Receives each account's IAM call counter (benchmark). */
  readonly onAccountCalls?: (accountId: string, calls: ApiCallCounter) => void;
}

export interface LocalOrganizationScan {
  readonly tasks: OrganizationScanTasks;
  run(input?: unknown): Promise<LocalOrganizationScanRun>;
}

export function localOrganizationScan(options: LocalOrganizationScanOptions): LocalOrganizationScan {
  const clock = options.clock ?? (() => new Date());
  const targets = accountTargets({
    config: options.config,
    base: options.base,
    assume: options.assume ?? localRoleAssumer(options.base),
    ...(options.hubAccountId ? { hubAccountId: options.hubAccountId } : {}),
    clock,
  });
  const logger = options.logger as never;
  const listTargetAccounts = makeListTargetAccounts({
    reader: new OrganizationsReader(new OrganizationsClient(clientConfig(options.base))),
    config: options.config,
    clock,
    logger,
    ...(options.hubAccountId ? { hubAccountId: options.hubAccountId } : {}),
  });
  const scanAccount = makeScanAccount({
    clientsFor: (accountId) => {
      const iam = new IAMClient(clientConfig(targets.forAccount(accountId, 'scan')));
      const iamCalls = countApiCalls(iam);
      options.onAccountCalls?.(accountId, iamCalls);
      const report = new IamCredentialReportSource(iam, { pollIntervalMs: options.reportPollIntervalMs ?? 100 });
      return {
        credentialReport: options.wrapReport ? options.wrapReport(accountId, report) : report,
        iam: new IamUsers(iam),
        iamCalls,
      };
    },
    workflows: options.workflows,
    config: options.config,
    clock,
    notifier: options.notifier,
    logger,
    ...(options.automationUserNames ? { automationUserNames: options.automationUserNames } : {}),
  });
  const summarize = makeSummarize({ notifier: options.notifier, clock, logger });
  const tasks: OrganizationScanTasks = {
    ListTargetAccounts: listTargetAccounts as OrganizationScanTasks['ListTargetAccounts'],
    ScanAccount: scanAccount as OrganizationScanTasks['ScanAccount'],
    Summarize: summarize as OrganizationScanTasks['Summarize'],
  };
  return { tasks, run: (input = {}) => runOrganizationScanLocally(tasks, input, { retryIntervalOverrides: { ScanAccount: 0 } }) };
}
