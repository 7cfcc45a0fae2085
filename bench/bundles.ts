/**
 * (d) Lambda bundles: for every deployed function, the bundle size and module load time of
 *   - today: the capability-wide bundle every function of its capability carried before issue 7
 *     (bench/today/*, built with the options of then),
 *   - bundled: its own entry with the AWS SDK bundled, as deployed (infra/lambda-bundling.ts),
 *   - +maps: the same, loaded with `--enable-source-maps` (as NODE_OPTIONS sets on every function),
 *   - external: its own entry with `@aws-sdk/*` left to the runtime (here: node_modules, which
 *     approximates the nodejs22.x runtime's SDK v3).
 * Load time: a fresh `node` per measurement requires the bundle and reports performance.now()
 * around the require; median of `runs` (every bundle loaded once untimed first), the variants of one
 * row interleaved so load on the machine hits them alike: the per-row ratio is the steadiest figure. Each row is printed as soon as it is measured.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUNDLING_BEFORE_ISSUE_7, buildLambdaBundle, type BuiltBundle } from '../infra/lambda-bundling';
import { DEPLOYED_FUNCTIONS, type Capability } from '../infra/lambda-entries';
import { median, progress } from './util';

const run = promisify(execFile);
const REPO_ROOT = join(__dirname, '..');

/** The capability-wide entries of before issue 7, frozen under bench/today (later capabilities have none). */
export const TODAY_ENTRIES: Readonly<Record<Exclude<Capability, 'reactions' | 'organization'>, string>> = {
  rotation: 'bench/today/rotation.ts',
  offboarding: 'bench/today/offboarding.ts',
  scan: 'bench/today/scan.ts',
  api: 'bench/today/api.ts',
};

export interface BundlesOptions {
  /** Fresh processes per figure (median); at least 5. */
  readonly runs: number;
  /** Where each row goes as soon as it is measured. @default stdout */
  readonly emit?: (line: string) => void;
}

interface Built extends BuiltBundle {
  readonly file: string;
}

/** Milliseconds one fresh `node` spends in `require(file)`. */
async function loadOnce(file: string, flags: readonly string[]): Promise<number> {
  const code = `const{performance}=require('node:perf_hooks');const t=performance.now();require(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t))`;
  const { stdout } = await run(process.execPath, [...flags, '-e', code], {
    // NODE_PATH: the `external` bundles find @aws-sdk/* where the runtime's would be (node_modules here).
    env: { PATH: process.env.PATH ?? '', NODE_PATH: join(REPO_ROOT, 'node_modules'), AWS_REGION: 'us-east-1' },
  });
  const value = Number(stdout);
  if (!Number.isFinite(value)) throw new Error(`loading ${file} printed ${stdout}`);
  return value;
}

/** Median load time of each measurement, interleaved run by run. */
async function loadTimes(measurements: readonly { file: string; flags: readonly string[] }[], runs: number): Promise<number[]> {
  const times = measurements.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    for (const [m, { file, flags }] of measurements.entries()) times[m]!.push(await loadOnce(file, flags));
  }
  return times.map((t) => median(t));
}

/** Fixed column widths: rows are printed one by one and still line up as a markdown table. */
const WIDTHS = [30, 17, 7, 17, 7, 7, 18, 7];
function line(cells: readonly string[], fill = ' '): string {
  return `| ${cells.map((cell, c) => cell.padEnd(WIDTHS[c] ?? 0, fill)).join(' | ')} |`;
}

const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;
const msText = (value: number) => `${Math.round(value)} ms`;

