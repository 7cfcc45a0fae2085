/**
 * The printed MODEL of an organization scan on AWS (100 accounts × 5,000 users), from the figures
 * (f) measured per account on moto and assumptions about AWS stated next to each number. Nothing
 * here is measured on AWS; the point is to show where the time goes and which setting keeps the
 * whole organization under 15 minutes.
 */
import { markdownTable } from './util';

/** Per-account figures measured by (f) on moto. */
export interface MeasuredAccount {
  readonly usersPerAccount: number;
  readonly candidatesPerAccount: number;
  readonly reportCalls: number;
  readonly listUserTags: number;
  readonly listAccessKeys: number;
  readonly iamCallsPerAccount: number;
  readonly accountScanMedianMs: number;
  /** StateEntered events per account (ScanAccount, plus AccountFailed for a failed one). */
  readonly transitionsPerAccount: number;
  /** ListTargetAccounts, ScanAccounts (the Map), Summarize. */
  readonly fixedTransitions: number;
}

/** Assumptions about AWS, each printed with the model. */
export const AWS_ASSUMPTIONS = {
  accounts: 100,
  usersPerAccount: 5000,
  /** Seconds IAM takes to generate a fresh credential report of 5,000 users (not published; minutes are possible). */
  reportLatencySeconds: 30,
  /** Pessimistic variant of the same. */
  slowReportLatencySeconds: 120,
  /** IAM read calls per second one account sustains before Throttling (per-account quota, not published). */
  iamCallsPerSecond: 10,
  /** Round trip of one IAM call from a Lambda (IAM's endpoint is in us-east-1). */
  iamLatencyMs: 120,
  /** The scan's candidates examined at once (ScanDeps.concurrency default). */
  scanConcurrency: 4,
  /** Lambda cold start of the ScanAccount bundle, plus the STS AssumeRole of the member scan role. */
  coldStartSeconds: 1.5,
  assumeRoleSeconds: 0.3,
  /** Rotation executions Step Functions keeps (90 days) that each account's scan lists once (1,000 a page). */
  keptRotationExecutions: 5000,
  listExecutionsPageSeconds: 0.3,
  /** Distributed Map child-execution start overhead per wave. */
  childStartSeconds: 1,
  /** Share of accounts whose scan is retried once (throttling, Lambda service errors). */
  retryShare: 0.05,
  /** Organizations: ListAccountsForParent / ListChildren pages (20 accounts a page), about one call a second. */
  organizationsCallSeconds: 1,
  concurrencies: [10, 20, 40],
} as const;

/** Seconds until the scan's poll (2 s, ×1.5, at most 15 s) sees a report ready after `latency` s, and the Get calls made. */
export function reportPolling(latencySeconds: number): { seconds: number; getCalls: number } {
  let t = 0;
  let polls = 0;
  while (t < latencySeconds) {
    t += Math.min(15, 2 * 1.5 ** polls);
    polls++;
  }
  return { seconds: t, getCalls: polls + 1 };
}

