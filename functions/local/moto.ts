/**
 * Starts and stops a local moto server (the AWS API emulator) on a free loopback port. Used by the
 * jest global setup, `npm start`, the CLI's local mode and the benchmarks. When AWS_ENDPOINT_URL is
 * set, that endpoint is used instead and nothing is started.
 *
 * A fresh machine often lacks Python, moto or one of its server modules: that ends in a
 * MotoUnavailableError whose message is one line naming the install command, never a stack trace.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { MotoUnavailableError } from '../shared/errors';

/** The moto version the tests, the demo and the moto gap fillers (functions/offboarding/local.ts) are written against. */
export const MOTO_VERSION = '5.2.1';
export const MOTO_INSTALL = `pip install "moto[server]==${MOTO_VERSION}"`;
const MOTO_FIX = `${MOTO_INSTALL}, or set PYTHON=/path/to/python that has it (or AWS_ENDPOINT_URL to an emulator already running)`;

export interface MotoServer {
  readonly endpoint: string;
  /** True when this process started the server (and so must stop it). */
  readonly owned: boolean;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function unavailable(why: string): MotoUnavailableError {
  return new MotoUnavailableError(`moto (the local AWS emulator) cannot start: ${why}. Fix: ${MOTO_FIX}`);
}

/** Why spawning `python` failed (ENOENT, EACCES), in words. */
function spawnFailure(python: string, error: NodeJS.ErrnoException): MotoUnavailableError {
  if (error.code === 'ENOENT') return unavailable(`no Python interpreter at ${python}`);
  return unavailable(`${python} cannot be run (${error.code ?? error.message})`);
}

/** The last meaningful line of Python's stderr: "No module named 'flask_cors'", not the traceback. */
function lastLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const line = lines[lines.length - 1] ?? 'no output';
  return line.replace(/^ModuleNotFoundError: /, '').slice(0, 200);
}

/**
 * Checks that `python` imports moto and the server's modules (flask, flask_cors); answers moto's
 * version or throws MotoUnavailableError.
 */
export function checkMotoPython(python: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      ['-c', 'import moto, flask, flask_cors; print(moto.__version__)'],
      { timeout: timeoutMs, env: process.env },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout.trim());
        const err = error as NodeJS.ErrnoException & { killed?: boolean };
        if (typeof err.code === 'string') return reject(spawnFailure(python, err));
        if (err.killed) return reject(unavailable(`${python} did not import moto within ${timeoutMs} ms`));
        reject(unavailable(`${python} cannot import the moto server (${lastLine(stderr)})`));
      },
    );
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, failed: () => Error | undefined, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    const failure = failed();
    if (failure) throw failure;
    if (exited) throw new Error(`moto server exited during start (is moto installed? \`${MOTO_INSTALL}\`)`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto server did not answer at ${endpoint} within ${timeoutMs} ms`);
}

export interface StartMotoOptions {
  /** Use this endpoint instead of starting a server. @default process.env.AWS_ENDPOINT_URL */
  readonly existingEndpoint?: string;
  /** @default process.env.PYTHON ?? 'python3' */
  readonly python?: string;
  readonly timeoutMs?: number;
  /** Where the one-line warning about another moto version goes. @default stderr */
  readonly warn?: (line: string) => void;
}

export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const existing = options.existingEndpoint ?? process.env.AWS_ENDPOINT_URL;
  if (existing) return { endpoint: existing, owned: false, stop: async () => undefined };

  const python = options.python ?? process.env.PYTHON ?? 'python3';
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // The import check and the server start run side by side: the check costs a second or two.
  const check = checkMotoPython(python).then(
    (version) => ({ version }),
    (error: unknown) => ({ error: error as Error }),
  );
  const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' },
    detached: false,
  });
  let spawnError: Error | undefined;
  // Without a listener a missing interpreter is an unhandled 'error' event that kills the process.
  child.once('error', (error: NodeJS.ErrnoException) => (spawnError = spawnFailure(python, error)));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    const checked = await check;
    if ('error' in checked) throw checked.error;
    if (checked.version !== MOTO_VERSION) {
      warn(`warning: moto ${checked.version} found (${python}); this project is tested with ${MOTO_VERSION}: ${MOTO_INSTALL}`);
    }
    await waitUntilReady(endpoint, child, () => spawnError, options.timeoutMs ?? 20_000);
  } catch (error) {
    child.kill('SIGKILL');
    if (error instanceof MotoUnavailableError) throw error;
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    owned: true,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      }),
  };
}
