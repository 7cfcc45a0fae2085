/**
 * Runs the real ASL files in-process with aws-local-stepfunctions, with the real handlers bound to
 * the Task states. Implements the same WorkflowPort as Step Functions, so the scan, the API and the
 * CLI work unchanged locally. Like Step Functions, a second start of a name that exists is refused.
 */
import './polyfill';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { ExecutionStatus, ExecutionSummary, StartResult, WorkflowKind, WorkflowPort } from '../shared/workflows';

export type TaskHandler = (input: never) => Promise<unknown>;
export type TaskHandlers = Record<string, TaskHandler>;

export interface LocalWorkflowDefinition {
  /** ASL file name inside statemachines/. */
  readonly aslFile: string;
  /** State name -> handler. Every Task state of the file must be bound. */
  readonly tasks: TaskHandlers;
  /** Values for `${Name}` substitutions that are not Lambda ARNs. */
  readonly substitutions?: Record<string, string>;
}

export interface HistoryEvent {
  readonly type: string;
  readonly timestamp: number;
  readonly stateName?: string;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: unknown;
}

interface LocalExecution {
  summary: ExecutionSummary;
  readonly history: HistoryEvent[];
  readonly done: Promise<ExecutionSummary>;
  abort(): void;
}

export const STATEMACHINES_DIR = join(__dirname, '..', '..', 'statemachines');
const LOCAL_ACCOUNT = '123456789012';
const LOCAL_REGION = 'us-east-1';

/** Reads an ASL file and fills `${Name}` the way CDK's definitionSubstitutions does when deployed. */
export function loadDefinition(aslFile: string, substitutions: Record<string, string> = {}): StateMachineDefinition {
  const text = readFileSync(join(STATEMACHINES_DIR, aslFile), 'utf8');
  const filled = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_match, name: string) => {
    return substitutions[name] ?? `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`;
  });
  return JSON.parse(filled) as StateMachineDefinition;
}

/** Names of the Task states of a definition (including nested Parallel/Map states). */
export function taskStateNames(definition: { States: Record<string, unknown> }): string[] {
  const names: string[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    const s = state as {
      Type?: string;
      Branches?: { States: Record<string, unknown> }[];
      ItemProcessor?: { States: Record<string, unknown> };
      Iterator?: { States: Record<string, unknown> };
    };
    if (s.Type === 'Task') names.push(name);
    for (const branch of s.Branches ?? []) names.push(...taskStateNames(branch));
    if (s.ItemProcessor) names.push(...taskStateNames(s.ItemProcessor));
    if (s.Iterator) names.push(...taskStateNames(s.Iterator));
  }
  return names;
}

export interface LocalWorkflowsOptions {
  /** Called for each history event as it happens (progress output, tests). */
  readonly onEvent?: (kind: WorkflowKind, name: string, event: HistoryEvent) => void;
  /** Wait state name -> milliseconds, for tests that must not wait at all. */
  readonly waitTimeOverrides?: Record<string, number>;
  /** State name -> retry pause in ms (tests of retry paths). */
  readonly retryIntervalOverrides?: Record<string, number | number[]>;
}

export class LocalWorkflows implements WorkflowPort {
  private readonly executions = new Map<string, LocalExecution>();
  private readonly machines = new Map<WorkflowKind, { machine: StateMachine; definition: LocalWorkflowDefinition }>();

  constructor(
    definitions: Partial<Record<WorkflowKind, LocalWorkflowDefinition>>,
    private readonly options: LocalWorkflowsOptions = {},
  ) {
    for (const [kind, definition] of Object.entries(definitions) as [WorkflowKind, LocalWorkflowDefinition][]) {
      const asl = loadDefinition(definition.aslFile, definition.substitutions);
      const unbound = taskStateNames(asl).filter((name) => !(name in definition.tasks));
      if (unbound.length > 0)
        throw new Error(`${definition.aslFile}: Task states without a local handler: ${unbound.join(', ')}`);
      this.machines.set(kind, { machine: new StateMachine(asl, { validationOptions: { checkPaths: true } }), definition });
    }
  }

  private key(kind: WorkflowKind, name: string): string {
    return `${kind}/${name}`;
  }

