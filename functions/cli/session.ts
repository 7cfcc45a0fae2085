/**
 * One CLI invocation: its printers, its global options, the context it acts in (local: endpoint
 * probed, default time scale, progress lines; deployed: the stack) and how it waits on a workflow
 * (progress, Ctrl-C, and the paragraph that says what state is left).
 */
import { withAccount } from './account';
import { readFileSync } from 'node:fs';
import type { ExecutionSummary } from '../shared/workflows';
import { deployedContext, localContext, printingNotifier, type CliContext, type GlobalOptions } from './context';
import { probeEndpoint } from './endpoint';
import { CliError, WorkflowBlockedError } from './errors';
import { EXIT } from './exit-codes';
import { leftStateParagraph, type LeftWorkflow } from './left-state';
import { Progress } from './progress';

export type Print = (line: string) => void;

/** Local mode without a timeScale from the flag or the config file: a day lasts a second. */
export const DEFAULT_LOCAL_TIME_SCALE = 86400;
/**
 * `local up` without a timeScale: a day lasts a minute, so an offboarding's observation leaves time
 * to run `status` and `cancel-offboarding` from another terminal, and nothing waits for real days.
 */
export const DEFAULT_STACK_TIME_SCALE = 1440;

/** Ctrl-C while a command waits. */
export class InterruptedError extends CliError {
  constructor(message: string) {
    super(message, EXIT.interrupted);
  }
}

/** The workflow the command waited on ended FAILED, ABORTED or TIMED_OUT. */
export class WorkflowFailedError extends CliError {
  constructor(message: string) {
    super(message, EXIT.failed);
  }
}

export interface Session {
  readonly print: Print;
  readonly printError: Print;
  readonly options: GlobalOptions;
  /** Emits SIGINT (the process; tests may pass their own). */
  readonly signals?: NodeJS.EventEmitter;
}

/** The flags that point a follow-up command at the same target (`--endpoint URL --config FILE`). */
export function targetFlags(options: GlobalOptions): string {
  if (!options.endpoint) return options.stack !== 'IamUserLifecycle' ? ` --stack ${options.stack}` : '';
  return ` --endpoint ${options.endpoint}${options.configFile ? ` --config ${options.configFile}` : ''}`;
}

export function configSetsTimeScale(configFile: string | undefined): boolean {
  if (!configFile) return false;
  try {
    const raw = JSON.parse(readFileSync(configFile, 'utf8')) as unknown;
    return typeof raw === 'object' && raw !== null && 'timeScale' in raw;
  } catch {
    return false; // loadCliConfig reports the unreadable file
  }
}

export interface OpenContext extends CliContext {
  readonly progress?: Progress;
}

/** `quiet`: the verb starts no workflow (status, rollback), so the time-scale note says nothing useful. */
export async function openContext(
  session: Session,
  { quiet = false, verb }: { quiet?: boolean; verb?: string } = {},
): Promise<OpenContext> {
  const { options, print } = session;
  if (!options.endpoint) return withAccount(await deployedContext(options), options.account, verb);
  await probeEndpoint(options.endpoint);
  let local = options;
  if (options.timeScale === undefined && !configSetsTimeScale(options.configFile)) {
    local = { ...options, timeScale: DEFAULT_LOCAL_TIME_SCALE };
    const note =
      `note: local mode runs at --time-scale ${DEFAULT_LOCAL_TIME_SCALE} (a day lasts a second: a rotation's 7-day grace period takes 7 s); ` +
      'pass --time-scale 1 (or timeScale in --config) for real time';
    if (!quiet) (options.json ? session.printError : print)(note);
  }
  const progress = options.json ? undefined : new Progress(print);
  const ctx = await localContext(local, {
    ...(options.json ? {} : { forwardNotifications: printingNotifier((l) => print(`  ${l}`)) }),
    ...(progress ? { onEvent: progress.onEvent } : {}),
  });
  return withAccount({ ...ctx, ...(progress ? { progress } : {}) }, options.account, verb);
}

/** Resolves with `work`, or rejects once SIGINT arrives (the listener is removed either way). */
export async function untilInterrupted<T>(work: Promise<T>, signals: NodeJS.EventEmitter = process): Promise<T | 'interrupted'> {
  let onSignal: (() => void) | undefined;
  const interrupted = new Promise<'interrupted'>((resolve) => {
    onSignal = () => resolve('interrupted');
    signals.once('SIGINT', onSignal);
  });
  try {
    return await Promise.race([work, interrupted]);
  } finally {
    if (onSignal) signals.removeListener('SIGINT', onSignal);
  }
}

/**
 * Waits for a workflow with progress lines; Ctrl-C ends the wait with InterruptedError (exit 130)
 * carrying the paragraph on what state the user is left in.
 */
export async function awaitWorkflow(
  session: Session,
  ctx: OpenContext,
  w: LeftWorkflow,
  wait: () => Promise<ExecutionSummary>,
): Promise<ExecutionSummary> {
  ctx.progress?.start();
  try {
    const result = await untilInterrupted(wait(), session.signals);
    if (result !== 'interrupted') return result;
  } finally {
    ctx.progress?.stop();
  }
  // Local workflows die with this process: stop this one now so the state read below stays true.
  await ctx.local?.workflows.stop(w.kind, w.executionName, { error: 'Interrupted', cause: 'Ctrl-C in the CLI' });
  const paragraph = await leftStateParagraph(ctx, w, {
    interrupted: true,
    target: targetFlags(session.options),
    ...(session.options.endpoint ? { endpoint: session.options.endpoint } : {}),
  });
  throw new InterruptedError(paragraph);
}

/**
 * How the waited-on workflow ended: FAILED/ABORTED/TIMED_OUT throws WorkflowFailedError (exit 1)
 * with the left-state paragraph; a run that ended "blocked" throws WorkflowBlockedError (exit 3).
 */
export async function checkFinal(session: Session, ctx: CliContext, w: LeftWorkflow, final: ExecutionSummary): Promise<void> {
  if (final.status === 'SUCCEEDED') {
    const output = final.output as { status?: string; reason?: string; code?: string } | undefined;
    if (output?.status === 'blocked') {
      throw new WorkflowBlockedError(
        `the ${w.kind} ${w.executionName} ran and was blocked: ${output.reason ?? output.code ?? 'no reason given'}; nothing was changed`,
      );
    }
    return;
  }
  if (final.status === 'RUNNING') return;
  const paragraph = await leftStateParagraph(ctx, w, {
    interrupted: false,
    final,
    target: targetFlags(session.options),
    ...(session.options.endpoint ? { endpoint: session.options.endpoint } : {}),
  });
  throw new WorkflowFailedError(paragraph);
}
