/**
 * The two-person rule from the CLI (functions/offboarding/approval.ts): `offboard` and
 * `cancel-offboarding` record a pending request when the config requires approval, and
 * `approve-offboarding <user> [--cancel]` approves it as another principal.
 *
 * Who the CLI is: deployed, the STS caller identity of the credentials in use (GetCallerIdentity);
 * locally, `--as PRINCIPAL` or else the endpoint's caller identity (moto answers one fixed user, so
 * two local identities need `--as`).
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  approveRequest,
  requestCancel,
  requestOffboarding,
  type ApprovalAction,
  type ApprovalOutcome,
  type PendingApproval,
} from '../offboarding/approval';
import { offboardingStatus, type OffboardingStatus } from '../offboarding/service';
import { clientConfig, LOCAL_CREDENTIALS, targetFromEnv } from '../shared/aws';
import { ValidationError } from '../shared/errors';
import type { ExecutionSummary } from '../shared/workflows';
import type { CliContext, GlobalOptions } from './context';
import { offboardingDeps } from './offboard';

/** The principal the CLI acts as (see the module comment). */
export async function cliIdentity(options: Pick<GlobalOptions, 'endpoint' | 'region'>, as?: string): Promise<string> {
  if (as !== undefined) {
    if (!options.endpoint) {
      throw new ValidationError(
        '--as is for local mode (--endpoint) only; deployed, the STS identity of your credentials is used',
      );
    }
    if (as.trim() === '') throw new ValidationError('--as needs a principal name or ARN');
    return as;
  }
  const target = options.endpoint
    ? { endpoint: options.endpoint, region: options.region ?? 'us-east-1', credentials: LOCAL_CREDENTIALS }
    : { ...targetFromEnv(), ...(options.region ? { region: options.region } : {}) };
  const sts = new STSClient(clientConfig(target));
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  if (!identity.Arn) throw new ValidationError('STS GetCallerIdentity returned no ARN; cannot tell who approves');
  return identity.Arn;
}

export function requestOffboardingApproval(
  ctx: CliContext,
  request: { userName: string; reason: string; observationDays?: number; requestedBy: string },
): Promise<PendingApproval> {
  return requestOffboarding(offboardingDeps(ctx), request);
}

export function requestCancelApproval(ctx: CliContext, userName: string, requestedBy: string): Promise<PendingApproval> {
  return requestCancel(offboardingDeps(ctx), userName, { requestedBy });
}

export interface ApproveOutcome extends ApprovalOutcome {
  /** Local mode: how the started execution ended (the local runner runs it in this process). */
  readonly final?: ExecutionSummary;
  readonly offboardingStatus: OffboardingStatus;
}

/** `approve-offboarding <user> [--cancel]`: approves the pending request; locally waits for what it started. */
export async function approveFromCli(
  ctx: CliContext,
  userName: string,
  input: { action: ApprovalAction; approvedBy: string; requestId?: string },
  waitFor?: (executionName: string) => Promise<ExecutionSummary>,
): Promise<ApproveOutcome> {
  const deps = offboardingDeps(ctx);
  const outcome = await approveRequest(deps, userName, input);
  const started = outcome.offboarding?.executionName ?? outcome.cancel?.restoreExecutionName;
  const wait = waitFor ?? ((name: string) => ctx.local!.workflows.wait('offboarding', name));
  const final = ctx.local && started ? await wait(started) : undefined;
  return { ...outcome, ...(final ? { final } : {}), offboardingStatus: await offboardingStatus(deps, userName) };
}

export function formatPending(pending: PendingApproval): string {
  const r = pending.request;
  return (
    `${pending.created ? 'recorded' : 'already pending'}: ${r.action} request ${r.id} for ${r.userName} by ${r.requestedBy}; ` +
    `nothing changes until another principal runs \`iam-lifecycle approve-offboarding ${r.userName}${r.action === 'cancel' ? ' --cancel' : ''}\` ` +
    `(expires ${r.expiresAt})`
  );
}
