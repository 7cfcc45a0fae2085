/**
 * `.ci/ensure-moto` (called by `.ci/run`), driven with stand-in interpreters: pip's own error is
 * shown, and the script ends with one line naming the fix unless moto is exactly 5.2.1.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, shellScript } from '../support/processes';

function ensureMoto(python: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(join(ROOT, '.ci', 'ensure-moto'), [], { env: { ...process.env, PYTHON: python } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

describe('.ci/ensure-moto', () => {
  it("shows pip's error and fails with one line when the version it gets is not 5.2.1", async () => {
    // Prepare: moto 5.1.0 importable; pip cannot install 5.2.1.
    const python = shellScript(
      'python-old-moto',
      [
        'if [ "$1" = "-c" ]; then echo 5.1.0; exit 0; fi',
        'if [ "$1" = "-m" ]; then echo "ERROR: No matching distribution found for moto[server]==5.2.1" >&2; exit 1; fi',
        'exit 1',
      ].join('\n'),
    );

    // Act
    const result = await ensureMoto(python);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ERROR: No matching distribution found for moto[server]==5.2.1');
    expect(result.stderr.trim().split('\n').pop()).toBe(
      `moto server 5.2.1 is required but ${python} has 5.1.0: run pip install "moto[server]==5.2.1", or set PYTHON=/path/to/python that has it`,
    );
    expect(result.stdout + result.stderr).not.toContain('apt-get');
  });

  it('installs with pip when moto is missing and accepts 5.2.1', async () => {
    // Prepare: no moto until pip has run.
    const python = shellScript(
      'python-installs',
      [
        'marker="$(dirname "$0")/installed"',
        'if [ "$1" = "-c" ]; then [ -f "$marker" ] && echo 5.2.1 && exit 0; exit 1; fi',
        'if [ "$1" = "-m" ]; then echo "pip $*" >&2; touch "$marker"; exit 0; fi',
        'exit 1',
      ].join('\n'),
    );

    // Act
    const result = await ensureMoto(python);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('pip -m pip install --quiet --disable-pip-version-check moto[server]==5.2.1');
    expect(result.stdout.trim().split('\n').pop()).toBe(`moto 5.2.1 (${python})`);
  });

  it('names the missing interpreter in one line', async () => {
    // Prepare: no interpreter at all.

    // Act
    const result = await ensureMoto('/nonexistent/python3');

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      'no Python interpreter /nonexistent/python3: install Python 3 and run pip install "moto[server]==5.2.1", or set PYTHON=/path/to/python that has it',
    );
  });
});
