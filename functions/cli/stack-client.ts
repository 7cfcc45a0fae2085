/** Talking to a running local stack (functions/local/stack) from any CLI process. */
import { LifecycleError } from '../shared/errors';
import type { ExecutionSummary, StartResult, WorkflowKind, WorkflowPort } from '../shared/workflows';
import { CALLER_HEADER } from '../local/stack/http-event';
import { TOKEN_HEADER, type ShutdownReport } from '../local/stack/control';
import type { StackState } from '../local/stack/state';
import { ApiRefusedError, LifecycleApiClient } from './api-client';

/** The stack's process runs but its API does not answer. */
export class LocalStackUnreachableError extends LifecycleError {
  constructor(state: StackState) {
    super(
      `the local stack (pid ${state.pid}) does not answer at ${state.apiUrl}; see ${state.logFile}, ` +
        'or restart it: `iam-lifecycle local down` then `iam-lifecycle local up`',
    );
  }
}

/** The stack's API routes, unsigned on loopback; `as` names the caller (`--as`). */
export function apiClient(state: StackState, as?: string): LifecycleApiClient {
  return LifecycleApiClient.unsigned(state.apiUrl, as !== undefined ? { [CALLER_HEADER]: as } : {});
}

/** The stack's own routes (`/_local/...`): the token from the state file. */
export function controlClient(state: StackState): LifecycleApiClient {
  return LifecycleApiClient.unsigned(state.apiUrl, { [TOKEN_HEADER]: state.token });
}

/** Turns "connection refused" into the one line that says what to do. */
export async function reaching<T>(state: StackState, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiRefusedError || error instanceof LifecycleError) throw error;
    if ((error as Error).name === 'TypeError') throw new LocalStackUnreachableError(state);
    throw error;
  }
}

function revive(body: Record<string, unknown>): ExecutionSummary {
  return {
    ...(body as unknown as ExecutionSummary),
    startDate: new Date(String(body.startDate)),
    ...(typeof body.stopDate === 'string' ? { stopDate: new Date(body.stopDate) } : {}),
  };
}

/** The stack's executions as far as `--wait`, previews and the report need them: describe and list (read-only). */
export class StackWorkflows implements WorkflowPort {
  constructor(private readonly state: StackState) {}

  async describe(kind: WorkflowKind, name: string): Promise<ExecutionSummary | undefined> {
    try {
      const answer = await reaching(this.state, () =>
        controlClient(this.state).get(`/_local/executions/${kind}/${encodeURIComponent(name)}`),
      );
      return revive(answer.body);
    } catch (error) {
      if (error instanceof ApiRefusedError && error.status === 404) return undefined;
      throw error;
    }
  }
  executionArn(kind: WorkflowKind, name: string): string {
    return `arn:aws:states:us-east-1:123456789012:execution:local-${kind}:${name}`;
  }
  private unavailable(): never {
    throw new Error('only describe and list are available through the local stack');
  }
  start(): Promise<StartResult> {
    return this.unavailable();
  }
  async list(kind: WorkflowKind, options: { runningOnly?: boolean; max?: number } = {}): Promise<ExecutionSummary[]> {
    const answer = await reaching(this.state, () => controlClient(this.state).get(`/_local/executions/${kind}`));
    const executions = (answer.body.executions as Record<string, unknown>[] | undefined) ?? [];
    return executions
      .map(revive)
      .filter((s) => !options.runningOnly || s.status === 'RUNNING')
      .slice(0, options.max ?? 1000);
  }
  stop(): Promise<boolean> {
    return this.unavailable();
  }
  stateOutput(): Promise<unknown> {
    return this.unavailable();
  }
}

/** `local down`'s report: the workflows that were still running and what they leave behind. */
export function formatLeftovers(report: ShutdownReport): string[] {
  const lines: string[] = [];
  if (report.left.length === 0) lines.push('  no workflow was running');
  else {
    lines.push(`  ${report.left.length} workflow(s) were still running and stopped with it:`);
    for (const w of report.left) {
      lines.push(`    ${w.kind} ${w.executionName}: ${w.leaves}`);
      if (w.restore.length > 0) {
        lines.push('      to restore:');
        for (const command of w.restore) lines.push(`        ${command}`);
      }
    }
  }
  lines.push(
    report.motoOwned
      ? `  the moto server it started (${report.endpoint}) is stopped: its data (users, keys, secrets, records) is gone with it`
      : `  the endpoint ${report.endpoint} was not the stack's own: its users stay as they are${report.left.length > 0 ? ' (above)' : ''}`,
  );
  return lines;
}
