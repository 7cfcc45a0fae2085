/**
 * `iam-lifecycle local up|status|down`: the local stack that lives across commands
 * (functions/local/stack). `up` starts it as a detached background process (`local serve`, its
 * output in a log file) and waits until its API answers; `status` and `down` find it through the
 * state file in IAM_LIFECYCLE_HOME (default ~/.iam-lifecycle).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ValidationError } from '../shared/errors';
import type { ShutdownReport, StackHealth } from '../local/stack/control';
import { startLocalStack } from '../local/stack/server';
import {
  ensureHome,
  findStack,
  isAlive,
  logFilePath,
  stackHome,
  StackAlreadyRunningError,
  type StackState,
} from '../local/stack/state';
import { controlClient, formatLeftovers } from './stack-client';

type Print = (line: string) => void;

export interface LocalVerbInput {
  readonly sub?: string;
  readonly port?: string;
  readonly endpoint?: string;
  readonly configFile?: string;
  readonly timeScale?: number;
  readonly region?: string;
  readonly json: boolean;
  readonly print: Print;
  readonly printError: Print;
  readonly env?: NodeJS.ProcessEnv;
}

const BIN = join(__dirname, '..', '..', 'bin', 'iam-lifecycle.js');
const UP_TIMEOUT_MS = 60_000;
const DOWN_TIMEOUT_MS = 15_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function parsePort(port: string | undefined): number | undefined {
  if (port === undefined) return undefined;
  const value = Number(port);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new ValidationError('--port must be a port number (1-65535)');
  return value;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

function publicState(state: StackState): Omit<StackState, 'token'> {
  const { token: _token, ...rest } = state;
  return rest;
}

async function health(state: StackState): Promise<StackHealth | undefined> {
  try {
    return (await controlClient(state).get('/_local/health')).body as unknown as StackHealth;
  } catch {
    return undefined;
  }
}

function describeStack(state: StackState, h: StackHealth): string[] {
  const day = 86_400 / state.timeScale;
  return [
    `  API:       ${state.apiUrl} (loopback, unsigned; the caller is ${h.defaultCaller}, or --as NAME)`,
    `  endpoint:  ${state.endpoint} (${state.motoOwned ? 'moto started by the stack; its data goes when the stack stops' : 'not the stack’s own: its data stays when the stack stops'})`,
    `  time:      time scale ${state.timeScale} (a day lasts ${day >= 1 ? `${Math.round(day)} s` : `${Math.round(day * 1000)} ms`}); the scan runs every ${Math.round(h.scan.intervalMs / 1000)} s` +
      (state.timeScale === 1 ? ' (real time: `local up --time-scale 1440` makes a day last a minute)' : ''),
    ...(state.tapUrl
      ? [
          `  AWS:       ${state.tapUrl} (event tap: point the AWS CLI here to act like an account with CloudTrail on, e.g. aws --endpoint-url ${state.tapUrl} iam list-users)`,
        ]
      : []),
    `  log:       ${state.logFile}`,
  ];
}

function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function up(input: LocalVerbInput, home: string): Promise<number> {
  const port = parsePort(input.port);
  const found = findStack(home);
  if (found.kind === 'running') {
    input.print(
      `a local stack is already running (pid ${found.state.pid}, API ${found.state.apiUrl}, since ${found.state.startedAt}); stop it with \`iam-lifecycle local down\``,
    );
    return 0;
  }
  if (found.kind === 'stale')
    input.print(`removed a stale state file${found.state ? ` (pid ${found.state.pid} no longer runs)` : ''}`);
  ensureHome(home);
  const logFile = logFilePath(home);
  const fd = openSync(logFile, 'a', 0o600);
  const args = [
    '--no-warnings',
    BIN,
    'local',
    'serve',
    ...(port !== undefined ? ['--port', String(port)] : []),
    ...(input.endpoint ? ['--endpoint', input.endpoint] : []),
    ...(input.configFile ? ['--config', resolve(input.configFile)] : []),
    ...(input.timeScale !== undefined ? ['--time-scale', String(input.timeScale)] : []),
    ...(input.region ? ['--region', input.region] : []),
  ];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd], env: input.env ?? process.env });
  closeSync(fd);
  let exited = false;
  child.once('exit', () => (exited = true));
  child.unref();
  const deadline = Date.now() + UP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const now = findStack(home);
    if (now.kind === 'running' && now.state.pid === child.pid) {
      const h = await health(now.state);
      if (h) {
        if (input.json) input.print(JSON.stringify({ ...publicState(now.state), defaultCaller: h.defaultCaller }, null, 2));
        else {
          input.print(`local stack started (pid ${now.state.pid})`);
          for (const line of describeStack(now.state, h)) input.print(line);
          input.print('every verb now talks to it, from any terminal (or pass --local); stop it with `iam-lifecycle local down`');
        }
        return 0;
      }
    } else if (now.kind === 'running' && exited) {
      input.print(
        `a local stack is already running (pid ${now.state.pid}, API ${now.state.apiUrl}); it was started at the same time`,
      );
      return 0;
    }
    if (exited) {
      input.printError(`iam-lifecycle: the local stack did not start; the end of ${logFile}:\n${logTail(logFile)}`);
      return 1;
    }
    await sleep(200);
  }
  if (child.pid) process.kill(child.pid, 'SIGTERM');
  input.printError(`iam-lifecycle: the local stack did not answer within ${UP_TIMEOUT_MS / 1000} s; see ${logFile}`);
  return 1;
}

async function status(input: LocalVerbInput, home: string): Promise<number> {
  const found = findStack(home);
  if (found.kind !== 'running') {
    const stale =
      found.kind === 'stale'
        ? `removed a stale state file${found.state ? ` (pid ${found.state.pid} no longer runs)` : ''}; `
        : '';
    if (input.json) input.print(JSON.stringify({ running: false, staleStateRemoved: found.kind === 'stale' }, null, 2));
    else input.print(`${stale}no local stack is running (start one with \`iam-lifecycle local up\`)`);
    return 1;
  }
  const state = found.state;
  const h = await health(state);
  if (input.json) {
    input.print(JSON.stringify({ running: true, answering: h !== undefined, ...publicState(state), ...(h ?? {}) }, null, 2));
    return h ? 0 : 1;
  }
  if (!h) {
    input.print(`local stack pid ${state.pid} runs but its API at ${state.apiUrl} does not answer; see ${state.logFile}`);
    return 1;
  }
  input.print(`local stack running (pid ${state.pid}, up ${duration(h.uptimeSeconds)}, API answering)`);
  for (const line of describeStack(state, h)) input.print(line);
  const last = h.scan.last as { at: string; summary: string } | undefined;
  input.print(`  scan:      next at ${h.scan.nextAt ?? 'never'}${last ? `; last at ${last.at}: ${last.summary}` : ''}`);
  if (h.running.length === 0) input.print('  running workflows: none');
  else {
    input.print(`  running workflows (${h.running.length}):`);
    for (const w of h.running)
      input.print(`    ${w.kind} ${w.executionName}${w.userName ? ` of ${w.userName}` : ''} since ${w.startedAt}`);
  }
  return 0;
}

async function down(input: LocalVerbInput, home: string): Promise<number> {
  const found = findStack(home);
  if (found.kind !== 'running') {
    input.print(`no local stack is running${found.kind === 'stale' ? ' (removed a stale state file)' : ''}`);
    return 0;
  }
  const state = found.state;
  let report: ShutdownReport | undefined;
  try {
    report = (await controlClient(state).post('/_local/shutdown', {})).body as unknown as ShutdownReport;
  } catch {
    process.kill(state.pid, 'SIGTERM'); // its API does not answer: the signal stops it the same way
  }
  const deadline = Date.now() + DOWN_TIMEOUT_MS;
  while (isAlive(state.pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  findStack(home); // removes the state file if the process could not
  if (input.json) {
    input.print(JSON.stringify({ stopped: true, pid: state.pid, ...(report ?? { report: 'unavailable' }) }, null, 2));
    return 0;
  }
  input.print(`local stack stopped (pid ${state.pid})`);
  if (report) for (const line of formatLeftovers(report)) input.print(line);
  else input.print('  its API did not answer, so which workflows were running is unknown; it was stopped by signal');
  return 0;
}

/** The stack process itself (`local up` starts it; not meant to be run by hand). */
async function serve(input: LocalVerbInput, home: string): Promise<number> {
  let running;
  try {
    running = await startLocalStack({
      home,
      logFile: logFilePath(home),
      ...(input.port !== undefined ? { port: parsePort(input.port)! } : {}),
      ...(input.endpoint ? { endpoint: input.endpoint } : {}),
      ...(input.configFile ? { configFile: input.configFile } : {}),
      ...(input.timeScale !== undefined ? { timeScale: input.timeScale } : {}),
      ...(input.region ? { region: input.region } : {}),
      log: (line) => input.print(line),
    });
  } catch (error) {
    if (error instanceof StackAlreadyRunningError) {
      input.printError(`iam-lifecycle: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const stop = () => void running.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await running.done;
  // Workflows still waiting hold timers: the stack's end is the process's end.
  process.exit(0);
}

export async function localCommand(input: LocalVerbInput): Promise<number> {
  const home = stackHome(input.env);
  if (input.sub === 'status' || input.sub === 'down') {
    const given = [
      ['--port', input.port],
      ['--endpoint', input.endpoint],
      ['--config', input.configFile],
      ['--time-scale', input.timeScale],
      ['--region', input.region],
    ].filter(([, value]) => value !== undefined);
    if (given.length > 0) {
      throw new ValidationError(
        `local ${input.sub} does not take ${given.map(([name]) => name).join(', ')} (they are for local up)`,
      );
    }
  }
  switch (input.sub) {
    case 'up':
      return up(input, home);
    case 'status':
      return status(input, home);
    case 'down':
      return down(input, home);
    case 'serve':
      return serve(input, home);
    default:
      throw new ValidationError(
        input.sub === undefined
          ? 'missing argument: local up|status|down'
          : `unknown local command "${input.sub}" (up, status or down)`,
      );
  }
}
