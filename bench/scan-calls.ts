/**
 * (a) IAM API calls per scan (dry run) as the account grows: a fresh moto per size, seeded with
 * users of which a small share hold a key older than the maximum age.
 */
import { performance } from 'node:perf_hooks';
import { CreateAccessKeyCommand, CreateUserCommand, type IAMClient } from '@aws-sdk/client-iam';
import { startMoto } from '../functions/local/moto';
import { LOCAL_CREDENTIALS, makeClients } from '../functions/shared/aws';
import { parseConfig } from '../functions/shared/config';
import { MotoUnavailableError } from '../functions/shared/errors';
import { IamUsers } from '../functions/shared/iam/users';
import { RecordingNotifier } from '../functions/shared/notifier';
import type { WorkflowPort } from '../functions/shared/workflows';
import { countApiCalls } from '../functions/scan/api-calls';
import { IamCredentialReportSource } from '../functions/scan/credential-report';
import { makeScanHandler } from '../functions/scan/handler';
import { ms, pool, progress, range, seconds, silentLogger, sleep, streamingTable } from './util';

export interface ScanCallsOptions {
  readonly sizes: readonly number[];
  /** Share of users with a stale key. */
  readonly staleShare: number;
  readonly concurrency: number;
  /**
   * The scan's cap on rotations (config `maxRotationsPerScan`). The bench keeps the production
   * default and counts the candidates beyond it as deferred (the next scan takes them).
   * @default the config default (25)
   */
  readonly maxRotationsPerScan?: number;
}

/** A dry run never starts anything; describe answers "never ran", as for a first scan. */
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

interface Row {
  users: number;
  candidates: number;
  planned: number;
  deferred: number;
  notExamined: number;
  reportCalls: number;
  listUserTags: number;
  listAccessKeys: number;
  authorizationDetails: number;
  expiryOffboard: number;
  expiryRemind: number;
  malformed: number;
  inactive: number;
  total: number;
  scanMs: number;
  seedMs: number;
}

const isoDay = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

async function seed(iam: IAMClient, users: number, staleShare: number, concurrency: number) {
  const staleEvery = Math.round(1 / staleShare);
  const names = range(users).map((i) => ({
    userName: `bench-user-${i}`,
    // One user in ten lives outside the managed path: never a candidate, whatever its keys.
    path: i % 10 === 7 ? '/other/' : '/workloads/',
    stale: i % staleEvery === 0,
    // Most users hold a key; some have none.
    hasKey: i % 10 !== 9,
    // Lifecycle signals: 5% expired, 5% seven days before expiry, 1% with a malformed expiry tag.
    expiry: i % 20 === 3 ? isoDay(-30) : i % 20 === 4 ? isoDay(7) : i % 100 === 5 ? 'soon' : undefined,
  }));
  await pool(names, concurrency, async (u) => {
    const Tags = u.expiry ? [{ Key: 'Expiry', Value: u.expiry }] : undefined;
    await iam.send(new CreateUserCommand({ UserName: u.userName, Path: u.path, ...(Tags ? { Tags } : {}) }));
    if (u.stale) await iam.send(new CreateAccessKeyCommand({ UserName: u.userName }));
  });
  // The stale keys must be older than the (scaled) maximum age of one second...
  await sleep(1200);
  const scanNow = new Date();
  // ...and every other key younger: created after the scan's "now".
  await pool(
    names.filter((u) => !u.stale && u.hasKey),
    concurrency,
    async (u) => {
      await iam.send(new CreateAccessKeyCommand({ UserName: u.userName }));
    },
  );
  return { scanNow, expectedCandidates: names.filter((u) => u.stale && u.path === '/workloads/').length };
}

