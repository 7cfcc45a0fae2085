/**
 * Every verb talks to a running local stack: with `--local`, or on its own when the state file names
 * a live stack and neither `--endpoint` nor `--stack` says to go elsewhere. Offboard, cancel,
 * approve, rotate and rollback go through the stack's API routes (the deployed API's handler, so the
 * same answers, "already running" included); `status` and `scan` through its local routes.
 */
import { ValidationError } from '../shared/errors';
import type { ScanSummary } from '../scan/handler';
import { findStack, stackHome, type StackState } from '../local/stack/state';
import { approveViaApi, cancelViaApi, offboardViaApi, rollbackViaApi, rotateViaApi, type ApiContext } from './api-verbs';
import { formatScan } from './scan';
import { apiClient, controlClient, reaching, StackWorkflows } from './stack-client';

type Print = (line: string) => void;

export const ROUTED_VERBS = [
  'scan',
  'rotate',
  'rollback',
  'offboard',
  'cancel-offboarding',
  'approve-offboarding',
  'status',
  'report',
  // Through the stack's POST /exposures (functions/cli/commands/expose.ts, react.ts), not viaLocalStack.
  'expose',
  'react',
];

export interface RoutingInput {
  readonly command: string;
  readonly userName?: string;
  /** The option names given on the command line. */
  readonly given: readonly string[];
  readonly values: {
    readonly local?: boolean;
    readonly json?: boolean;
    readonly reason?: string;
    readonly 'observation-days'?: string;
    readonly wait?: boolean;
    readonly key?: string;
    readonly as?: string;
    readonly cancel?: boolean;
    readonly 'request-id'?: string;
    readonly 'dry-run'?: boolean;
  };
  readonly print: Print;
  readonly printError: Print;
  /** main.ts's `status` formatter, so both modes print the same. */
  readonly formatStatus: (status: never) => string;
  readonly env?: NodeJS.ProcessEnv;
}

/** The running stack this command goes to, or undefined when it runs as before. */
export function stackFor(input: Pick<RoutingInput, 'command' | 'given' | 'values' | 'env'>): StackState | undefined {
  if (!ROUTED_VERBS.includes(input.command)) return undefined;
  const explicit = input.values.local === true;
  for (const elsewhere of ['endpoint', 'stack']) {
    if (!input.given.includes(elsewhere)) continue;
    if (explicit) throw new ValidationError(`--local and --${elsewhere} exclude each other; nothing was done`);
    return undefined;
  }
  const found = findStack(stackHome(input.env));
  if (found.kind === 'running') return found.state;
  if (explicit) throw new ValidationError('no local stack is running; start one with `iam-lifecycle local up`');
  return undefined;
}

function requireUser(input: RoutingInput): string {
  if (!input.userName) throw new ValidationError(`missing argument: ${input.command} <userName>`);
  return input.userName;
}

/** Runs a routed verb against the stack and returns its exit code. */
export async function viaLocalStack(state: StackState, input: RoutingInput): Promise<number> {
  const refused = ['config', 'time-scale', 'region'].filter((name) => input.given.includes(name));
  if (refused.length > 0) {
    throw new ValidationError(
      `${refused.map((n) => `--${n}`).join(', ')}: the running local stack has its own (set them with \`iam-lifecycle local up\`); nothing was done`,
    );
  }
  const v = input.values;
  const json = v.json ?? false;
  if (!json && v.local !== true) input.printError(`(via the local stack at ${state.apiUrl}; --endpoint or --stack go elsewhere)`);
  const ctx: ApiContext = { api: apiClient(state, v.as), workflows: new StackWorkflows(state) };
  const options = { json, print: input.print, wait: v.wait ?? false, pollMs: 1000 };
  const run = (call: () => Promise<number>) => reaching(state, call);
  switch (input.command) {
    case 'offboard': {
      const userName = requireUser(input);
      if (!v.reason) throw new ValidationError('offboard needs --reason TEXT (it is recorded with the snapshot)');
      const days = v['observation-days'] !== undefined ? Number(v['observation-days']) : undefined;
      const request = { userName, reason: v.reason, ...(days !== undefined ? { observationDays: days } : {}) };
      return run(() => offboardViaApi(ctx, request, options));
    }
    case 'cancel-offboarding':
      return run(() => cancelViaApi(ctx, requireUser(input), options));
    case 'approve-offboarding': {
      const request = {
        action: v.cancel ? ('cancel' as const) : ('offboard' as const),
        ...(v['request-id'] ? { requestId: v['request-id'] } : {}),
      };
      return run(() => approveViaApi(ctx, requireUser(input), request, options));
    }
    case 'rotate':
      if (v.key !== undefined) {
        throw new ValidationError(
          '--key is not taken by the local stack: its API rotates the user’s one active key, as deployed',
        );
      }
      return run(() => rotateViaApi(ctx, requireUser(input), options));
    case 'rollback':
      return run(() => rollbackViaApi(ctx, requireUser(input), options));
    case 'status': {
      const userName = requireUser(input);
      const answer = await reaching(state, () => controlClient(state).get(`/_local/status/${encodeURIComponent(userName)}`));
      input.print(json ? JSON.stringify(answer.body, null, 2) : input.formatStatus(answer.body as never));
      return 0;
    }
    case 'scan': {
      const answer = await reaching(state, () => controlClient(state).post('/_local/scan', { dryRun: v['dry-run'] ?? false }));
      const summary = answer.body as unknown as ScanSummary;
      input.print(json ? JSON.stringify(summary, null, 2) : formatScan(summary));
      if (!json && !summary.dryRun && summary.plan.length > 0) {
        input.print('the rotations run in the local stack; follow one with `iam-lifecycle status <userName>`');
      }
      return 0;
    }
    default:
      throw new ValidationError(`${input.command} does not go through the local stack`);
  }
}
