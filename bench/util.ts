/** Small helpers shared by the benchmark scripts: timing, bounded concurrency, markdown tables. */

/** Runs `fn` over `items` with at most `limit` in flight (seeding moto quickly without flooding it). */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function ms(value: number): string {
  return value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`;
}

export function seconds(valueMs: number): string {
  return `${(valueMs / 1000).toFixed(1)} s`;
}

/** A GitHub-flavoured markdown table, columns padded so it also reads well in a terminal. */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, c) => Math.max(3, ...cells.map((row) => (row[c] ?? '').length)));
  const line = (row: readonly string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c] as number)).join(' | ')} |`;
  return [line(cells[0] as string[]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join(
    '\n',
  );
}

/**
 * A markdown table written one row at a time (a row is printed as soon as it is measured, so a long
 * run shows what it has and a failure later on loses nothing). Columns are as wide as their header.
 */
export function streamingTable(
  header: readonly string[],
  write: (line: string) => void,
): (row: readonly (string | number)[]) => void {
  const widths = header.map((h) => Math.max(3, h.length));
  const line = (row: readonly string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  write(line(header));
  write(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  return (row) => write(line(row.map(String)));
}

/** Progress goes to stderr so stdout holds only the tables (paste-able into the README). */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