async function measure(size: number, options: ScanCallsOptions): Promise<Row> {
  const moto = await startMoto({ existingEndpoint: '' });
  try {
    const clients = makeClients({ endpoint: moto.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    const t0 = performance.now();
    const { scanNow, expectedCandidates } = await seed(clients.iam, size, options.staleShare, options.concurrency);
    const seedMs = performance.now() - t0;
    progress(`(a) seeded ${size} users in ${seconds(seedMs)}; scanning`);

    const calls = countApiCalls(clients.iam);
    const config = parseConfig({
      timeScale: 86400,
      maxKeyAgeDays: 1,
      managedUsers: { pathPrefix: '/workloads/' },
      // Inactivity on (a day lasts a second: users without a used credential are inactive).
      inactiveUserDays: 1,
      ...(options.maxRotationsPerScan !== undefined ? { maxRotationsPerScan: options.maxRotationsPerScan } : {}),
    });
    const iamUsers = new IamUsers(clients.iam);
    const scan = makeScanHandler({
      credentialReport: new IamCredentialReportSource(clients.iam, { pollIntervalMs: 100 }),
      iam: iamUsers,
      // Expiry and inactivity on: every user's tags from GetAccountAuthorizationDetails.
      signals: { listAllUsers: () => iamUsers.listAllUsers() },
      workflows: noWorkflows,
      config,
      clock: () => scanNow,
      notifier: new RecordingNotifier(),
      logger: silentLogger,
      iamCalls: calls,
    });
    const t1 = performance.now();
    const summary = await scan({ dryRun: true });
    const scanMs = performance.now() - t1;
    // Every candidate is planned (up to the cap), deferred to the next scan, or could not be examined
    // (an AWS error from moto after the SDK's retries, counted and shown): nothing else.
    const deferred = summary.skipped.filter((s) => s.code === 'deferred').length;
    const planned = summary.plan.length;
    const notExamined = summary.failed.length;
    if (summary.candidates !== expectedCandidates || planned + deferred + notExamined !== expectedCandidates) {
      const others = [
        ...summary.skipped.filter((s) => s.code !== 'deferred').map((s) => `skipped ${s.userName} (${s.code})`),
        ...summary.blocked.map((b) => `blocked ${b.userName} (${b.code})`),
        ...summary.alreadyRunning.map((r) => `already running ${r.userName}`),
      ];
      throw new Error(
        `expected ${expectedCandidates} candidates (at most ${config.maxRotationsPerScan} planned, the rest deferred); ` +
          `the scan found ${summary.candidates}, planned ${planned}, deferred ${deferred}, not examined ${notExamined}` +
          (others.length > 0 ? `; ${others.slice(0, 3).join(', ')}` : ''),
      );
    }
    for (const f of summary.failed.slice(0, 3))
      progress(`(a) ${size} users: ${f.userName} not examined: ${f.errorName}: ${f.message}`);
    const by = calls.byOperation();
    const outcomes = summary.signals?.outcomes ?? [];
    const count = (action: string) => outcomes.filter((o) => o.action === action).length;
    return {
      users: summary.scannedUsers,
      candidates: summary.candidates,
      planned,
      deferred,
      notExamined,
      reportCalls: (by.GenerateCredentialReport ?? 0) + (by.GetCredentialReport ?? 0),
      listUserTags: by.ListUserTags ?? 0,
      listAccessKeys: by.ListAccessKeys ?? 0,
      authorizationDetails: by.GetAccountAuthorizationDetails ?? 0,
      expiryOffboard: outcomes.filter((o) => o.action === 'offboard' && o.reason.startsWith('expired')).length,
      expiryRemind: count('remind'),
      malformed: count('report'),
      inactive: count('notify-inactive'),
      total: calls.total(),
      scanMs,
      seedMs,
    };
  } finally {
    await moto.stop();
  }
}

/**
 * Measures each size in turn and writes its row as soon as it is measured. A size that fails writes
 * a row saying why and the next size still runs. Answers how many sizes failed.
 */
export async function benchScanCalls(
  options: ScanCallsOptions,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  const cap = parseConfig({
    ...(options.maxRotationsPerScan !== undefined ? { maxRotationsPerScan: options.maxRotationsPerScan } : {}),
  }).maxRotationsPerScan;
  write(
    `### (a) IAM API calls per scan (dry run, moto, ${options.staleShare * 100}% of users with a stale key, 10% outside the managed path; ` +
      'expiry and inactivity on: 5% expired, 5% 7 days before expiry, 1% malformed expiry tag, inactiveUserDays 1 scaled day)',
  );
  write('');
  write(
    `maxRotationsPerScan ${cap}${options.maxRotationsPerScan === undefined ? ' (the default)' : ''}: the scan plans at most ${cap} ` +
      'rotations and defers the other candidates to the next scan; deferred candidates are examined too, so their IAM calls are counted.',
  );
  write('');
  const row = streamingTable(
    [
      'users',
      'candidates',
      'planned',
      'deferred',
      'not examined (AWS error)',
      'report calls',
      'ListUserTags',
      'ListAccessKeys',
      'IAM calls total',
      'calls per user',
      'scan wall time',
      '(seeding moto)',
      'GetAccountAuthorizationDetails',
      'expired (offboard planned or deferred)',
      'reminders',
      'malformed expiry',
      'inactive notices',
    ],
    write,
  );
  let failed = 0;
  for (const size of options.sizes) {
    progress(`(a) ${size} users: starting moto and seeding (concurrency ${options.concurrency})`);
    try {
      const r = await measure(size, options);
      row([
        r.users.toLocaleString('en-US'),
        r.candidates,
        r.planned,
        r.deferred,
        r.notExamined,
        r.reportCalls,
        r.listUserTags,
        r.listAccessKeys,
        r.total,
        (r.total / r.users).toFixed(3),
        ms(r.scanMs),
        seconds(r.seedMs),
        r.authorizationDetails,
        r.expiryOffboard,
        r.expiryRemind,
        r.malformed,
        r.inactive,
      ]);
    } catch (error) {
      // No moto at all is not a measurement that failed: stop with the one line naming the fix.
      if (error instanceof MotoUnavailableError) throw error;
      failed++;
      row([size.toLocaleString('en-US'), `failed: ${error instanceof Error ? error.message : String(error)}`]);
    }
  }
  write('');
  return failed;
}
