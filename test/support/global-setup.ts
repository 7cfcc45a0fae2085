/** Starts one moto server for the whole test run (unless AWS_ENDPOINT_URL points at one already). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMoto, type MotoServer } from '../../functions/local/moto';
import { MotoUnavailableError } from '../../functions/shared/errors';

export default async function globalSetup(): Promise<void> {
  let moto: MotoServer;
  try {
    moto = await startMoto();
  } catch (error) {
    // No Python, moto or its modules: the one line naming the fix, not jest's stack trace.
    if (!(error instanceof MotoUnavailableError)) throw error;
    process.stderr.write(`test setup: ${error.message}\n`);
    process.exit(1);
  }
  (globalThis as { __MOTO__?: unknown }).__MOTO__ = moto;
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  // A local stack the developer runs (~/.iam-lifecycle) must not take the tests' CLI calls.
  process.env.IAM_LIFECYCLE_HOME = mkdtempSync(join(tmpdir(), 'iam-lifecycle-home-'));
  // Powertools writes JSON log lines to stdout; keep test output readable unless asked.
  process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN';
}
