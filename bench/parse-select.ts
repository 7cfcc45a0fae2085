/** (b) Parsing and selecting from a large credential report: pure, in-process, no AWS. */
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../functions/shared/config';
import { parseCredentialReport } from '../functions/scan/credential-report';
import { selectCandidates } from '../functions/scan/select';
import { credentialReportCsv } from './report-fixture';
import { markdownTable, median, ms, percentile, progress } from './util';

export interface ParseSelectOptions {
  readonly users: number;
  readonly iterations: number;
}

export async function benchParseSelect(options: ParseSelectOptions): Promise<string> {
  const now = new Date('2024-06-01T00:00:00Z');
  const config = parseConfig({ managedUsers: { pathPrefix: '/workloads/' } });
  const csv = credentialReportCsv({ users: options.users, now });
  progress(
    `(b) parse + select: ${options.users} users, ${(csv.length / 1024).toFixed(0)} KiB of CSV, ${options.iterations} runs`,
  );

  // Warm up the JIT so the figures describe steady state, as in a warm Lambda.
  for (let i = 0; i < 3; i++) selectCandidates(parseCredentialReport(csv).users, config, now);

  const parseTimes: number[] = [];
  const selectTimes: number[] = [];
  let candidates = 0;
  let skipped = 0;
  for (let i = 0; i < options.iterations; i++) {
    const t0 = performance.now();
    const report = parseCredentialReport(csv);
    const t1 = performance.now();
    const selection = selectCandidates(report.users, config, now);
    const t2 = performance.now();
    parseTimes.push(t1 - t0);
    selectTimes.push(t2 - t1);
    candidates = selection.candidates.length;
    skipped = selection.skipped.length;
    if (report.users.length !== options.users || report.problems.length > 0) {
      throw new Error(`fixture misread: ${report.users.length} users, ${report.problems.length} problems`);
    }
  }
  const total = parseTimes.map((p, i) => p + (selectTimes[i] as number));
  return [
    `### (b) Parse and select a ${options.users.toLocaleString('en-US')}-user credential report (in-process, ${options.iterations} runs)`,
    '',
    markdownTable(
      [
        'users',
        'CSV size',
        'candidates',
        'skipped (stale, out of scope)',
        'parse (median)',
        'select (median)',
        'total (median)',
        'total (p95)',
      ],
      [
        [
          options.users.toLocaleString('en-US'),
          `${(csv.length / 1024).toFixed(0)} KiB`,
          candidates,
          skipped,
          ms(median(parseTimes)),
          ms(median(selectTimes)),
          ms(median(total)),
          ms(percentile(total, 95)),
        ],
      ],
    ),
  ].join('\n');
}
