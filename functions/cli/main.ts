/**
 * `iam-lifecycle`: the operator's command line. The same verbs work against the deployed stack or,
 * with `--endpoint URL`, locally in-process: the real ASL through aws-local-stepfunctions, the real
 * handlers bound to its Task states, and every AWS call sent to that endpoint.
 */
import { parseArgs } from 'node:util';
import { LifecycleError } from '../shared/errors';
import { deployedContext, localContext, printingNotifier, type CliContext, type GlobalOptions } from './context';
import { rotateUser } from './rotate';
import { runScan, formatScan } from './scan';
import { runReport } from './report';
import { runDemo } from './demo';
import { ValidationError } from '../shared/errors';
import type { OffboardingStatus } from '../offboarding/service';
import { rollbackRotation } from '../rotation/rollback';
import { cancelUserOffboarding, offboardUser, userStatus } from './offboard';
import { approvalRequired } from '../offboarding/approval';
import { approveViaApi, cancelViaApi, offboardViaApi, rollbackViaApi, rotateViaApi } from './api-verbs';
import { previewOffboarding, previewRotation, printPlan, refuseWithDryRun } from './preview';
import { approveFromCli, cliIdentity, formatPending, requestCancelApproval, requestOffboardingApproval } from './approval';
import { localCommand } from './local-stack';
import { stackFor, viaLocalStack } from './stack-routing';
import { formatRunningElsewhere } from './running-elsewhere';

export const USAGE = `Usage: iam-lifecycle <command> [options]

Commands:
  scan [--dry-run]                 find active keys older than maxKeyAgeDays and start one rotation per key
  rotate <userName> [--key ID] [--wait] [--dry-run]
                                   rotate the user's active access key now (locally: always waits; --key: local only)
  rollback <userName>              reactivate the old key of a rotation in its grace period
  offboard <userName> --reason TEXT [--observation-days N] [--wait] [--dry-run]
                                   disable everything now, delete after the observation period (locally: waits)
  cancel-offboarding <userName>    stop an offboarding during disable/observe and restore the user
  approve-offboarding <userName> [--cancel] [--request-id ID]
                                   approve another principal's pending offboarding (or, with --cancel, cancel)
                                   request when offboardingApproval / cancelApproval is "required"
  status <userName>                keys (ages, last use), running workflows, offboarding state; never secrets
  report [--json | --csv]          every IAM user: keys, last use, console/MFA, next scan, running workflows, findings
  demo                             the local demo: moto, seeded users, live workloads, scan, rotations, offboarding
  local up [--port N] [--time-scale N] [--config FILE] [--endpoint URL]
                                   start the local stack in the background: moto (or the endpoint), the workflows,
                                   the time-scaled daily scan and the HTTP API on a loopback port
  local status                     is it running, its API, endpoint, time scale, uptime and running workflows
  local down                       stop it; says which workflows were still running and what they leave behind

Options:
  --endpoint URL     run locally against this AWS API endpoint (moto, LocalStack); nothing deployed is used
  --config FILE      configuration JSON (the same shape as the CDK app's; see README "Configure");
                     against a deployed stack its timing fields must equal the deployed ones
  --time-scale N     local runs only: divide every duration by N (86400: a day lasts a second)
  --stack NAME       deployed stack to drive (default IamUserLifecycle)
  --region REGION    AWS region (default from the environment)
  --json             print machine-readable JSON
  --as PRINCIPAL     local mode only: who requests or approves (default: the endpoint's caller identity);
                     deployed, the STS identity of your credentials is always used
  --local            send the verb to the running local stack (found on its own when one runs and neither
                     --endpoint nor --stack is given; its state lives in $IAM_LIFECYCLE_HOME, default ~/.iam-lifecycle)
Deployed, offboard, cancel-offboarding, approve-offboarding, rotate and rollback call the stack's HTTP API
(ApiUrl) signed with your credentials: you need the iam-lifecycle:api tag or to be in api.principals.
  -h, --help         this text
`;

type Print = (line: string) => void;

/** Options every verb but `demo` takes. */
const GLOBAL_OPTIONS = ['endpoint', 'config', 'time-scale', 'stack', 'region', 'json', 'help', 'local'];
/**
 * Safety rule 9: a flag a verb does not honour is refused, never ignored (`offboard --dry-run`
 * must not delete a user). The verb's own options and how many user names it takes.
 */