export async function benchBundles(options: BundlesOptions): Promise<string> {
  const runs = Math.max(5, options.runs);
  const emit = options.emit ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'iam-lifecycle-bundles-'));
  try {
    progress(`(d) Lambda bundles: building ${Object.keys(TODAY_ENTRIES).length} capability-wide bundles of today`);
    const today = {} as Partial<Record<Capability, Built>>;
    for (const [capability, entry] of Object.entries(TODAY_ENTRIES) as [Capability, string][]) {
      const file = join(dir, `today-${capability}.js`);
      today[capability] = {
        file,
        ...(await buildLambdaBundle(REPO_ROOT, entry, { sdk: 'bundled', mainFields: BUNDLING_BEFORE_ISSUE_7.mainFields }, file)),
      };
    }

    const rows: { name: string; today: number; bundled: number; maps: number; external: number }[] = [];
    progress(`(d) building ${DEPLOYED_FUNCTIONS.length} functions, SDK bundled and external`);
    const built = new Map<string, { bundled: Built; external: Built }>();
    for (const fn of DEPLOYED_FUNCTIONS) {
      const base = join(dir, fn.entry.replace(/[/.]/g, '-'));
      const bundled: Built = {
        file: `${base}.js`,
        ...(await buildLambdaBundle(REPO_ROOT, fn.entry, { sdk: 'bundled' }, `${base}.js`)),
      };
      const external: Built = {
        file: `${base}-external.js`,
        ...(await buildLambdaBundle(REPO_ROOT, fn.entry, { sdk: 'external' }, `${base}-external.js`)),
      };
      built.set(fn.name, { bundled, external });
    }
    // One untimed load of every bundle before the first row: all start from a warm file cache.
    for (const b of [...Object.values(today), ...[...built.values()].flatMap((v) => [v.bundled, v.external])]) {
      await loadOnce(b.file, []);
    }

    const header = ['function', 'today (map)', 'load', 'bundled (map)', 'load', '+maps', 'SDK external (map)', 'load'];
    emit(
      `### (d) Lambda bundles\n\nMinified CommonJS (target node22, names kept) with an external source map (its size in brackets); load = median of ${runs} fresh \`node\` processes requiring the bundle.\n`,
    );
    emit(
      `${line(header)}\n${line(
        header.map((h) => '-'.repeat(h.length)),
        '-',
      )}`,
    );

    for (const fn of DEPLOYED_FUNCTIONS) {
      const { bundled, external } = built.get(fn.name)!;
      const was = today[fn.capability];
      if (!was) continue; // no capability-wide bundle of before to compare with
      const [tToday, tBundled, tMaps, tExternal] = await loadTimes(
        [
          { file: was.file, flags: [] },
          { file: bundled.file, flags: [] },
          { file: bundled.file, flags: ['--enable-source-maps'] },
          { file: external.file, flags: [] },
        ],
        runs,
      );
      rows.push({ name: fn.name, today: tToday!, bundled: tBundled!, maps: tMaps!, external: tExternal! });
      const row = [
        fn.name,
        `${kb(was.bytes)} (${kb(was.mapBytes)})`,
        msText(tToday!),
        `${kb(bundled.bytes)} (${kb(bundled.mapBytes)})`,
        msText(tBundled!),
        msText(tMaps!),
        `${kb(external.bytes)} (${kb(external.mapBytes)})`,
        msText(tExternal!),
      ];
      emit(line(row));
    }

    const slowest = (key: 'today' | 'bundled' | 'maps' | 'external') => rows.reduce((a, b) => (b[key] > a[key] ? b : a));
    const was = slowest('today');
    const lines = (['bundled', 'maps', 'external'] as const).map((key) => {
      const now = slowest(key);
      const share = now[key] / was.today;
      const label = { bundled: 'bundled (deployed)', maps: 'bundled, with source maps', external: 'SDK external' }[key];
      return `- slowest ${label}: ${msText(now[key])} (${now.name}) = ${Math.round(share * 100)} % of today's slowest ${msText(was.today)} (${was.name}): target at most half ${share <= 0.5 ? 'met' : 'NOT met'}`;
    });
    // Within a row the variants ran interleaved: the ratio does not move with load on the machine.
    const worst = rows.reduce((a, b) => (b.bundled / b.today > a.bundled / a.today ? b : a));
    lines.push(
      `- per function, bundled / today: at most ${Math.round((worst.bundled / worst.today) * 100)} % (${worst.name}: ${msText(worst.bundled)} vs ${msText(worst.today)})`,
    );
    return lines.join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
