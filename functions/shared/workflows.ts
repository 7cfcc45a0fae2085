/**
 * One small port for starting and inspecting workflows, so the same handler code (scan, API, CLI)
 * drives Step Functions when deployed and the in-process runner locally.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';

import { EXECUTION_NAME_PREFIX, userExecutionNamePrefix } from './execution-names';

export type WorkflowKind = 'rotation' | 'offboarding' | 'exposure';
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface ExecutionSummary {
  readonly kind: WorkflowKind;
  readonly name: string;
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  readonly startDate: Date;
  readonly stopDate?: Date;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

export interface StartResult {
  readonly executionArn: string;
  /** false when an execution with this name already existed (nothing new was started). */
  readonly started: boolean;
  readonly existing?: ExecutionSummary;
}

export interface WorkflowPort {
  start(kind: WorkflowKind, name: string, input: unknown): Promise<StartResult>;
  describe(kind: WorkflowKind, name: string): Promise<ExecutionSummary | undefined>;
  /** Executions of a kind, newest first (only RUNNING ones when `runningOnly`). */
  list(kind: WorkflowKind, options?: { runningOnly?: boolean; max?: number }): Promise<ExecutionSummary[]>;
  stop(kind: WorkflowKind, name: string, reason: { error: string; cause: string }): Promise<boolean>;
  /** The ARN an execution of this name of this kind's state machine has (it may not exist). */
  executionArn(kind: WorkflowKind, name: string): string;
  /**
   * The output of the latest successful exit of state `stateName` in that execution's own history
   * (Step Functions GetExecutionHistory), or undefined when the state never completed. What a step
   * returned is recorded by Step Functions, not by the step, so later steps can rely on it.
   */
  stateOutput(kind: WorkflowKind, name: string, stateName: string): Promise<unknown>;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The deployed implementation: Step Functions state machines by kind. */
export class StepFunctionsWorkflows implements WorkflowPort {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArns: Partial<Record<WorkflowKind, string>>,
  ) {}

  private machineArn(kind: WorkflowKind): string {
    const arn = this.stateMachineArns[kind];
    if (!arn) throw new Error(`no state machine configured for ${kind} workflows`);
    return arn;
  }

  executionArn(kind: WorkflowKind, name: string): string {
    // arn:aws:states:region:account:stateMachine:Name -> arn:aws:states:region:account:execution:Name:exec
    return `${this.machineArn(kind).replace(':stateMachine:', ':execution:')}:${name}`;
  }

  async start(kind: WorkflowKind, name: string, input: unknown): Promise<StartResult> {
    // StartExecution answers success for a repeat with the same name and input while the first is
    // running; look first so a duplicate is reported as one instead of as a new start.
    const before = await this.describe(kind, name);
    if (before) return { executionArn: before.executionArn, started: false, existing: before };
    try {
      const out = await this.sfn.send(
        new StartExecutionCommand({ stateMachineArn: this.machineArn(kind), name, input: JSON.stringify(input) }),
      );
      return { executionArn: out.executionArn ?? this.executionArn(kind, name), started: true };
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') {
        const existing = await this.describe(kind, name);
        return { executionArn: this.executionArn(kind, name), started: false, ...(existing ? { existing } : {}) };
      }
      throw error;
    }
  }

  async describe(kind: WorkflowKind, name: string): Promise<ExecutionSummary | undefined> {
    try {
      const out = await this.sfn.send(new DescribeExecutionCommand({ executionArn: this.executionArn(kind, name) }));
      return {
        kind,
        name,
        executionArn: out.executionArn ?? this.executionArn(kind, name),
        status: (out.status ?? 'RUNNING') as ExecutionStatus,
        startDate: out.startDate ?? new Date(0),
        ...(out.stopDate ? { stopDate: out.stopDate } : {}),
        input: parseJson(out.input),
        output: parseJson(out.output),
        ...(out.error ? { error: out.error } : {}),
        ...(out.cause ? { cause: out.cause } : {}),
      };
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist || (error as Error).name === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  }

  async stateOutput(kind: WorkflowKind, name: string, stateName: string): Promise<unknown> {
    let nextToken: string | undefined;
    do {
      try {
        const page = await this.sfn.send(
          new GetExecutionHistoryCommand({
            executionArn: this.executionArn(kind, name),
            reverseOrder: true,
            includeExecutionData: true,
            maxResults: 1000,
            nextToken,
          }),
        );
        for (const event of page.events ?? []) {
          const exited = event.stateExitedEventDetails;
          if (exited?.name === stateName && event.type?.endsWith('StateExited')) return parseJson(exited.output);
        }
        nextToken = page.nextToken;
      } catch (error) {
        if (error instanceof ExecutionDoesNotExist || (error as Error).name === 'ExecutionDoesNotExist') return undefined;
        throw error;
      }
    } while (nextToken);
    return undefined;
  }

  async list(kind: WorkflowKind, options: { runningOnly?: boolean; max?: number } = {}): Promise<ExecutionSummary[]> {
    const result: ExecutionSummary[] = [];
    let nextToken: string | undefined;
    const max = options.max ?? 1000;
    do {
      const page = await this.sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: this.machineArn(kind),
          ...(options.runningOnly ? { statusFilter: 'RUNNING' } : {}),
          nextToken,
        }),
      );
      for (const e of page.executions ?? []) {
        result.push({
          kind,
          name: e.name ?? '',
          executionArn: e.executionArn ?? '',
          status: (e.status ?? 'RUNNING') as ExecutionStatus,
          startDate: e.startDate ?? new Date(0),
          ...(e.stopDate ? { stopDate: e.stopDate } : {}),
        });
      }
      nextToken = page.nextToken;
    } while (nextToken && result.length < max);
    return result.slice(0, max);
  }

  async stop(kind: WorkflowKind, name: string, reason: { error: string; cause: string }): Promise<boolean> {
    try {
      await this.sfn.send(
        new StopExecutionCommand({ executionArn: this.executionArn(kind, name), error: reason.error, cause: reason.cause }),
      );
      return true;
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist || (error as Error).name === 'ExecutionDoesNotExist') return false;
      throw error;
    }
  }
}