const VERBS: Record<string, { readonly options: readonly string[]; readonly users: 0 | 1 }> = {
  scan: { options: [...GLOBAL_OPTIONS, 'dry-run'], users: 0 },
  rotate: { options: [...GLOBAL_OPTIONS, 'key', 'wait', 'dry-run'], users: 1 },
  rollback: { options: GLOBAL_OPTIONS, users: 1 },
  offboard: { options: [...GLOBAL_OPTIONS, 'reason', 'observation-days', 'wait', 'as', 'dry-run'], users: 1 },
  'cancel-offboarding': { options: [...GLOBAL_OPTIONS, 'as'], users: 1 },
  'approve-offboarding': { options: [...GLOBAL_OPTIONS, 'cancel', 'request-id', 'as'], users: 1 },
  status: { options: GLOBAL_OPTIONS, users: 1 },
  report: { options: [...GLOBAL_OPTIONS, 'csv'], users: 0 },
  demo: { options: ['config', 'help'], users: 0 },
  local: { options: ['endpoint', 'config', 'time-scale', 'region', 'json', 'help', 'port'], users: 1 },
};

/** Why this command line asks a verb for something it does not do, or undefined. */
function unsupported(command: string, given: readonly string[], positionals: number): string | undefined {
  const verb = VERBS[command];
  if (!verb) return undefined; // an unknown command is answered below
  const extra = given.filter((name) => !verb.options.includes(name));
  if (extra.length > 0) return `${command} does not take ${extra.map((name) => `--${name}`).join(', ')}`;
  if (positionals > verb.users) return `${command} takes ${verb.users === 0 ? 'no user name' : 'one user name'}`;
  return undefined;
}

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
      tokens: true,
      options: {
        endpoint: { type: 'string' },
        config: { type: 'string' },
        'time-scale': { type: 'string' },
        stack: { type: 'string' },
        region: { type: 'string' },
        json: { type: 'boolean', default: false },
        csv: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        wait: { type: 'boolean', default: false },
        key: { type: 'string' },
        reason: { type: 'string' },
        'observation-days': { type: 'string' },
        as: { type: 'string' },
        cancel: { type: 'boolean', default: false },
        'request-id': { type: 'string' },
        local: { type: 'boolean', default: false },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    printError(`iam-lifecycle: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals, tokens } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    print(USAGE);
    return command || values.help ? 0 : 2;
  }
  const given = [...new Set(tokens.flatMap((t) => (t.kind === 'option' ? [t.name] : [])))];
  const refusal = unsupported(command, given, rest.length);
  if (refusal) {
    printError(`iam-lifecycle: ${refusal}; nothing was done\n\n${USAGE}`);
    return 2;
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
    if (command === 'local') {
      const { port, json } = values;
      return await localCommand({ ...options, sub: rest[0], json: json ?? false, print, printError, ...(port ? { port } : {}) });
    }
    const stack = stackFor({ command, given, values });
    if (stack) return await viaLocalStack(stack, { command, userName: rest[0], given, values, print, printError, formatStatus });
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
        if (values['dry-run']) refuseWithDryRun({ wait: values.wait });
        const ctx = await context(options, print);
        if (ctx.mode === 'deployed') {
          if (values.key)
            throw new ValidationError(
              '--key is for local mode (--endpoint) only; deployed, the API rotates the user’s one active key',
            );
          if (values['dry-run']) return printPlan(await previewRotation(ctx, userName), options.json, print);
          return await rotateViaApi(ctx, userName, { json: options.json, print, wait: values.wait ?? false, pollMs: 10_000 });
        }
        if (values['dry-run'])
          return printPlan(
            await previewRotation(ctx, userName, { ...(values.key ? { key: values.key } : {}) }),
            options.json,
            print,
          );
        // Local mode: the workflow runs in this process, so the command waits for it.
        const local = ctx.local;
        const outcome = await rotateUser(
          ctx,
          { userName, ...(values.key ? { accessKeyId: values.key } : {}), requestedBy: await cliCaller(ctx) },
          local ? (name) => local.workflows.wait('rotation', name) : undefined,
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
      case 'rollback': {
        const userName = requirePositional(rest, 'rollback <userName>');
        const ctx = await context(options, print);
        if (ctx.mode === 'deployed') return await rollbackViaApi(ctx, userName, { json: options.json, print });
        const result = await rollbackRotation(ctx, userName);
        print(
          options.json
            ? JSON.stringify(result, null, 2)
            : `reactivated ${result.reactivatedAccessKeyId} of ${userName}: ${result.note}`,
        );
        return 0;
      }
      case 'offboard': {
        const userName = requirePositional(rest, 'offboard <userName> --reason TEXT');
        if (values['dry-run']) refuseWithDryRun({ wait: values.wait, as: values.as });
        if (!values.reason) throw new ValidationError('offboard needs --reason TEXT (it is recorded with the snapshot)');
        const days = values['observation-days'] !== undefined ? Number(values['observation-days']) : undefined;
        const ctx = await context(options, print);
        if (values['dry-run']) {
          const preview = {
            reason: values.reason,
            stack: options.stack,
            ...(days !== undefined ? { observationDays: days } : {}),
          };
          return printPlan(await previewOffboarding(ctx, userName, preview), options.json, print);
        }
        if (ctx.mode === 'deployed') {
          if (values.as !== undefined) await cliIdentity(options, values.as); // refuses --as, as before
          const request = { userName, reason: values.reason, ...(days !== undefined ? { observationDays: days } : {}) };
          return await offboardViaApi(ctx, request, { json: options.json, print, wait: values.wait ?? false });
        }
        await ctx.local?.ready();
        if (approvalRequired(ctx.config, 'offboard')) {
          const pending = await requestOffboardingApproval(ctx, {
            userName,
            reason: values.reason,
            requestedBy: await cliIdentity(options, values.as),
            ...(days !== undefined ? { observationDays: days } : {}),
          });
          print(options.json ? JSON.stringify(pending, null, 2) : formatPending(pending));
          return 0;
        }
        const outcome = await offboardUser(ctx, {
          userName,
          reason: values.reason,
          requestedBy: await cliCaller(ctx),
          ...(days !== undefined ? { observationDays: days } : {}),
        });
        if (options.json) print(JSON.stringify(outcome, null, 2));
        else if (outcome.runningElsewhere) print(formatRunningElsewhere(userName, outcome.runningElsewhere));
        else {
          print(`${outcome.started ? 'started' : 'already running'}: ${outcome.executionName}`);
          print(formatOffboarding(outcome.status));
        }
        return outcome.final && outcome.final.status !== 'SUCCEEDED' ? 1 : 0;
      }
      case 'cancel-offboarding': {
        const userName = requirePositional(rest, 'cancel-offboarding <userName>');
        const ctx = await context(options, print);
        if (ctx.mode === 'deployed') {
          if (values.as !== undefined) await cliIdentity(options, values.as); // refuses --as, as before
          return await cancelViaApi(ctx, userName, { json: options.json, print });
        }
        await ctx.local?.ready();
        if (approvalRequired(ctx.config, 'cancel')) {
          const pending = await requestCancelApproval(ctx, userName, await cliIdentity(options, values.as));
          print(options.json ? JSON.stringify(pending, null, 2) : formatPending(pending));
          return 0;
        }
        const outcome = await cancelUserOffboarding(ctx, userName, await cliCaller(ctx));
        if (options.json) print(JSON.stringify(outcome, null, 2));
        else {
          print(
            `${outcome.started ? 'restoring' : 'already restoring'}: ${outcome.restoreExecutionName} (stopped ${outcome.offboardingExecutionName})`,
          );
          print(formatOffboarding(outcome.status));
        }
        return 0;
      }
      case 'approve-offboarding': {
        const userName = requirePositional(rest, 'approve-offboarding <userName> [--cancel]');
        const action = values.cancel ? 'cancel' : 'offboard';
        const requestId = values['request-id'] ? { requestId: values['request-id'] } : {};
        if (!options.endpoint) {
          // Deployed, the API records its authenticated caller as the approver; --as is refused.
          if (values.as !== undefined) await cliIdentity(options, values.as);
          const ctx = await context(options, print);
          return await approveViaApi(ctx, userName, { action, ...requestId }, { json: options.json, print });
        }
        const approvedBy = await cliIdentity(options, values.as);
        const ctx = await context(options, print);
        await ctx.local?.ready();
        const outcome = await approveFromCli(ctx, userName, { action, approvedBy, ...requestId });
        if (options.json) print(JSON.stringify(outcome, null, 2));
        else {
          const started = outcome.offboarding
            ? `${outcome.offboarding.started ? 'started' : 'already running'}: ${outcome.offboarding.executionName}`
            : `${outcome.cancel?.started ? 'restoring' : 'already restoring'}: ${outcome.cancel?.restoreExecutionName}`;
          print(
            `approved ${outcome.request.action} request ${outcome.request.id} of ${outcome.request.requestedBy} as ${approvedBy}`,
          );
          print(started);
          print(formatOffboarding(outcome.offboardingStatus));
        }
        return outcome.final && outcome.final.status !== 'SUCCEEDED' ? 1 : 0;
      }
      case 'status': {
        const userName = requirePositional(rest, 'status <userName>');
        const ctx = await context(options, print);
        await ctx.local?.ready();
        const status = await userStatus(ctx, userName);
        print(options.json ? JSON.stringify(status, null, 2) : formatStatus(status));
        return 0;
      }
      case 'report': {
        if (options.json && values.csv) throw new ValidationError('report takes --json or --csv, not both');
        const ctx = await context(options, print);
        print(await runReport(ctx, { format: options.json ? 'json' : values.csv ? 'csv' : 'table' }));
        return 0;
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

/** Audit fields name the caller's STS identity, never a local user name anyone can set. */
async function cliCaller(ctx: CliContext): Promise<string> {
  return `cli:${await ctx.callerArn()}`;
}

function formatOffboarding(s: OffboardingStatus): string {
  const lines = [`offboarding of ${s.userName}: ${s.phase}${s.executionName ? ` (${s.executionName})` : ''}`];
  if (s.reason) lines.push(`  reason: ${s.reason}${s.requestedBy ? `, requested by ${s.requestedBy}` : ''}`);
  if (s.disabledAt) lines.push(`  disabled at ${s.disabledAt}; deletion due ${s.deleteAfter ?? 'unknown'}`);
  if (s.disabled) {
    const d = s.disabled;
    const ids = (label: string, values: readonly string[]) => (values.length > 0 ? [`${label} ${values.join(', ')}`] : []);
    const parts = [
      ...(d.consolePasswordDeleted ? ['console password deleted'] : []),
      ...ids('access keys', d.accessKeyIds),
      ...ids('SSH keys', d.sshPublicKeyIds),
      ...ids('signing certificates', d.signingCertificateIds),
      ...ids('service credentials', d.serviceSpecificCredentialIds),
      `deny policy ${d.denyPolicyArn} attached`,
    ];
    lines.push(`  disabled: ${parts.join('; ')}`);
  }
  if (s.reenabledCount) lines.push(`  re-enabled and disabled again ${s.reenabledCount} time(s)`);
  if (s.deletedAt) lines.push(`  user deleted at ${s.deletedAt}; final record ${s.finalRecordKey ?? ''}`);
  if (s.cancel) lines.push(`  cancelled: ${JSON.stringify(s.cancel)}`);
  if (s.error) lines.push(`  error: ${s.error.name ?? ''} ${s.error.cause ?? ''}`);
  return lines.join('\n');
}

function formatStatus(status: Awaited<ReturnType<typeof userStatus>>): string {
  const lines: string[] = [];
  const u = status.user;
  if (u) {
    lines.push(`${u.userName} (${u.path}): ${u.management.kind}${u.management.why ? ` - ${u.management.why}` : ''}`);
    for (const k of u.accessKeys) {
      lines.push(
        `  key ${k.accessKeyId} ${k.status}, ${k.ageDays} days old, last used ${k.lastUsedAt ?? 'never'}${k.isSecretCurrent ? ', in the secret (AWSCURRENT)' : ''}`,
      );
    }
    lines.push(`  secret ${u.secret.name}: ${u.secret.currentAccessKeyId ?? 'none'}`);
    for (const w of u.runningWorkflows) lines.push(`  running ${w.kind} ${w.executionName} since ${w.startedAt}`);
  }
  lines.push(formatOffboarding(status.offboarding));
  return lines.join('\n');
}

function requirePositional(rest: string[], usage: string): string {
  const value = rest[0];
  if (!value) throw new ValidationError(`missing argument: ${usage}`);
  return value;
}

async function context(options: GlobalOptions, print: Print): Promise<CliContext> {
  if (options.endpoint) {
    return localContext(options, options.json ? {} : { forwardNotifications: printingNotifier((l) => print(`  ${l}`)) });
  }
  return deployedContext(options);
}
