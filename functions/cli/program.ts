/**
 * The command line, declared once on commander: per-verb options and help, `--version`, unknown
 * flags and extra arguments refused (safety rule 9: a flag a verb does not honour is never ignored),
 * global options before or after the verb. Output goes through the given printers; commander never
 * exits the process (exitOverride), main turns its errors into exit codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { GlobalOptions } from './context';
import { runDemo } from './demo';
import { parseEndpoint } from './endpoint';
import { CliError, UsageError } from './errors';
import { EXIT_CODES_HELP } from './exit-codes';
import { ACCOUNT_VERBS, parseAccountOption, refuseAccount } from './account';
import { cliUserName } from './user-name';
import type { Print, Session } from './session';
import { rollbackCommand, rotateCommand } from './commands/rotation';
import { approveOffboardingCommand, cancelOffboardingCommand, offboardCommand } from './commands/offboarding';
import { reportCommand, scanCommand, statusCommand } from './commands/read';
import { offboardPreviewCommand, rotatePreviewCommand } from './commands/preview';
import { reactCommand } from './commands/react';
import { exposeCommand } from './commands/expose';
import { throughStack } from './commands/stack';
import { localCommand } from './local-stack';
import { configSetsTimeScale, DEFAULT_STACK_TIME_SCALE } from './session';

export const VERSION = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string })
  .version;

const MODES_HELP = `
Modes:
  --endpoint URL   local mode: every AWS call goes to that endpoint (moto, LocalStack) and the workflows run
                   inside this process with the real ASL and handlers; the command waits for them, printing
                   progress. Without --time-scale or a timeScale in --config, a day lasts a second (86400).
  local stack      after \`iam-lifecycle local up\`, every verb goes to that background stack (moto, the workflows,
                   the scan schedule, the API on loopback) from any terminal, unless --endpoint or --stack is given.
  (no --endpoint)  deployed mode: the stack's HTTP API (ApiUrl), signed with your AWS credentials (you need
                   the iam-lifecycle:api tag or to be in api.principals); --wait polls the workflow.

${EXIT_CODES_HELP}`;

function parseTimeScale(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 1)) throw new CliError('--time-scale must be a number >= 1 (86400: a day lasts a second)');
  return n;
}

function parseDays(value: string): number {
  return Number(value);
}

function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<{
    endpoint?: string;
    config?: string;
    timeScale?: number;
    stack?: string;
    region?: string;
    json?: boolean;
    account?: string;
  }>();
  return {
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.config ? { configFile: o.config } : {}),
    ...(o.timeScale !== undefined ? { timeScale: o.timeScale } : {}),
    ...(o.region ? { region: o.region } : {}),
    stack: o.stack ?? 'IamUserLifecycle',
    json: o.json ?? false,
    ...(o.account ? { account: o.account } : {}),
  };
}

export function buildProgram(print: Print, printError: Print, done: (code: number) => void): Command {
  const program = new Command('iam-lifecycle');
  /** A verb that takes only a user name. */
  const session = (cmd: Command): Session => ({ print, printError, options: globalOptions(cmd) });
  /** A verb that takes only a user name; it goes to the running local stack when there is one. */
  const act = (command: string, verb: (session: Session, userName: string) => Promise<number>) =>
    async function (userName: string, _opts: unknown, cmd: Command) {
      done((await throughStack(session(cmd), cmd, command, userName)) ?? (await verb(session(cmd), userName)));
    };
  const user = (cmd: Command) => cmd.argument('<userName>', 'IAM user name', cliUserName);

  program
    .description('Rotate IAM access keys and offboard IAM users, against the deployed stack or locally (--endpoint).')
    .version(VERSION, '-V, --version', 'print the version')
    .addOption(
      new Option('--endpoint <url>', 'local mode: send every AWS call to this endpoint (moto, LocalStack)').argParser(
        parseEndpoint,
      ),
    )
    .option('--config <file>', 'configuration JSON (the CDK app’s shape; see README "Configure")')
    .addOption(
      new Option('--time-scale <n>', 'local mode only: divide every duration by N (86400: a day lasts a second)').argParser(
        parseTimeScale,
      ),
    )
    .option('--stack <name>', 'deployed stack to drive (default IamUserLifecycle)')
    .option('--region <region>', 'AWS region (default from the environment)')
    .option('--json', 'print machine-readable JSON (errors: one JSON object on stderr)')
    .addOption(
      new Option(
        '--account <id>',
        `organization mode: act in this member account (${ACCOUNT_VERBS.join(', ')}); refused otherwise`,
      ).argParser(parseAccountOption),
    )
    .option('--local', 'send the verb to the running local stack (`local up`; found on its own without --endpoint/--stack)')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => print(text.replace(/\n$/, '')),
      writeErr: (text) => printError(text.replace(/\n$/, '')),
      outputError: () => undefined, // main prints the one-line error
    })
    .exitOverride()
    .allowExcessArguments(false)
    .showSuggestionAfterError(true)
    .addHelpText('after', MODES_HELP);

  program
    .command('scan')
    .description('find active keys older than maxKeyAgeDays and start one rotation per key')
    .option('--dry-run', 'only print what the scan would start')
    .action(async (opts: { dryRun?: boolean }, cmd: Command) => {
      refuseAccount(globalOptions(cmd).account, 'scan (the scheduled scan covers every target account)');
      done((await throughStack(session(cmd), cmd, 'scan')) ?? (await scanCommand(session(cmd), opts)));
    });

  user(program.command('rotate'))
    .description('rotate the user’s active access key now (local mode waits for the workflow)')
    .option('--key <accessKeyId>', 'local mode only: the key to retire (resumes a rotation that left two active keys)')
    .option('--wait', 'deployed: wait for the workflow, printing progress')
    .option('--dry-run', 'print the exact plan (the key retired, created, deactivated and deleted, and when); change nothing')
    .action(async (userName: string, opts: { key?: string; wait?: boolean; dryRun?: boolean }, cmd: Command) => {
      if (opts.dryRun) {
        refuseAccount(globalOptions(cmd).account, 'rotate --dry-run yet');
        return done(await rotatePreviewCommand(session(cmd), cmd, userName, opts));
      }
      done((await throughStack(session(cmd), cmd, 'rotate', userName)) ?? (await rotateCommand(session(cmd), userName, opts)));
    });

  user(program.command('rollback'))
    .description('reactivate the old key of a rotation in its grace period')
    .action(act('rollback', rollbackCommand));

  user(program.command('offboard'))
    .description('disable every credential now, delete the user after the observation period')
    .option('--reason <text>', 'why (required; recorded with the snapshot)')
    .option('--observation-days <n>', 'days between disabling and deletion (default from the config)', parseDays)
    .option('--wait', 'deployed: wait for the workflow, printing progress')
    .option('--as <principal>', 'local mode only: who requests (default: the endpoint’s caller identity)')
    .option('--dry-run', 'print the exact plan (every credential disabled, every teardown call in order); change nothing')
    .action(async (userName: string, opts: Parameters<typeof offboardCommand>[2] & { dryRun?: boolean }, cmd: Command) => {
      if (opts.dryRun) {
        refuseAccount(globalOptions(cmd).account, 'offboard --dry-run yet');
        return done(await offboardPreviewCommand(session(cmd), cmd, userName, opts));
      }
      done(
        (await throughStack(session(cmd), cmd, 'offboard', userName)) ?? (await offboardCommand(session(cmd), userName, opts)),
      );
    });

  user(program.command('cancel-offboarding'))
    .description('stop an offboarding during disable/observe and restore the user')
    .option('--as <principal>', 'local mode only: who requests')
    .action(async (userName: string, opts: { as?: string }, cmd: Command) => {
      done(
        (await throughStack(session(cmd), cmd, 'cancel-offboarding', userName)) ??
          (await cancelOffboardingCommand(session(cmd), userName, opts)),
      );
    });

  user(program.command('approve-offboarding'))
    .description('approve another principal’s pending offboarding (two-person rule)')
    .option('--cancel', 'approve the pending cancel request instead')
    .option('--request-id <id>', 'the request to approve (default: the pending one)')
    .option('--as <principal>', 'local mode only: who approves')
    .action(async (userName: string, opts: Parameters<typeof approveOffboardingCommand>[2], cmd: Command) => {
      done(
        (await throughStack(session(cmd), cmd, 'approve-offboarding', userName)) ??
          (await approveOffboardingCommand(session(cmd), userName, opts)),
      );
    });

  user(program.command('status'))
    .description('keys (ages, last use), running workflows, offboarding state; never secrets')
    .action(act('status', statusCommand));

  program
    .command('report')
    .description('every IAM user: key ages, last use, console and MFA, what the next scan would do, running workflows, findings')
    .option('--csv', 'one RFC 4180 record per user (spreadsheet-safe)')
    .action(async (opts: { csv?: boolean }, cmd: Command) => {
      refuseAccount(globalOptions(cmd).account, 'report');
      done(await reportCommand(session(cmd), cmd, opts));
    });

  program
    .command('react')
    .description(
      'react to a CloudTrail or AWS Health event (JSON, from the console or a SIEM); deployed: a Health event posts /exposures per key',
    )
    .requiredOption('--event <file>', 'the event as JSON: an EventBridge CloudTrail or Health event, or a CloudTrail record')
    .action(async (opts: { event: string }, cmd: Command) => {
      refuseAccount(globalOptions(cmd).account, 'react (the event names its account)');
      done(await reactCommand(session(cmd), opts.event, undefined, cmd));
    });

  program
    .command('expose')
    .description('respond to an exposed access key: contain, replace, deactivate now, report its activity, delete later')
    .argument('<accessKeyId>', 'the exposed access key id (AKIA...)')
    .option('--reason <text>', 'why (required; in the key.exposed notification)')
    .option('--wait', 'through the local stack: wait for the response (local mode always waits)')
    .action(async (accessKeyId: string, opts: { reason?: string; wait?: boolean }, cmd: Command) => {
      refuseAccount(globalOptions(cmd).account, 'expose (the key is looked up in the hub account)');
      done(await exposeCommand(session(cmd), cmd, accessKeyId, opts));
    });

  program
    .command('local')
    .description('the local stack that lives across commands: moto, the workflows, the scan schedule, the API on loopback')
    .argument('<action>', 'up | status | down')
    .option('--port <n>', 'local up: the API’s loopback port (default: a free one)')
    .action(async (action: string, opts: { port?: string }, cmd: Command) => {
      const o = globalOptions(cmd);
      if (cmd.optsWithGlobals().local) throw new UsageError('local does not take --local; nothing was done');
      refuseAccount(o.account, 'local');
      let timeScale = o.timeScale;
      if (action === 'up' && timeScale === undefined && !configSetsTimeScale(o.configFile)) {
        timeScale = DEFAULT_STACK_TIME_SCALE;
        (o.json ? printError : print)(
          `note: the local stack runs at --time-scale ${DEFAULT_STACK_TIME_SCALE} (a day lasts a minute); pass --time-scale 1 (or timeScale in --config) for real time`,
        );
      }
      done(
        await localCommand({
          sub: action,
          json: o.json,
          print,
          printError,
          ...(opts.port !== undefined ? { port: opts.port } : {}),
          ...(o.endpoint ? { endpoint: o.endpoint } : {}),
          ...(o.configFile ? { configFile: o.configFile } : {}),
          ...(timeScale !== undefined ? { timeScale } : {}),
          ...(o.region ? { region: o.region } : {}),
        }),
      );
    });

  program
    .command('demo')
    .description('the local demo: moto, seeded users, live workloads, scan, rotations, offboarding (takes only --config)')
    .action(async (_opts: unknown, cmd: Command) => {
      const given = ['endpoint', 'timeScale', 'stack', 'region', 'json', 'local', 'account'].filter(
        (o) => cmd.optsWithGlobals()[o] !== undefined,
      );
      if (given.length > 0)
        throw new UsageError(`demo takes only --config, not --${given.map(kebab).join(', --')}; nothing was done`);
      const configFile = globalOptions(cmd).configFile;
      done(await runDemo({ print, ...(configFile ? { configFile } : {}) }));
    });

  return program;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