export function workflowsFromEnv(sfn: SFNClient, env: NodeJS.ProcessEnv = process.env): StepFunctionsWorkflows {
  return new StepFunctionsWorkflows(sfn, {
    ...(env.ROTATION_STATE_MACHINE_ARN ? { rotation: env.ROTATION_STATE_MACHINE_ARN } : {}),
    ...(env.OFFBOARDING_STATE_MACHINE_ARN ? { offboarding: env.OFFBOARDING_STATE_MACHINE_ARN } : {}),
    ...(env.EXPOSURE_STATE_MACHINE_ARN ? { exposure: env.EXPOSURE_STATE_MACHINE_ARN } : {}),
  });
}

function inputUserName(summary: ExecutionSummary | undefined): string | undefined {
  const input = summary?.input as { userName?: unknown } | undefined;
  return typeof input?.userName === 'string' ? input.userName : undefined;
}

/** The account an execution acts in (its input's `accountId`; undefined: the Lambda's own account). */
export function inputAccountId(summary: ExecutionSummary | undefined): string | undefined {
  const input = summary?.input as { accountId?: unknown } | undefined;
  return typeof input?.accountId === 'string' ? input.accountId : undefined;
}

/**
 * Running executions of a kind for one user (of one account in organization mode). Filtering by
 * the user's name prefix avoids describing every running execution; only a name long enough to have
 * been cut needs the full scan. The execution input decides (two user names can map to the same
 * prefix, and a user named like `<accountId>-<user>` to another account's prefix).
 */
export async function findRunning(
  workflows: WorkflowPort,
  kind: WorkflowKind,
  userName: string,
  accountId?: string,
): Promise<ExecutionSummary[]> {
  const running = await workflows.list(kind, { runningOnly: true, max: 10_000 });
  const namePrefix = userExecutionNamePrefix(EXECUTION_NAME_PREFIX[kind], userName, accountId);
  const candidates = namePrefix === undefined ? running : running.filter((e) => e.name.startsWith(namePrefix));
  const described = await Promise.all(
    candidates.map(async (e) => (e.input !== undefined ? e : workflows.describe(kind, e.name))),
  );
  return described.filter(
    (e): e is ExecutionSummary =>
      e !== undefined && e.status === 'RUNNING' && inputUserName(e) === userName && inputAccountId(e) === accountId,
  );
}

export interface Attempt {
  readonly name: string;
  readonly attempt: number;
  readonly summary: ExecutionSummary;
}

/**
 * The executions of numbered attempts (see attemptExecutionName) that Step Functions still knows,
 * oldest attempt first, and `nextName`: the attempt after the highest one found (undefined when all
 * `maxAttempts` names are used). Step Functions forgets closed executions 90 days after they end,
 * so attempt 1 may be unknown while attempt 2 runs: the executions are listed (ListExecutions) and
 * matched against every attempt name, never probed one by one up to the first unknown name. Only
 * the matches are described (for their input and output).
 */
export async function findAttempts(
  workflows: WorkflowPort,
  kind: WorkflowKind,
  nameOf: (attempt: number) => string,
  maxAttempts: number,
): Promise<{ found: Attempt[]; nextName?: string }> {
  const attemptOf = new Map<string, number>();
  for (let attempt = 1; attempt <= maxAttempts; attempt++) attemptOf.set(nameOf(attempt), attempt);
  const listed = await workflows.list(kind, { max: LIST_ALL });
  const matches = listed.filter((e) => attemptOf.has(e.name));
  const found: Attempt[] = [];
  for (const match of matches) {
    const summary = match.input !== undefined ? match : await workflows.describe(kind, match.name);
    if (summary) found.push({ name: match.name, attempt: attemptOf.get(match.name)!, summary });
  }
  found.sort((a, b) => a.attempt - b.attempt);
  const highest = found.at(-1)?.attempt ?? 0;
  return highest < maxAttempts ? { found, nextName: nameOf(highest + 1) } : { found };
}

/** Enough to cover every execution Step Functions keeps (90 days of them). */
const LIST_ALL = 1_000_000;

/**
 * The same port with `list` answered once per (kind, filter, max) for the wrapper's lifetime: for
 * one scan, whose lookups of every candidate key would otherwise list every execution again.
 * Executions started through the wrapper are not added to a cached listing (a scan starts one per
 * key and never looks it up again).
 */
export function withListingCache(workflows: WorkflowPort): WorkflowPort {
  const listings = new Map<string, Promise<ExecutionSummary[]>>();
  return {
    start: (kind, name, input) => workflows.start(kind, name, input),
    describe: (kind, name) => workflows.describe(kind, name),
    stop: (kind, name, reason) => workflows.stop(kind, name, reason),
    stateOutput: (kind, name, stateName) => workflows.stateOutput(kind, name, stateName),
    executionArn: (kind, name) => workflows.executionArn(kind, name),
    list: (kind, options = {}) => {
      const key = `${kind}/${options.runningOnly === true}/${options.max ?? ''}`;
      let listing = listings.get(key);
      if (!listing) {
        listing = workflows.list(kind, options);
        listings.set(key, listing);
        listing.catch(() => listings.delete(key));
      }
      return listing;
    },
  };
}
