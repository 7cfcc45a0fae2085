/**
 * What an operator sees from the real entry points (separate processes): a missing interpreter is
 * one line naming the fix, and no AWS SDK Node version warning on a direct CLI call.
 */
import { runNode } from '../support/processes';

const NO_PYTHON = { PYTHON: '/nonexistent/python3', AWS_ENDPOINT_URL: undefined };

function expectOneLineNamingTheFix(stderr: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain('no Python interpreter at /nonexistent/python3');
  expect(lines[0]).toContain('pip install "moto[server]==5.2.1"');
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('without python', () => {
  it('`iam-lifecycle demo` (npm start) prints one line naming the install command and exits non-zero', async () => {
    // Prepare: NO_PYTHON

    // Act
    const result = await runNode('bin/iam-lifecycle.js', ['demo'], NO_PYTHON);

    // Assess
    expect(result.code).toBe(1); // the machine failed, not the operator's input
    expectOneLineNamingTheFix(result.stderr);
    expect(result.stderr).toMatch(/^iam-lifecycle: MotoUnavailableError: moto/);
  });

  it('`npm run bench` prints one line naming the install command and exits non-zero', async () => {
    // Prepare: NO_PYTHON

    // Act
    const result = await runNode('bin/bench.js', ['--only', 'c'], NO_PYTHON);

    // Assess
    expect(result.code).not.toBe(0);
    expectOneLineNamingTheFix(result.stderr);
    expect(result.stderr).toMatch(/^bench: moto/);
  });
  it('`npm test` (the jest global setup) prints one line naming the install command and exits non-zero', async () => {
    // Prepare: NO_PYTHON

    // Act
    const result = await runNode('node_modules/jest/bin/jest.js', ['test/unit/config.test.ts'], NO_PYTHON);

    // Assess
    expect(result.code).not.toBe(0);
    expectOneLineNamingTheFix(result.stderr);
    expect(result.stderr).toMatch(/^test setup: moto/);
  });
});

describe('the AWS SDK Node version warning', () => {
  it('is not printed by a direct CLI call', async () => {
    // Prepare: the SDK warns below Node 22 when a client is built; `status` builds them.
    const endpoint = process.env.AWS_ENDPOINT_URL as string;

    // Act
    const result = await runNode('bin/iam-lifecycle.js', ['status', 'fresh-machine-nobody', '--endpoint', endpoint], {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
    });

    // Assess
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
    expect(result.stderr.trim()).toMatch(/^iam-lifecycle: UserNotFoundError: user fresh-machine-nobody does not exist;[^\n]*$/);
  });
});
