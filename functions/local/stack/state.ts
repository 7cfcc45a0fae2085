/**
 * The local stack's state file: where a running `iam-lifecycle local up` process can be found by
 * every other command (any terminal). One JSON file under `IAM_LIFECYCLE_HOME` (default
 * `~/.iam-lifecycle`), written by the stack process itself once its API listens, removed when it
 * stops. The directory is 0700 and the file 0600: the file holds the token of the control routes.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LifecycleError } from '../../shared/errors';

export interface StackState {
  readonly pid: number;
  /** The loopback HTTP API, e.g. `http://127.0.0.1:4510/`. */
  readonly apiUrl: string;
  /** The AWS API endpoint the stack acts on (moto, LocalStack). */
  readonly endpoint: string;
  /** True when the stack started that moto itself: its data goes when the stack stops. */
  readonly motoOwned: boolean;
  readonly timeScale: number;
  readonly logFile: string;
  readonly startedAt: string;
  /** Required by the control routes (`/_local/...`) in the `x-iam-lifecycle-token` header. */
  readonly token: string;
  readonly configFile?: string;
  /** The event tap (functions/local/event-tap.ts): an AWS endpoint that emits CloudTrail events. */
  readonly tapUrl?: string;
}

/** Another stack already runs (or a concurrent `local up` won the race). */
export class StackAlreadyRunningError extends LifecycleError {
  constructor(readonly state: StackState) {
    super(`a local stack is already running (pid ${state.pid}, API ${state.apiUrl})`);
  }
}

export function stackHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.IAM_LIFECYCLE_HOME && env.IAM_LIFECYCLE_HOME.trim() !== ''
    ? env.IAM_LIFECYCLE_HOME
    : join(homedir(), '.iam-lifecycle');
}

export function stateFilePath(home: string): string {
  return join(home, 'local-stack.json');
}

export function logFilePath(home: string): string {
  return join(home, 'local-stack.log');
}

export function ensureHome(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
}

const FIELDS: Record<keyof StackState, 'number' | 'string' | 'boolean'> = {
  pid: 'number',
  apiUrl: 'string',
  endpoint: 'string',
  motoOwned: 'boolean',
  timeScale: 'number',
  logFile: 'string',
  startedAt: 'string',
  token: 'string',
  configFile: 'string',
  tapUrl: 'string',
};

/** The parsed state, or undefined when the text is not a state file this version wrote. */
export function parseState(text: string): StackState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  for (const [field, type] of Object.entries(FIELDS)) {
    if ((field === 'configFile' || field === 'tapUrl') && record[field] === undefined) continue;
    if (typeof record[field] !== type) return undefined;
  }
  if (!Number.isInteger(record.pid) || (record.pid as number) <= 0) return undefined;
  return record as unknown as StackState;
}

export function readState(home: string): StackState | undefined | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(stateFilePath(home), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseState(text) ?? 'unreadable';
}

/** Whether a process with this id exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type FoundStack =
  | { readonly kind: 'none' }
  | { readonly kind: 'running'; readonly state: StackState }
  /** The file named a process that no longer runs (or was unreadable): it has been removed. */
  | { readonly kind: 'stale'; readonly state?: StackState };

/** Finds the running stack; a stale state file (dead pid, unreadable) is removed. */
export function findStack(home: string, alive: (pid: number) => boolean = isAlive): FoundStack {
  const state = readState(home);
  if (state === undefined) return { kind: 'none' };
  if (state !== 'unreadable' && alive(state.pid)) return { kind: 'running', state };
  rmSync(stateFilePath(home), { force: true });
  return state === 'unreadable' ? { kind: 'stale' } : { kind: 'stale', state };
}

/**
 * Writes the state file only if none exists: written whole to a temporary file, then linked to its
 * name (link fails if the name exists), so a reader never sees half a file and of two stacks started
 * at once one wins and the other is told which one runs. A stale file is replaced.
 */
export function writeStateExclusive(home: string, state: StackState, alive: (pid: number) => boolean = isAlive): void {
  ensureHome(home);
  const temporary = `${stateFilePath(home)}.${state.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(temporary, stateFilePath(home));
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const found = findStack(home, alive);
        if (found.kind === 'running') throw new StackAlreadyRunningError(found.state);
      }
    }
    throw new Error(`cannot write ${stateFilePath(home)}`);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Removes the state file if it is this process's own (a newer stack's file is left alone). */
export function removeOwnState(home: string, pid: number): void {
  const state = readState(home);
  if (state !== undefined && state !== 'unreadable' && state.pid === pid) rmSync(stateFilePath(home), { force: true });
}