export function printOrganizationModel(m: MeasuredAccount, write: (line: string) => void): void {
  const a = AWS_ASSUMPTIONS;
  const candidateShare = m.candidatesPerAccount / m.usersPerAccount;
  const candidates = Math.round(a.usersPerAccount * candidateShare);
  const callsPerCandidate = (m.listUserTags + m.listAccessKeys) / Math.max(1, m.candidatesPerAccount);
  const candidateCalls = candidates * callsPerCandidate;
  const iamRate = Math.min(a.iamCallsPerSecond, a.scanConcurrency / (a.iamLatencyMs / 1000));
  const listingSeconds = (Math.ceil(a.keptRotationExecutions / 1000) + 1) * a.listExecutionsPageSeconds;
  const accountSeconds = (latency: number) =>
    a.coldStartSeconds + a.assumeRoleSeconds + reportPolling(latency).seconds + candidateCalls / iamRate + listingSeconds;
  const normal = accountSeconds(a.reportLatencySeconds);
  const slow = accountSeconds(a.slowReportLatencySeconds);
  const listTargets = (Math.ceil(a.accounts / 20) + 2) * a.organizationsCallSeconds;
  const wall = (perAccount: number, c: number) =>
    listTargets + Math.ceil(a.accounts / c) * (perAccount + a.childStartSeconds) + 2 + a.retryShare * perAccount;
  const minutes = (s: number) => `${(s / 60).toFixed(1)} min`;
  const transitions = Math.round(m.fixedTransitions + a.accounts * (m.transitionsPerAccount + a.retryShare));

  write(`### (f) Model: ${a.accounts} accounts × ${a.usersPerAccount.toLocaleString('en-US')} users on AWS`);
  write('');
  write(
    `From the per-account figures measured above (${callsPerCandidate.toFixed(1)} IAM calls per candidate, ` +
      `${(candidateShare * 100).toFixed(1)}% of users candidates, ${m.transitionsPerAccount.toFixed(1)} state transition per account) ` +
      'and these assumptions about AWS (none of them measured here):',
  );
  write('');
  write(
    markdownTable(
      ['assumption', 'value'],
      [
        [
          'credential report generation, 5,000 users',
          `${a.reportLatencySeconds} s (pessimistic: ${a.slowReportLatencySeconds} s)`,
        ],
        ['IAM reads one account sustains before Throttling (per account: accounts do not share it)', `${a.iamCallsPerSecond}/s`],
        ['IAM round trip / candidates examined at once', `${a.iamLatencyMs} ms / ${a.scanConcurrency}`],
        ['Lambda cold start + AssumeRole of the member scan role', `${a.coldStartSeconds} s + ${a.assumeRoleSeconds} s`],
        [
          'rotation executions kept (listed once per account, 1,000 a page)',
          `${a.keptRotationExecutions} (${a.listExecutionsPageSeconds} s a page)`,
        ],
        ['Distributed Map child start overhead per wave', `${a.childStartSeconds} s`],
        ['accounts retried once (throttling, Lambda errors)', `${a.retryShare * 100}%`],
        ['Organizations listing (20 accounts a page, ~1 call/s)', `${listTargets} s`],
      ],
    ),
  );
  write('');
  write(
    markdownTable(
      ['figure', 'per account', 'organization'],
      [
        ['candidates (stale keys examined)', candidates, (candidates * a.accounts).toLocaleString('en-US')],
        [
          'IAM calls',
          `${Math.round(1 + reportPolling(a.reportLatencySeconds).getCalls + candidateCalls)} (report ${1 + reportPolling(a.reportLatencySeconds).getCalls}, candidates ${Math.round(candidateCalls)})`,
          Math.round((1 + reportPolling(a.reportLatencySeconds).getCalls + candidateCalls) * a.accounts).toLocaleString('en-US'),
        ],
        [
          'state transitions (Standard, child executions included)',
          (m.transitionsPerAccount + a.retryShare).toFixed(2),
          transitions,
        ],
        [
          'Lambda time (ScanAccount; mostly waiting for the report)',
          `${normal.toFixed(0)} s (pessimistic ${slow.toFixed(0)} s)`,
          `${((normal * a.accounts) / 60).toFixed(0)} min (pessimistic ${((slow * a.accounts) / 60).toFixed(0)} min)`,
        ],
      ],
    ),
  );
  write('');
  write(
    markdownTable(
      [
        'maxConcurrentAccounts',
        'waves',
        'expected wall time',
        `pessimistic (report ${a.slowReportLatencySeconds} s)`,
        'under 15 min',
      ],
      a.concurrencies.map((c) => [
        c,
        Math.ceil(a.accounts / c),
        minutes(wall(normal, c)),
        minutes(wall(slow, c)),
        wall(slow, c) < 900 ? 'yes, even pessimistic' : wall(normal, c) < 900 ? 'yes (not pessimistic)' : 'no',
      ]),
    ),
  );
  write('');
}
