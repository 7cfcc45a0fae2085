/**
 * A fresh machine without Python, moto or its server modules: startMoto answers one line naming
 * the install command instead of crashing on an unhandled spawn error.
 */
import { MOTO_INSTALL, MOTO_VERSION, startMoto } from '../../functions/local/moto';
import { MotoUnavailableError } from '../../functions/shared/errors';
import { shellScript } from '../support/processes';

/** The interpreter the jest global setup started moto with. */
const PYTHON = process.env.PYTHON ?? 'python3';

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected startMoto to fail');
}

describe('startMoto on a machine without moto', () => {
  it('names the install command in one line when the interpreter does not exist', async () => {
    // Prepare
    const python = '/nonexistent/python3';

    // Act
    const error = await failure(startMoto({ existingEndpoint: '', python }));

    // Assess
    expect(error).toBeInstanceOf(MotoUnavailableError);
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain(`no Python interpreter at ${python}`);
    expect(error.message).toContain('pip install "moto[server]==5.2.1"');
    expect(error.message).toContain('PYTHON=/path/to/python');
  });

  it('names the missing module and the install command when the interpreter lacks moto', async () => {
    // Prepare: the real interpreter without its site-packages (-S) or user environment (-I).
    const python = shellScript('python-without-moto', `exec ${PYTHON} -I -S "$@"`);

    // Act
    const error = await failure(startMoto({ existingEndpoint: '', python }));

    // Assess
    expect(error).toBeInstanceOf(MotoUnavailableError);
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain("No module named 'moto'");
    expect(error.message).toContain(MOTO_INSTALL);
    expect(error.message).not.toMatch(/Traceback/);
  });

  it('warns in one line and still starts when moto has another version', async () => {
    // Prepare: an interpreter whose moto reports 5.1.0 but runs the real server.
    const python = shellScript('python-other-moto', `if [ "$1" = "-c" ]; then echo 5.1.0; exit 0; fi\nexec ${PYTHON} "$@"`);
    const warnings: string[] = [];

    // Act
    const moto = await startMoto({ existingEndpoint: '', python, warn: (line) => warnings.push(line), timeoutMs: 90_000 });
    const answered = (await fetch(`${moto.endpoint}/moto-api/data.json`)).ok;
    await moto.stop();

    // Assess
    expect(answered).toBe(true);
    expect(warnings).toEqual([
      `warning: moto 5.1.0 found (${python}); this project is tested with ${MOTO_VERSION}: ${MOTO_INSTALL}`,
    ]);
  }, 120_000);

  it('does not warn when moto has the tested version', async () => {
    // Prepare
    const warnings: string[] = [];

    // Act
    const moto = await startMoto({
      existingEndpoint: '',
      python: PYTHON,
      warn: (line) => warnings.push(line),
      timeoutMs: 90_000,
    });
    await moto.stop();

    // Assess
    expect(warnings).toEqual([]);
  }, 120_000);
});
