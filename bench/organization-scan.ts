/**
 * (f) The organization scan on one moto: N member accounts of `usersPerAccount` users each, the real
 * ASL (Map run inline, see functions/organization/local.ts) and handlers, each account read with its
 * own credentials. Dry run: every figure of a real scan but nothing started.
 *
 * Users are made fast: per account the stale users (2%) are real IAM users with real keys (the scan
 * asks IAM about those), and the other 98% are rows generated into that account's credential report
 * (moto's real report padded; users that need nothing cost the scan no IAM call, only parsing).
 * The scan's clock is 91 days ahead, so the real keys are older than maxKeyAgeDays (90).
 */
import { performance } from 'node:perf_hooks';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { localOrganizationScan } from '../functions/local/organization-scan';
import { accountTarget, seedOrganization } from '../functions/local/organization';
import { startMoto } from '../functions/local/moto';
import { clientConfig, LOCAL_CREDENTIALS, type AwsTarget } from '../functions/shared/aws-target';
import { parseConfig } from '../functions/shared/config';
import { RecordingNotifier } from '../functions/shared/notifier';
import type { WorkflowPort } from '../functions/shared/workflows';
import type { ApiCallCounter } from '../functions/scan/api-calls';
import { runOrganizationScanLocally } from '../functions/organization/local';
import { median, ms, pool, progress, range, seconds, silentLogger, streamingTable } from './util';
import { printOrganizationModel, type MeasuredAccount } from './organization-model';

export interface OrganizationScanBenchOptions {
  readonly accountCounts: readonly number[];
  readonly usersPerAccount: number;
  readonly staleShare: number;
  readonly maxConcurrentAccounts: number;
}

const DAY = 86_400_000;

/** A dry run starts nothing; no rotation ran before. */
const noWorkflows: WorkflowPort = {
  start: async () => {
    throw new Error('a dry run must not start workflows');
  },
  describe: async () => undefined,
  list: async () => [],
  stop: async () => false,
  stateOutput: async () => undefined,
  executionArn: (_kind, name) => `arn:local:${name}`,
};
const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, '+00:00');

/** Credential report rows of users that need nothing (fresh keys, no key, or outside the managed path). */
function paddingRows(accountId: string, count: number, now: Date): string {
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = i % 10 === 7 ? '/other/' : '/workloads/';
    const hasKey = i % 10 !== 9;
    const rotated = stamp(new Date(now.getTime() - ((i * 7919) % 80) * DAY - 3_600_000));
    const key1 = hasKey ? ['true', rotated, 'N/A', 'N/A', 'N/A'] : ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
    rows.push(
      [
        `pad-${i}`,
        `arn:aws:iam::${accountId}:user${path}pad-${i}`,
        stamp(new Date(now.getTime() - 500 * DAY)),
        'false',
        'not_supported',
        'not_supported',
        'not_supported',
        'false',
        ...key1,
        ...['false', 'N/A', 'N/A', 'N/A', 'N/A'],
        ...['false', 'N/A', 'false', 'N/A'],
      ].join(','),
    );
  }
  return `${rows.join('\n')}\n`;
}

interface Row {
  accounts: number;
  measured: MeasuredAccount;
  wallMs: number;
  transitions: number;
  seedMs: number;
}