  executionArn(kind: WorkflowKind, name: string): string {
    return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:local-${kind}:${name}`;
  }

  async start(kind: WorkflowKind, name: string, input: unknown): Promise<StartResult> {
    const existing = this.executions.get(this.key(kind, name));
    if (existing) return { executionArn: existing.summary.executionArn, started: false, existing: existing.summary };
    const entry = this.machines.get(kind);
    if (!entry) throw new Error(`no local ${kind} workflow is configured`);

    const executionArn = this.executionArn(kind, name);
    const startDate = new Date();
    const history: HistoryEvent[] = [];
    const record = (event: HistoryEvent) => {
      history.push(event);
      this.options.onEvent?.(kind, name, event);
    };
    const tasks = Object.fromEntries(
      Object.entries(entry.definition.tasks).map(([state, fn]) => [state, (taskInput: unknown) => fn(taskInput as never)]),
    );
    // Registered before the run starts: the first step may describe its own execution (the
    // execution guard) before run() returns, as Step Functions answers for a started execution.
    const local: LocalExecution = {
      summary: { kind, name, executionArn, status: 'RUNNING', startDate, input },
      history,
      abort: () => undefined,
      done: undefined as unknown as Promise<ExecutionSummary>,
    };
    this.executions.set(this.key(kind, name), local);
    const execution = entry.machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: tasks as never,
        ...(this.options.waitTimeOverrides ? { waitTimeOverrides: this.options.waitTimeOverrides } : {}),
        ...(this.options.retryIntervalOverrides ? { retryIntervalOverrides: this.options.retryIntervalOverrides } : {}),
      },
      context: {
        Execution: { Id: executionArn, Name: name, Input: input as never, StartTime: startDate.toISOString() },
        StateMachine: { Id: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:local-${kind}`, Name: `local-${kind}` },
      } as never,
    });

    local.abort = () => execution.abort();
    const finish = (status: ExecutionStatus, extra: Partial<ExecutionSummary>) => {
      local.summary = { ...local.summary, status, stopDate: new Date(), ...extra };
      return local.summary;
    };
    const drainLogs = (async () => {
      for await (const event of execution.eventLogs) {
        const e = event as unknown as {
          type: string;
          timestamp: number;
          state?: { name: string; input?: unknown; output?: unknown };
          input?: unknown;
          output?: unknown;
          Error?: string;
          Cause?: unknown;
        };
        record({
          type: e.type,
          timestamp: e.timestamp,
          ...(e.state ? { stateName: e.state.name, input: e.state.input, output: e.state.output } : {}),
          ...(e.input !== undefined ? { input: e.input } : {}),
          ...(e.output !== undefined ? { output: e.output } : {}),
          ...(e.Error !== undefined ? { error: e.Error, cause: e.Cause } : {}),
        });
      }
    })().catch(() => undefined);
    (local as { done: Promise<ExecutionSummary> }).done = execution.result.then(
      async (output) => {
        await drainLogs;
        return finish('SUCCEEDED', { output });
      },
      async (error: Error & { cause?: unknown }) => {
        await drainLogs;
        if (error.name === 'ExecutionAbortedError')
          return local.summary.status === 'ABORTED' ? local.summary : finish('ABORTED', {});
        const failed = [...history].reverse().find((h) => h.type === 'ExecutionFailed');
        return finish('FAILED', {
          error: failed?.error ?? error.name,
          cause: typeof failed?.cause === 'string' ? failed.cause : JSON.stringify(failed?.cause ?? error.message),
        });
      },
    );
    return { executionArn, started: true };
  }

  async describe(kind: WorkflowKind, name: string): Promise<ExecutionSummary | undefined> {
    return this.executions.get(this.key(kind, name))?.summary;
  }

  async list(kind: WorkflowKind, options: { runningOnly?: boolean; max?: number } = {}): Promise<ExecutionSummary[]> {
    return [...this.executions.values()]
      .map((e) => e.summary)
      .filter((s) => s.kind === kind && (!options.runningOnly || s.status === 'RUNNING'))
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime())
      .slice(0, options.max ?? 1000);
  }

  async stop(kind: WorkflowKind, name: string, reason: { error: string; cause: string }): Promise<boolean> {
    const local = this.executions.get(this.key(kind, name));
    if (!local) return false;
    if (local.summary.status !== 'RUNNING') return true;
    local.summary = { ...local.summary, status: 'ABORTED', stopDate: new Date(), error: reason.error, cause: reason.cause };
    local.abort();
    return true;
  }

  /** Resolves when the execution has ended (local runs and tests only). */
  async wait(kind: WorkflowKind, name: string): Promise<ExecutionSummary> {
    const local = this.executions.get(this.key(kind, name));
    if (!local) throw new Error(`no local ${kind} execution named ${name}`);
    return local.done;
  }

  /** Resolves when every execution started so far (and any they lead to) has ended. */
  async waitForAll(): Promise<ExecutionSummary[]> {
    let seen = -1;
    while (seen !== this.executions.size) {
      seen = this.executions.size;
      await Promise.all([...this.executions.values()].map((e) => e.done));
    }
    return [...this.executions.values()].map((e) => e.summary);
  }

  async stateOutput(kind: WorkflowKind, name: string, stateName: string): Promise<unknown> {
    const exited = [...this.history(kind, name)].reverse().find((e) => e.type === 'StateExited' && e.stateName === stateName);
    return exited?.output;
  }

  /** The execution history (state inputs and outputs): what Step Functions would keep. */
  history(kind: WorkflowKind, name: string): readonly HistoryEvent[] {
    return this.executions.get(this.key(kind, name))?.history ?? [];
  }

  allHistories(): readonly HistoryEvent[] {
    return [...this.executions.values()].flatMap((e) => e.history);
  }
}
