/**
 * `iam-lifecycle`: the operator's command line. The same verbs work against the deployed stack or,
 * with `--endpoint URL`, locally in-process: the real ASL through aws-local-stepfunctions, the real
 * handlers bound to its Task states, and every AWS call sent to that endpoint.
 */
import { parseArgs } from 'node:util';
import { LifecycleError } from '../shared/errors';
import { deployedContext, localContext, printingNotifier, type CliContext, type GlobalOptions } from './context';
import { pollUntilDone, rotateUser } from './rotate';
import { runScan, formatScan } from './scan';
import { runDemo } from './demo';

export const USAGE = `Usage: iam-lifecycle <command> [options]

Commands:
  scan [--dry-run]                 find active keys older than maxKeyAgeDays and start one rotation per key
  rotate <userName> [--key ID] [--wait]
                                   rotate the user's active access key now (locally: always waits)
  demo                             the local demo: moto, seeded users, live workloads, scan, rotations

Options:
  --endpoint URL     run locally against this AWS API endpoint (moto, LocalStack); nothing deployed is used
  --config FILE      configuration JSON (the same shape as the CDK app's; see README "Configure")
  --time-scale N     divide every duration by N (86400: a day lasts a second)
  --stack NAME       deployed stack to drive (default IamUserLifecycle)
  --region REGION    AWS region (default from the environment)
  --json             print machine-readable JSON
  -h, --help         this text
`;

type Print = (line: string) => void;

export async function main(
  argv: string[],
  print: Print = (l) => console.log(l),
  printError: Print = (l) => console.error(l),
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        endpoint: { type: 'string' },
        config: { type: 'string' },
        'time-scale': { type: 'string' },
        stack: { type: 'string' },
        region: { type: 'string' },
        json: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        wait: { type: 'boolean', default: false },
        key: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    printError(`iam-lifecycle: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    print(USAGE);
    return command || values.help ? 0 : 2;
  }
  const timeScale = values['time-scale'] !== undefined ? Number(values['time-scale']) : undefined;
  if (timeScale !== undefined && !(Number.isFinite(timeScale) && timeScale >= 1)) {
    printError('iam-lifecycle: --time-scale must be a number >= 1');
    return 2;
  }
  const options: GlobalOptions = {
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
    ...(values.config ? { configFile: values.config } : {}),
    ...(timeScale !== undefined ? { timeScale } : {}),
    ...(values.region ? { region: values.region } : {}),
    stack: values.stack ?? 'IamUserLifecycle',
    json: values.json ?? false,
  };

  try {
    switch (command) {
      case 'demo':
        return await runDemo({ print, ...(options.configFile ? { configFile: options.configFile } : {}) });
      case 'scan': {
        const ctx = await context(options, print);
        const result = await runScan(ctx, { dryRun: values['dry-run'] ?? false });
        print(options.json ? JSON.stringify(result, null, 2) : formatScan(result));
        if (ctx.local) await ctx.local.workflows.waitForAll();
        return 0;
      }
      case 'rotate': {
        const userName = requirePositional(rest, 'rotate <userName>');
        const ctx = await context(options, print);
        const local = ctx.local;
        const outcome = await rotateUser(
          ctx,
          { userName, ...(values.key ? { accessKeyId: values.key } : {}), requestedBy: `cli:${process.env.USER ?? 'operator'}` },
          local
            ? (name) => local.workflows.wait('rotation', name)
            : values.wait
              ? (name) => pollUntilDone(ctx.workflows, name, 10_000, (s) => print(`${s.name}: ${s.status}`))
              : undefined,
        );
        if (options.json) print(JSON.stringify(outcome, null, 2));
        else {
          print(`${outcome.started ? 'started' : 'already running'}: ${outcome.executionName} (retiring ${outcome.accessKeyId})`);
          if (outcome.final)
            print(
              `finished ${outcome.final.status}: ${JSON.stringify(outcome.final.output ?? { error: outcome.final.error, cause: outcome.final.cause })}`,
            );
        }
        return outcome.final && outcome.final.status !== 'SUCCEEDED' ? 1 : 0;
      }
      default:
        printError(`iam-lifecycle: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    // Named errors are the user's input being refused: say why, exit 2. Anything else is a failure.
    const err = error as Error;
    printError(`iam-lifecycle: ${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`);
    return error instanceof LifecycleError ? 2 : 1;
  }
}

function requirePositional(rest: string[], usage: string): string {
  const value = rest[0];
  if (!value) throw new (class UsageError extends LifecycleError {})(`missing argument: ${usage}`);
  return value;
}

async function context(options: GlobalOptions, print: Print): Promise<CliContext> {
  if (options.endpoint) {
    return localContext(options, options.json ? {} : { forwardNotifications: printingNotifier((l) => print(`  ${l}`)) });
  }
  return deployedContext(options);
}
