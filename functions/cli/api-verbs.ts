/**
 * The CLI's writing verbs in deployed mode: offboard, cancel-offboarding, approve-offboarding,
 * rotate and rollback go through the stack's HTTP API (functions/api/handler.ts) with the operator's
 * SigV4-signed credentials. The API records the authenticated caller and decides whether the
 * two-person rule applies; nothing here writes the records bucket or starts a workflow itself.
 */
import { ValidationError } from '../shared/errors';
import type { ExecutionSummary } from '../shared/workflows';
import { LifecycleApiClient, type ApiAnswer } from './api-client';
import type { CliContext } from './context';
import { pollUntilDone } from './rotate';

type Print = (line: string) => void;

export interface ApiVerbOptions {
  readonly json: boolean;
  readonly print: Print;
  /** Deployed `--wait`: poll the started execution until it ends (read-only, the operator's credentials). */
  readonly wait?: boolean;
  readonly pollMs?: number;
  /** How to wait (progress lines, Ctrl-C); default: poll quietly. */
  readonly waitFor?: (kind: 'rotation' | 'offboarding', executionName: string) => Promise<ExecutionSummary>;
  /** Called with how the waited-on execution ended, after it is printed (throws for failed/blocked). */
  readonly checkFinal?: (kind: 'rotation' | 'offboarding', executionName: string, final: ExecutionSummary) => Promise<void>;
}

/** What the API verbs use: the API client and, for `--wait`, where to poll the execution. */
export type ApiContext = Pick<CliContext, 'api' | 'workflows'>;

/** The signed client for the stack's ApiUrl output (or the local stack's unsigned one). */
export function apiClientFor(ctx: ApiContext): LifecycleApiClient {
  if (ctx.api) return ctx.api;
  throw new ValidationError(
    'the stack has no ApiUrl output; deployed, offboard/cancel/approve/rotate/rollback go through the API',
  );
}

const user = (userName: string) => encodeURIComponent(userName);

function str(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  return typeof value === 'string' ? value : '';
}

/** A 2xx answer that records a request awaiting another principal's approval. */
function printPending(answer: ApiAnswer, print: Print): boolean {
  const request = answer.body.request as Record<string, unknown> | undefined;
  if (answer.body.status !== 'pending-approval' || !request) return false;
  const action = str(request, 'action');
  const userName = str(request, 'userName') || str(answer.body, 'userName');
  print(
    `${answer.body.created ? 'recorded' : 'already pending'}: ${action} request ${str(request, 'id')} for ${userName} by ${str(request, 'requestedBy')}; ` +
      `nothing changes until another principal runs \`iam-lifecycle approve-offboarding ${userName}${action === 'cancel' ? ' --cancel' : ''}\` ` +
      `(expires ${str(request, 'expiresAt')})`,
  );
  return true;
}

async function finish(
  ctx: ApiContext,
  answer: ApiAnswer,
  options: ApiVerbOptions,
  kind: 'rotation' | 'offboarding',
  executionName: string | undefined,
): Promise<number> {
  let final: ExecutionSummary | undefined;
  if (options.wait && executionName && options.waitFor) {
    final = await options.waitFor(kind, executionName);
  } else if (options.wait && executionName) {
    final = await pollUntilDone(
      ctx.workflows,
      executionName,
      options.pollMs ?? 30_000,
      (s) => options.print(`${s.name}: ${s.status}`),
      kind,
    );
  }
  if (options.json) options.print(JSON.stringify({ ...answer.body, ...(final ? { final } : {}) }, null, 2));
  else if (final) options.print(`finished ${final.status}`);
  if (final && executionName && options.checkFinal) await options.checkFinal(kind, executionName, final);
  return final && final.status !== 'SUCCEEDED' ? 1 : 0;
}

export async function offboardViaApi(
  ctx: ApiContext,
  request: { userName: string; reason: string; observationDays?: number },
  options: ApiVerbOptions,
): Promise<number> {
  const answer = await apiClientFor(ctx).post('/offboardings', {
    userName: request.userName,
    reason: request.reason,
    ...(request.observationDays !== undefined ? { observationDays: request.observationDays } : {}),
  });
  if (!options.json && !printPending(answer, options.print)) {
    const since = str(answer.body, 'startedAt');
    options.print(
      answer.body.started
        ? `started: ${str(answer.body, 'executionName')}`
        : `already running: ${str(answer.body, 'executionName')}${since ? ` (since ${since})` : ''}; nothing new was started ` +
            'and the reason and requester recorded when it started stay as they are',
    );
  }
  const pending = answer.body.status === 'pending-approval';
  return finish(ctx, answer, options, 'offboarding', pending ? undefined : str(answer.body, 'executionName'));
}

export async function cancelViaApi(ctx: ApiContext, userName: string, options: ApiVerbOptions): Promise<number> {
  const answer = await apiClientFor(ctx).delete(`/offboardings/${user(userName)}`);
  if (!options.json && !printPending(answer, options.print)) {
    options.print(
      `${answer.body.started ? 'restoring' : 'already restoring'}: ${str(answer.body, 'restoreExecutionName')} (stopped ${str(answer.body, 'offboardingExecutionName')})`,
    );
  }
  return finish(ctx, answer, { ...options, wait: false }, 'offboarding', undefined);
}

export async function approveViaApi(
  ctx: ApiContext,
  userName: string,
  request: { action: 'offboard' | 'cancel'; requestId?: string },
  options: ApiVerbOptions,
): Promise<number> {
  const answer = await apiClientFor(ctx).post(`/offboardings/${user(userName)}/approval`, request);
  const b = answer.body;
  if (!options.json) {
    options.print(
      `approved ${str(b, 'action')} request ${str(b, 'requestId')} of ${str(b, 'requestedBy')} as ${str(b, 'approvedBy')}`,
    );
    options.print(
      b.action === 'cancel'
        ? `${b.started ? 'restoring' : 'already restoring'}: ${str(b, 'restoreExecutionName')}`
        : `${b.started ? 'started' : 'already running'}: ${str(b, 'executionName')}`,
    );
  }
  return finish(ctx, answer, { ...options, wait: false }, 'offboarding', undefined);
}

export async function rotateViaApi(ctx: ApiContext, userName: string, options: ApiVerbOptions): Promise<number> {
  const answer = await apiClientFor(ctx).post('/rotations', { userName });
  if (!options.json) {
    options.print(
      `${answer.body.started ? 'started' : 'already running'}: ${str(answer.body, 'executionName')} (retiring ${str(answer.body, 'accessKeyId')})`,
    );
  }
  return finish(ctx, answer, options, 'rotation', str(answer.body, 'executionName'));
}

export async function rollbackViaApi(ctx: ApiContext, userName: string, options: ApiVerbOptions): Promise<number> {
  const answer = await apiClientFor(ctx).post(`/rotations/${user(userName)}/rollback`, {});
  if (!options.json) {
    options.print(`reactivated ${str(answer.body, 'reactivatedAccessKeyId')} of ${userName}: ${str(answer.body, 'note')}`);
  }
  return finish(ctx, answer, { ...options, wait: false }, 'rotation', undefined);
}