async function measure(base: AwsTarget, accounts: number, o: OrganizationScanBenchOptions, tag: string): Promise<Row> {
  const t0 = performance.now();
  const org = await seedOrganization(base, {
    organization: { memberRolePrefix: 'iam-lifecycle-member' },
    capabilities: ['scan'],
    ous: [{ name: tag }],
    accounts: range(accounts).map((i) => ({ name: `${tag}-${i}`, ou: tag })),
  });
  const stalePerAccount = Math.round(o.usersPerAccount * o.staleShare);
  await pool(Object.values(org.accounts), 4, async (accountId) => {
    const iam = new IAMClient(clientConfig(await accountTarget(base, accountId)));
    await pool(range(stalePerAccount), 4, async (i) => {
      await iam.send(new CreateUserCommand({ UserName: `stale-${i}`, Path: '/workloads/' }));
      await iam.send(new CreateAccessKeyCommand({ UserName: `stale-${i}` }));
    });
    iam.destroy();
  });
  const seedMs = performance.now() - t0;
  progress(`(f) ${accounts} accounts seeded in ${seconds(seedMs)}; scanning`);

  const scanNow = new Date(Date.now() + 91 * DAY);
  const config = parseConfig({
    maxKeyAgeDays: 90,
    managedUsers: { pathPrefix: '/workloads/' },
    organization: {
      enabled: true,
      organizationId: org.organizationId,
      targetOrganizationalUnitIds: [org.ous[tag]!],
      maxConcurrentAccounts: o.maxConcurrentAccounts,
    },
  });
  const counters = new Map<string, ApiCallCounter>();
  const scan = localOrganizationScan({
    base,
    config,
    workflows: noWorkflows,
    notifier: new RecordingNotifier(),
    logger: silentLogger,
    clock: () => scanNow,
    hubAccountId: org.managementAccountId,
    onAccountCalls: (accountId, calls) => counters.set(accountId, calls),
    wrapReport: (accountId, source) => ({
      fetchReport: async () => {
        const report = await source.fetchReport();
        const csv = report.csv.endsWith('\n') ? report.csv : `${report.csv}\n`;
        return { ...report, csv: csv + paddingRows(accountId, o.usersPerAccount - stalePerAccount, scanNow) };
      },
    }),
  });
  const accountMs: number[] = [];
  const timedScan = async (item: never) => {
    const start = performance.now();
    try {
      return await scan.tasks.ScanAccount(item);
    } finally {
      accountMs.push(performance.now() - start);
    }
  };
  const t1 = performance.now();
  const run = await runOrganizationScanLocally({ ...scan.tasks, ScanAccount: timedScan }, { dryRun: true });
  const wallMs = performance.now() - t1;
  const out = run.output as {
    accountsScanned: number;
    accountsFailed: number;
    failedAccounts: { errorName: string; message: string }[];
  };
  if (out.accountsFailed > 0 || out.accountsScanned !== accounts) {
    const first = out.failedAccounts[0];
    throw new Error(
      `${out.accountsFailed} of ${accounts} accounts failed${first ? ` (${first.errorName}: ${first.message})` : ''}`,
    );
  }
  const by = [...counters.values()].map((c) => c.byOperation());
  const per = (op: string) => by.reduce((s, b) => s + (b[op] ?? 0), 0) / accounts;
  return {
    accounts,
    measured: {
      usersPerAccount: o.usersPerAccount,
      candidatesPerAccount: stalePerAccount,
      reportCalls: per('GenerateCredentialReport') + per('GetCredentialReport'),
      listUserTags: per('ListUserTags'),
      listAccessKeys: per('ListAccessKeys'),
      iamCallsPerAccount: [...counters.values()].reduce((s, c) => s + c.total(), 0) / accounts,
      accountScanMedianMs: median(accountMs),
      transitionsPerAccount: (run.statesEntered.length - 3) / accounts,
      fixedTransitions: 3,
    },
    wallMs,
    transitions: run.statesEntered.length,
    seedMs,
  };
}

/** Runs (f); answers how many account counts failed. */
export async function benchOrganizationScan(
  o: OrganizationScanBenchOptions,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  write(
    `### (f) Organization scan (dry run, moto, ${o.usersPerAccount.toLocaleString('en-US')} users per account, ` +
      `${o.staleShare * 100}% with a stale key, maxConcurrentAccounts ${o.maxConcurrentAccounts})`,
  );
  write('');
  const row = streamingTable(
    [
      'accounts',
      'users in all',
      'IAM calls per account',
      'of which report',
      'ListUserTags',
      'ListAccessKeys',
      'account scan (median)',
      'organization scan wall time',
      'state transitions (StateEntered)',
      '(seeding moto)',
    ],
    write,
  );
  const moto = await startMoto({ existingEndpoint: '' });
  const base: AwsTarget = { endpoint: moto.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
  let failed = 0;
  let largest: Row | undefined;
  try {
    for (const accounts of o.accountCounts) {
      try {
        const r = await measure(base, accounts, o, `bench-f-${accounts}`);
        largest = r;
        row([
          accounts,
          (accounts * o.usersPerAccount).toLocaleString('en-US'),
          r.measured.iamCallsPerAccount.toFixed(1),
          r.measured.reportCalls.toFixed(1),
          r.measured.listUserTags.toFixed(1),
          r.measured.listAccessKeys.toFixed(1),
          ms(r.measured.accountScanMedianMs),
          seconds(r.wallMs),
          r.transitions,
          seconds(r.seedMs),
        ]);
      } catch (error) {
        failed++;
        row([accounts, `failed: ${error instanceof Error ? error.message : String(error)}`]);
      }
    }
  } finally {
    await moto.stop();
  }
  write('');
  if (largest) printOrganizationModel(largest.measured, write);
  return failed;
}
