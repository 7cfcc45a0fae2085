/** Runs this project's scripts (bin/*, jest) as separate processes, as an operator's shell would. */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `node <script> ...args` (script relative to the project root) with `env` changes on top of the test's environment (undefined
 * removes a variable). NODE_OPTIONS is removed: jest's `--no-warnings` must not hide what the
 * script prints by itself.
 */
export function runNode(
  script: string,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 45_000,
): Promise<ProcessResult> {
  const merged: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: undefined, ...env };
  const childEnv = Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, script), ...args],
      { cwd: ROOT, env: childEnv, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** An executable shell script in a new temporary directory; answers its path. */
export function shellScript(name: string, body: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'script-')), name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}
