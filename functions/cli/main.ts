/**
 * `iam-lifecycle`: the operator's command line. The same verbs work against the deployed stack or,
 * with `--endpoint URL`, locally in-process: the real ASL through aws-local-stepfunctions, the real
 * handlers bound to its Task states, and every AWS call sent to that endpoint. The verbs are declared
 * in ./program.ts and live in ./commands; exit codes in ./exit-codes.ts.
 */
import { CommanderError } from 'commander';
import { describeError, formatError } from './errors';
import { EXIT } from './exit-codes';
import { buildProgram } from './program';

type Print = (line: string) => void;

/** Commander's refusal (unknown flag or verb, extra or missing argument) as one line, exit 2. */
function refusal(
  error: CommanderError,
  argv: readonly string[],
  verbs: readonly string[],
  json: boolean,
  printError: Print,
): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.done;
  const verb = argv.find((a) => verbs.includes(a));
  if (error.code === 'commander.help') {
    // No verb given: commander printed the help on stderr.
    if (json)
      printError(
        formatError({ name: 'UsageError', message: 'no command given; see iam-lifecycle --help', exitCode: EXIT.refused }, true),
      );
    return EXIT.refused;
  }
  const what = error.message
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\.$/, '');
  const message = `${what}; nothing was done (see \`iam-lifecycle ${verb ? `${verb} ` : ''}--help\`)`;
  printError(formatError({ name: 'UsageError', message, exitCode: EXIT.refused }, json));
  return EXIT.refused;
}

export async function main(
  argv: string[],
  print: Print = (l) => console.log(l),
  printError: Print = (l) => console.error(l),
): Promise<number> {
  const json = argv.includes('--json');
  let code: number = EXIT.done;
  const program = buildProgram(print, printError, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      const verbs = program.commands.map((c) => c.name());
      return refusal(error, argv, verbs, json, printError);
    }
    const reported = describeError(error);
    printError(formatError(reported, json));
    return reported.exitCode;
  }
}
