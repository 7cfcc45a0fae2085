/**
 * Runs statemachines/organization-scan.asl.json in-process (aws-local-stepfunctions) with the real
 * handlers bound to its Task states: the local run, the tests and the benchmark.
 *
 * Local difference, on purpose and in one place: aws-local-stepfunctions has no Distributed Map
 * (it runs every Map's item processor inline in the parent execution and ignores ProcessorConfig and
 * the tolerated-failure fields). `inlineDistributedMaps` makes that explicit at load time: the Map
 * becomes an INLINE Map (ProcessorConfig Mode INLINE; ToleratedFailurePercentage(Path),
 * ToleratedFailureCount(Path), ItemReader, ItemBatcher, ResultWriter and Label removed, which an
 * inline Map does not accept). Locally, then: items are not child executions (no execution per
 * account, one history), and a failed item fails the Map at once instead of counting against the
 * threshold. The item processor catches every error into the account's failed row, so only an error
 * in that row's Pass state would tell the two apart. MaxConcurrencyPath is honoured.
 */
import '../local/polyfill';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { loadDefinition } from '../local/runner';

export const ORGANIZATION_SCAN_ASL = 'organization-scan.asl.json';

const DISTRIBUTED_ONLY = [
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'Label',
] as const;

type States = Record<string, Record<string, unknown>>;

/** A copy of the definition whose DISTRIBUTED Maps (at any depth) are INLINE Maps; nothing else changes. */
export function inlineDistributedMaps<T extends { States: object }>(definition: T): T {
  const copy = structuredClone(definition);
  const visit = (states: States) => {
    for (const state of Object.values(states)) {
      const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string }; States: States } | undefined;
      if (state.Type === 'Map' && processor) {
        if (processor.ProcessorConfig?.Mode === 'DISTRIBUTED') {
          processor.ProcessorConfig = { Mode: 'INLINE' };
          for (const field of DISTRIBUTED_ONLY) delete state[field];
        }
        visit(processor.States);
      }
      for (const branch of (state.Branches as { States: States }[] | undefined) ?? []) visit(branch.States);
    }
  };
  visit(copy.States as States);
  return copy;
}

export type OrganizationScanTask = (input: never) => Promise<unknown>;

export interface OrganizationScanTasks {
  readonly ListTargetAccounts: OrganizationScanTask;
  readonly ScanAccount: OrganizationScanTask;
  readonly Summarize: OrganizationScanTask;
}

export interface LocalOrganizationScanRun {
  readonly output: unknown;
  /** State names entered, in order (a Map's item states included). */
  readonly statesEntered: readonly string[];
}

/** Runs one organization scan locally; rejects when the execution fails (as the execution would). */
export async function runOrganizationScanLocally(
  tasks: OrganizationScanTasks,
  input: unknown = {},
  options: { retryIntervalOverrides?: Record<string, number | number[]> } = {},
): Promise<LocalOrganizationScanRun> {
  const definition = inlineDistributedMaps(loadDefinition(ORGANIZATION_SCAN_ASL)) as StateMachineDefinition;
  const machine = new StateMachine(definition, { validationOptions: { checkPaths: true } });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: Object.fromEntries(
        Object.entries(tasks).map(([state, fn]) => [state, (i: unknown) => (fn as OrganizationScanTask)(i as never)]),
      ) as never,
      ...(options.retryIntervalOverrides ? { retryIntervalOverrides: options.retryIntervalOverrides } : {}),
    },
  });
  const statesEntered: string[] = [];
  const drain = (async () => {
    for await (const event of execution.eventLogs) {
      const e = event as unknown as { type: string; state?: { name: string }; index?: number };
      if (e.type === 'StateEntered' && e.state) statesEntered.push(e.state.name);
    }
  })().catch(() => undefined);
  const output = await execution.result;
  await drain;
  return { output, statesEntered };
}
