/** The CLI in tests: run in-process with what it prints captured, and config files for --config. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../functions/cli/main';

export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    args,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Writes `content` as JSON to a new temporary file and returns its path (for `--config`). */
export function configFile(content: unknown, name = 'config.json'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cli-config-')), name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}
