/**
 * Starts and stops a local moto server (the AWS API emulator) on a free loopback port. Used by the
 * jest global setup, `npm start`, the CLI's local mode and the benchmarks. When AWS_ENDPOINT_URL is
 * set, that endpoint is used instead and nothing is started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

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

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error('moto server exited during start (is moto installed? `pip install "moto[server]"`)');
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
  readonly python?: string;
  readonly timeoutMs?: number;
}

export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const existing = options.existingEndpoint ?? process.env.AWS_ENDPOINT_URL;
  if (existing) return { endpoint: existing, owned: false, stop: async () => undefined };

  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(
    options.python ?? process.env.PYTHON ?? 'python3',
    ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' },
      detached: false,
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitUntilReady(endpoint, child, options.timeoutMs ?? 20_000);
  } catch (error) {
    child.kill('SIGKILL');
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
