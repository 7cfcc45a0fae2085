/**
 * The commander side of the local stack (functions/cli/stack-routing.ts): which options a verb was
 * given, whether it goes to a running stack, and the read-only context that previews and the report
 * use there (the stack's endpoint and config, its workflows read through its local routes).
 */
import type { Command } from 'commander';
import type { StackState } from '../../local/stack/state';
import { ValidationError } from '../../shared/errors';
import { localContext, type CliContext } from '../context';
import { formatStatus } from '../format';
import { openContext, type Session } from '../session';
import { StackWorkflows } from '../stack-client';
import { stackFor, viaLocalStack, type RoutingInput } from '../stack-routing';
import { refuseAccount } from '../account';

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The options given on the command line (kebab-case names) and their values, as the routing reads them. */
export function givenOptions(cmd: Command): { given: string[]; values: RoutingInput['values'] } {
  const all = cmd.optsWithGlobals<Record<string, unknown>>();
  const entries = Object.entries(all).filter(([, value]) => value !== undefined && value !== false);
  const values = Object.fromEntries(
    entries.map(([name, value]) => [kebab(name), typeof value === 'number' ? String(value) : value]),
  ) as RoutingInput['values'];
  return { given: entries.map(([name]) => kebab(name)), values };
}

/** The running local stack this verb goes to (`--local`, or found on its own), if any. */
export function stackOf(cmd: Command, command: string): StackState | undefined {
  const { given, values } = givenOptions(cmd);
  return stackFor({ command, given, values });
}

/** Runs a state-changing or status verb through the stack's API; undefined when no stack takes it. */
export async function throughStack(
  session: Session,
  cmd: Command,
  command: string,
  userName?: string,
): Promise<number | undefined> {
  const { given, values } = givenOptions(cmd);
  const state = stackFor({ command, given, values });
  if (!state) return undefined;
  refuseAccount(session.options.account, 'the running local stack yet (use --endpoint with an organization config)');
  return viaLocalStack(state, {
    command,
    ...(userName !== undefined ? { userName } : {}),
    given,
    values,
    print: session.print,
    printError: session.printError,
    formatStatus: formatStatus as (status: never) => string,
  });
}

/**
 * Read-only verbs (previews, the report) against a running stack: its endpoint and config, and its
 * workflows as the stack sees them, so "already running" and running executions are the stack's.
 */
export async function stackReadContext(session: Session, cmd: Command, state: StackState): Promise<CliContext> {
  const refused = givenOptions(cmd).given.filter((name) => ['config', 'time-scale', 'region'].includes(name));
  if (refused.length > 0) {
    throw new ValidationError(
      `${refused.map((n) => `--${n}`).join(', ')}: the running local stack has its own (set them with \`iam-lifecycle local up\`); nothing was done`,
    );
  }
  if (!session.options.json) session.printError(`(via the local stack at ${state.apiUrl}; --endpoint or --stack go elsewhere)`);
  const ctx = await localContext({
    endpoint: state.endpoint,
    stack: session.options.stack,
    json: session.options.json,
    timeScale: state.timeScale,
    ...(state.configFile ? { configFile: state.configFile } : {}),
  });
  return { ...ctx, workflows: new StackWorkflows(state) };
}

/**
 * Where a read-only verb (a preview, the report) reads: the running local stack, the endpoint, or
 * the deployed account. Locally the default time-scale note is printed: ages and times depend on it.
 */
export async function readOnlyContext(session: Session, cmd: Command, command: string): Promise<CliContext> {
  const state = stackOf(cmd, command);
  return state ? stackReadContext(session, cmd, state) : openContext(session);
}
