/**
 * Deployed `--wait`: polls the started execution (read-only, the operator's credentials), feeds the
 * state it reads from the execution history to the progress lines, and handles Ctrl-C and the end
 * as local waits do (functions/cli/session.ts).
 */
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import type { ExecutionSummary, WorkflowKind } from '../shared/workflows';
import type { ApiVerbOptions } from './api-verbs';
import type { CliContext } from './context';
import type { LeftWorkflow } from './left-state';
import { Progress } from './progress';
import { awaitWorkflow, checkFinal, type Session } from './session';

/** The state the execution entered last, from its history (undefined when it cannot be read). */
async function lastEntered(ctx: CliContext, executionArn: string) {
  try {
    const history = await ctx.clients.sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 25, includeExecutionData: true }),
    );
    const event = history.events?.find((e) => e.type?.endsWith('StateEntered') && e.stateEnteredEventDetails?.name);
    if (!event?.stateEnteredEventDetails?.name) return undefined;
    const text = event.stateEnteredEventDetails.input;
    let input: unknown;
    try {
      input = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      input = undefined;
    }
    return { stateName: event.stateEnteredEventDetails.name, at: event.timestamp ?? new Date(), input, id: event.id };
  } catch {
    return undefined; // progress is best effort; the status poll decides the end
  }
}

export async function pollWithProgress(
  ctx: CliContext,
  kind: WorkflowKind,
  executionName: string,
  progress: Progress | undefined,
  intervalMs: number,
): Promise<ExecutionSummary> {
  let seen: number | undefined;
  for (;;) {
    const summary = await ctx.workflows.describe(kind, executionName);
    if (!summary) throw new Error(`execution ${executionName} not found`);
    if (progress) {
      const state = await lastEntered(ctx, summary.executionArn);
      if (state && state.id !== seen) {
        seen = state.id;
        progress.entered(kind, executionName, state.stateName, state.at, state.input);
      }
    }
    if (summary.status !== 'RUNNING') return summary;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The waitFor/checkFinal hooks of the API verbs for `--wait`. */
export function deployedWaitHooks(
  session: Session,
  ctx: CliContext,
  userName: string,
  intervalMs = 5000,
): Pick<ApiVerbOptions, 'waitFor' | 'checkFinal'> {
  const progress = session.options.json ? undefined : new Progress(session.print);
  const left = async (kind: WorkflowKind, executionName: string): Promise<LeftWorkflow> => {
    const input = (await ctx.workflows.describe(kind, executionName))?.input as { accessKeyId?: string } | undefined;
    return { kind, userName, executionName, ...(input?.accessKeyId ? { oldAccessKeyId: input.accessKeyId } : {}) };
  };
  return {
    waitFor: async (kind, executionName) =>
      awaitWorkflow(session, { ...ctx, ...(progress ? { progress } : {}) }, await left(kind, executionName), () =>
        pollWithProgress(ctx, kind, executionName, progress, intervalMs),
      ),
    checkFinal: async (kind, executionName, final) => checkFinal(session, ctx, await left(kind, executionName), final),
  };
}
