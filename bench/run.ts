/**
 * Benchmarks (`npm run bench`): prints markdown tables to stdout (progress goes to stderr).
 *
 *   npm run bench                      all three, sizes 100, 1000, 5000
 *   npm run bench -- --sizes 100,1000  other sizes for (a)
 *   npm run bench -- --only b          one of a, b, c, d, e, f (d: Lambda bundle sizes and load times; e: event tap to reactions;
 *                                      f: organization scan over 3, 10, 30 accounts and the AWS model)
 *   npm run bench -- --only f --accounts 3,10  other account counts for (f)
 *
 * Figures are printed, never asserted: timings depend on the machine.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { benchBundles } from './bundles';
import { benchOrganizationScan } from './organization-scan';
import { benchParseSelect } from './parse-select';
import { benchReactions } from './reactions';
import { benchReenable } from './reenable';
import { benchRotation } from './rotation-calls';
import { benchScanCalls } from './scan-calls';
import { progress, seconds } from './util';

interface BenchArgs {
  readonly sizes: number[];
  readonly accounts: number[];
  readonly only?: 'a' | 'b' | 'c' | 'd' | 'e' | 'f';
}

function parseArgs(args: readonly string[]): BenchArgs {
  let sizes = [100, 1000, 5000];
  let accounts = [3, 10, 30];
  let only: BenchArgs['only'];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = args[i + 1];
    if (arg === '--sizes' && value) {
      sizes = value.split(',').map((s) => Number(s.trim()));
      if (sizes.some((n) => !Number.isInteger(n) || n < 1))
        throw new Error('--sizes takes positive whole numbers, e.g. 100,1000');
      i++;
    } else if (arg === '--accounts' && value) {
      accounts = value.split(',').map((s) => Number(s.trim()));
      if (accounts.some((n) => !Number.isInteger(n) || n < 1))
        throw new Error('--accounts takes positive whole numbers, e.g. 3,10,30');
      i++;
    } else if (
      arg === '--only' &&
      (value === 'a' || value === 'b' || value === 'c' || value === 'd' || value === 'e' || value === 'f')
    ) {
      only = value;
      i++;
    } else {
      throw new Error(`unknown argument ${arg ?? ''}; use --sizes 100,1000,5000, --accounts 3,10,30 and/or --only a|b|c|d|e|f`);
    }
  }
  return { sizes, accounts, ...(only ? { only } : {}) };
}

/** Runs the benchmarks; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const t0 = performance.now();
  const cpu = cpus();
  const sections: string[] = [
    '## Benchmarks',
    '',
    `Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, moto server on loopback.`,
  ];
  const print = (section: string) => {
    sections.push('', section);
    process.stdout.write(`${section}\n\n`);
  };
  process.stdout.write(`${sections.join('\n')}\n\n`);
  sections.length = 0;

  // (a) writes each size's row as soon as it is measured; a failed size is a row, the others still run.
  const failedSizes =
    !args.only || args.only === 'a' ? await benchScanCalls({ sizes: args.sizes, staleShare: 0.02, concurrency: 16 }) : 0;
  if (!args.only || args.only === 'b') print(await benchParseSelect({ users: 5000, iterations: 15 }));
  if (!args.only || args.only === 'c') print(await benchRotation());
  if (!args.only || args.only === 'd') print(await benchBundles({ runs: 5 }));
  if (!args.only || args.only === 'e') {
    print(await benchReactions({ calls: 200 }));
    print(await benchReenable({ runs: 30 }));
  }
  // (f) writes each account count's row as soon as it is measured, then the AWS model.
  const failedOrgs =
    !args.only || args.only === 'f'
      ? await benchOrganizationScan({
          accountCounts: args.accounts,
          usersPerAccount: 1000,
          staleShare: 0.02,
          maxConcurrentAccounts: 10,
        })
      : 0;
  const failures = [
    failedSizes > 0 ? `${failedSizes} size(s) of (a) failed` : '',
    failedOrgs > 0 ? `${failedOrgs} count(s) of (f) failed` : '',
  ]
    .filter(Boolean)
    .join('; ');
  progress(`done in ${seconds(performance.now() - t0)}${failures ? `; ${failures}` : ''}`);
  return failedSizes + failedOrgs > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
