/**
 * `iam-lifecycle expose ACCESS_KEY_ID --reason TEXT [--wait]`: the manual trigger of the exposure
 * response (issue 8, reaction 6). In-process local mode (--endpoint) the response runs here and the
 * command waits for it (progress, Ctrl-C left-state paragraph). Through the running local stack and
 * deployed it is `POST /exposures {"accessKeyId","reason"}`; `--wait` follows it in the local stack
 * (its executions route). Deployed, the response runs in Step Functions: `--wait` is refused there
 * (no API route reads an exposure execution), never ignored.
 */
import type { Command } from 'commander';
import { startExposureResponse, validateExposureRequest } from '../../exposure/start';
import type { StackState } from '../../local/stack/state';
import { ValidationError } from '../../shared/errors';
import type { ExecutionSummary } from '../../shared/workflows';
import type { LifecycleApiClient } from '../api-client';
import { EXIT } from '../exit-codes';
import type { LeftWorkflow } from '../left-state';
import { apiClient, reaching, StackWorkflows } from '../stack-client';
import { stackFor } from '../stack-routing';
import { awaitWorkflow, checkFinal, openContext, WorkflowFailedError, type Print, type Session } from '../session';
import { cliCaller } from './common';
import { givenOptions } from './stack';

export interface ExposeOptions {
  readonly reason?: string;
  readonly wait?: boolean;
}

export interface ExposureAnswer {
  readonly executionName: string;
  readonly started: boolean;
  readonly userName: string;
}

/** One line per started (or joined) response. */
export function exposureLine(accessKeyId: string, a: ExposureAnswer): string {
  return `exposure response for ${accessKeyId} (user ${a.userName}): ${a.started ? 'started' : 'already running or ran'} ${a.executionName}`;
}

/** The final output of an exposure execution in one line (no secrets are in it: key ids and the activity summary only). */
export function finalLine(final: ExecutionSummary): string {
  return `finished ${final.status}: ${JSON.stringify(final.output ?? { error: final.error, cause: final.cause })}`;
}

/** POST /exposures on an API (the local stack's or the deployed one); 404 (unknown key) throws ApiRefusedError. */
export async function postExposure(
  api: Pick<LifecycleApiClient, 'post'>,
  accessKeyId: string,
  reason: string,
): Promise<ExposureAnswer & Record<string, unknown>> {
  const answer = await api.post('/exposures', { accessKeyId, reason });
  return answer.body as unknown as ExposureAnswer & Record<string, unknown>;
}

/** Polls the local stack's execution until it leaves RUNNING. */
export async function waitInStack(state: StackState, executionName: string, pollMs = 250): Promise<ExecutionSummary> {
  const workflows = new StackWorkflows(state);
  for (;;) {
    const summary = await workflows.describe('exposure', executionName);
    if (summary && summary.status !== 'RUNNING') return summary;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** As every routed verb: the running stack has its own config, time scale and region. */
export function refuseStackOptions(given: readonly string[]): void {
  const refused = ['config', 'time-scale', 'region'].filter((name) => given.includes(name));
  if (refused.length > 0) {
    throw new ValidationError(
      `${refused.map((n) => `--${n}`).join(', ')}: the running local stack has its own (set them with \`iam-lifecycle local up\`); nothing was done`,
    );
  }
}

function checkRequest(accessKeyId: string, opts: ExposeOptions): string {
  if (!opts.reason) throw new ValidationError('expose needs --reason TEXT (it is in the notification); nothing was done');
  validateExposureRequest({ accessKeyId, reason: opts.reason, source: 'cli' });
  return opts.reason;
}

async function viaStack(state: StackState, print: Print, json: boolean, accessKeyId: string, reason: string, wait: boolean) {
  const answer = await reaching(state, () => postExposure(apiClient(state), accessKeyId, reason));
  if (!json) print(exposureLine(accessKeyId, answer));
  const final = wait ? await reaching(state, () => waitInStack(state, answer.executionName)) : undefined;
  if (json) print(JSON.stringify({ ...answer, ...(final ? { final } : {}) }, null, 2));
  else if (final) print(finalLine(final));
  else print('the response runs in the local stack; its notification is in the stack log (`iam-lifecycle local status`)');
  if (final && final.status !== 'SUCCEEDED') {
    throw new WorkflowFailedError(`the exposure response ${answer.executionName} ended ${final.status}: ${final.error ?? ''}`);
  }
  return EXIT.done;
}

export async function exposeCommand(session: Session, cmd: Command, accessKeyId: string, opts: ExposeOptions): Promise<number> {
  const { print, options } = session;
  const reason = checkRequest(accessKeyId, opts);
  const { given, values } = givenOptions(cmd);
  const state = stackFor({ command: 'expose', given, values });
  if (state) {
    refuseStackOptions(given);
    if (!options.json) session.printError(`(via the local stack at ${state.apiUrl}; --endpoint or --stack go elsewhere)`);
    return viaStack(state, print, options.json, accessKeyId, reason, opts.wait ?? false);
  }
  if (!options.endpoint && opts.wait) {
    throw new ValidationError(
      '--wait is for local mode: deployed, the response runs in Step Functions and its `key.exposed` notification reports it; nothing was done',
    );
  }
  const ctx = await openContext(session);
  if (ctx.mode === 'deployed') {
    if (!ctx.api) throw new ValidationError('the deployed stack has no API (no ApiUrl output); nothing was done');
    const answer = await postExposure(ctx.api, accessKeyId, reason);
    print(options.json ? JSON.stringify(answer, null, 2) : exposureLine(accessKeyId, answer));
    return EXIT.done;
  }
  // Local mode: the response runs in this process, so the command waits for it.
  const local = ctx.local!;
  await local.ready(); // the containment policy the response attaches
  const started = await startExposureResponse(
    { iam: local.iam, workflows: local.workflows },
    { accessKeyId, reason, source: 'cli', requestedBy: await cliCaller(ctx) },
  );
  if (!options.json) print(exposureLine(accessKeyId, started));
  const w: LeftWorkflow = {
    kind: 'exposure',
    userName: started.userName,
    executionName: started.executionName,
    oldAccessKeyId: accessKeyId,
  };
  const final = await awaitWorkflow(session, ctx, w, () => local.workflows.wait('exposure', started.executionName));
  print(options.json ? JSON.stringify({ ...started, accessKeyId, final }, null, 2) : finalLine(final));
  await checkFinal(session, ctx, w, final);
  return EXIT.done;
}
