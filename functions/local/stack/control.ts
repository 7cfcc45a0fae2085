/**
 * The local stack's own routes, beside the deployed API's: loopback only, and only for a caller that
 * holds the token from the state file (0600 in IAM_LIFECYCLE_HOME). `local status`, `local down`,
 * `scan` and `status` use them; everything the deployed API does goes through the API routes.
 */
import { timingSafeEqual } from 'node:crypto';
import { LifecycleError, UserNotFoundError, ValidationError } from '../../shared/errors';
import type { ExecutionSummary, WorkflowKind, WorkflowPort } from '../../shared/workflows';
import { requireUserName } from '../../api/validation';
import type { ScanSummary } from '../../scan/handler';
import type { LeftWorkflow } from './leftover';
import type { ScanSchedule } from './scheduler';
import type { StackState } from './state';

export const CONTROL_PREFIX = '/_local/';
export const TOKEN_HEADER = 'x-iam-lifecycle-token';

export interface RunningWorkflow {
  readonly kind: WorkflowKind;
  readonly executionName: string;
  readonly userName?: string;
  readonly startedAt: string;
}

export interface StackHealth {
  readonly pid: number;
  readonly apiUrl: string;
  readonly endpoint: string;
  readonly motoOwned: boolean;
  readonly timeScale: number;
  readonly startedAt: string;
  readonly uptimeSeconds: number;
  readonly defaultCaller: string;
  readonly scan: { readonly intervalMs: number; readonly nextAt?: string; readonly last?: unknown };
  readonly running: readonly RunningWorkflow[];
}

export interface ShutdownReport {
  readonly endpoint: string;
  readonly motoOwned: boolean;
  readonly left: readonly LeftWorkflow[];
}

export interface ControlDeps {
  readonly state: () => StackState;
  readonly defaultCaller: string;
  readonly workflows: WorkflowPort;
  readonly schedule: ScanSchedule;
  readonly clock: () => Date;
  scan(dryRun: boolean): Promise<ScanSummary>;
  userStatus(userName: string): Promise<unknown>;
  /** Computes the report, then stops the stack once the answer is sent. */
  shutdown(): Promise<ShutdownReport>;
}

export interface ControlAnswer {
  readonly status: number;
  readonly body: unknown;
}

export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function runningWorkflows(workflows: WorkflowPort): Promise<RunningWorkflow[]> {
  const running = [
    ...(await workflows.list('rotation', { runningOnly: true })),
    ...(await workflows.list('offboarding', { runningOnly: true })),
    ...(await workflows.list('exposure', { runningOnly: true })),
  ];
  return running.map((e) => {
    const input = (e.input ?? {}) as { userName?: unknown };
    return {
      kind: e.kind,
      executionName: e.name,
      ...(typeof input.userName === 'string' ? { userName: input.userName } : {}),
      startedAt: e.startDate.toISOString(),
    };
  });
}

function parseBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  const value = JSON.parse(body) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ValidationError('body must be a JSON object');
  return value as Record<string, unknown>;
}

function errorAnswer(error: unknown): ControlAnswer {
  const err = error as Error;
  if (error instanceof SyntaxError) return { status: 400, body: { error: 'ValidationError', message: 'body is not valid JSON' } };
  if (error instanceof ValidationError) return { status: 400, body: { error: err.name, message: err.message } };
  if (error instanceof UserNotFoundError) return { status: 404, body: { error: err.name, message: err.message } };
  if (error instanceof LifecycleError) return { status: 409, body: { error: err.name, message: err.message } };
  return { status: 500, body: { error: 'InternalError', message: 'the request failed; see the local stack log' } };
}

const summaryJson = (s: ExecutionSummary) => ({
  ...s,
  startDate: s.startDate.toISOString(),
  ...(s.stopDate ? { stopDate: s.stopDate.toISOString() } : {}),
});

/** Answers a `/_local/...` request (token already checked). */
export async function controlRoute(deps: ControlDeps, method: string, path: string, body: string): Promise<ControlAnswer> {
  const parts = path.slice(CONTROL_PREFIX.length).split('/').map(decodeURIComponent);
  const route = `${method} ${parts[0] ?? ''}`;
  try {
    switch (route) {
      case 'GET health': {
        const state = deps.state();
        const health: StackHealth = {
          pid: state.pid,
          apiUrl: state.apiUrl,
          endpoint: state.endpoint,
          motoOwned: state.motoOwned,
          timeScale: state.timeScale,
          startedAt: state.startedAt,
          uptimeSeconds: Math.round((deps.clock().getTime() - Date.parse(state.startedAt)) / 1000),
          defaultCaller: deps.defaultCaller,
          scan: {
            intervalMs: deps.schedule.intervalMs,
            ...(deps.schedule.nextAt() ? { nextAt: deps.schedule.nextAt() } : {}),
            ...(deps.schedule.last() ? { last: deps.schedule.last() } : {}),
          },
          running: await runningWorkflows(deps.workflows),
        };
        return { status: 200, body: health };
      }
      case 'POST scan': {
        const request = parseBody(body);
        const unknown = Object.keys(request).filter((k) => k !== 'dryRun');
        if (unknown.length > 0 || (request.dryRun !== undefined && typeof request.dryRun !== 'boolean'))
          throw new ValidationError('scan takes { "dryRun": boolean } only');
        return { status: 200, body: await deps.scan(request.dryRun === true) };
      }
      case 'GET status':
        return { status: 200, body: await deps.userStatus(requireUserName(parts[1])) };
      case 'GET executions': {
        const kind = parts[1];
        if (kind !== 'rotation' && kind !== 'offboarding' && kind !== 'exposure')
          throw new ValidationError('kind must be rotation, offboarding or exposure');
        // Without a name: every execution of the kind (read-only previews and the report list them).
        if (!parts[2]) return { status: 200, body: { executions: (await deps.workflows.list(kind)).map(summaryJson) } };
        const summary = await deps.workflows.describe(kind, parts[2] ?? '');
        if (!summary) return { status: 404, body: { error: 'NotFound', message: `no ${kind} execution ${parts[2] ?? ''}` } };
        return { status: 200, body: summaryJson(summary) };
      }
      case 'POST shutdown':
        return { status: 200, body: await deps.shutdown() };
      default:
        return { status: 404, body: { error: 'NotFound', message: `no local route ${method} ${path}` } };
    }
  } catch (error) {
    return errorAnswer(error);
  }
}
