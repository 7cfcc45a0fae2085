/**
 * The long-lived local stack running inside the jest process (cheaper than a process per call), on
 * the suite's moto, with its own state directory as IAM_LIFECYCLE_HOME so CLI calls of the suite
 * route to it. Registers the beforeAll/afterAll that start and stop it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type RunningStack } from '../../functions/local/stack/server';
import { configFile } from './cli';
import { motoEndpoint } from './aws';

export interface InProcessStack {
  /** The running stack (set once beforeAll has run). */
  readonly stack: RunningStack;
  /** Its state directory. */
  readonly home: string;
  /** Lines the stack logged. */
  readonly log: string[];
}

export function useInProcessStack(prefix: string, config?: Record<string, unknown>): InProcessStack {
  const previousHome = process.env.IAM_LIFECYCLE_HOME;
  const home = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const log: string[] = [];
  let stack: RunningStack | undefined;
  beforeAll(async () => {
    process.env.IAM_LIFECYCLE_HOME = home;
    stack = await startLocalStack({
      home,
      logFile: join(home, 'local-stack.log'),
      endpoint: motoEndpoint(),
      ...(config ? { configFile: configFile(config) } : {}),
      log: (line) => log.push(line),
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await stack?.done;
    process.env.IAM_LIFECYCLE_HOME = previousHome;
  });
  return {
    get stack() {
      if (!stack) throw new Error('the local stack is not started (use it inside a test)');
      return stack;
    },
    home,
    log,
  };
}
