/** The offboarding verbs of the CLI: offboard, cancel-offboarding, status (and rollback of rotations). */
import { userView } from '../api/user-view';
import { IamUsers } from '../shared/iam/users';
import { SnapshotStore } from '../shared/snapshot-store';
import { ValidationError } from '../shared/errors';
import {
  cancelOffboarding,
  offboardingStatus,
  startOffboarding,
  type OffboardingServiceDeps,
  type OffboardingStatus,
} from '../offboarding/service';
import type { ExecutionSummary } from '../shared/workflows';
import type { CliContext } from './context';
import { offboardingRunningElsewhere, type RunningElsewhere } from './running-elsewhere';

export function offboardingDeps(ctx: CliContext): OffboardingServiceDeps {
  if (ctx.local) return ctx.local.offboardingService;
  const bucket = ctx.stackOutputs?.SnapshotBucketName;
  if (!bucket) throw new ValidationError('the stack has no SnapshotBucketName output; is the offboarding capability deployed?');
  return {
    iam: new IamUsers(ctx.clients.iam),
    records: new SnapshotStore(ctx.clients.s3, bucket),
    workflows: ctx.workflows,
    config: ctx.config,
    clock: () => new Date(),
  };
}

export interface OffboardOutcome {
  readonly executionName: string;
  readonly started: boolean;
  readonly final?: ExecutionSummary;
  readonly status: OffboardingStatus;
  /** In-process local mode: another process runs this user's offboarding; nothing was started. */
  readonly runningElsewhere?: RunningElsewhere;
}

/**
 * Starts (or finds) the user's offboarding in local mode, where the workflow runs in this process
 * and the command waits for it. Deployed, `offboard` goes through the HTTP API (./api-verbs).
 */
export async function offboardUser(
  ctx: CliContext,
  request: { userName: string; reason: string; observationDays?: number; requestedBy: string },
  waitFor: (executionName: string, started: boolean) => Promise<ExecutionSummary> = (name) => localWait(ctx, name),
): Promise<OffboardOutcome> {
  const deps = offboardingDeps(ctx);
  if (ctx.local) {
    // Its runner cannot see another process's workflows: the records and tags can.
    const elsewhere = await offboardingRunningElsewhere(deps, request.userName);
    if (elsewhere) {
      const status = await offboardingStatus(deps, request.userName);
      return { executionName: elsewhere.executionName, started: false, status, runningElsewhere: elsewhere };
    }
  }
  const result = await startOffboarding(deps, {
    userName: request.userName,
    reason: request.reason,
    requestedBy: request.requestedBy,
    ...(request.observationDays !== undefined ? { observationDays: request.observationDays } : {}),
  });
  const final = ctx.local ? await waitFor(result.executionName, result.started) : undefined;
  const status = await offboardingStatus(deps, request.userName);
  return { executionName: result.executionName, started: result.started, ...(final ? { final } : {}), status };
}

export async function cancelUserOffboarding(
  ctx: CliContext,
  userName: string,
  requestedBy: string,
  waitFor: (executionName: string) => Promise<ExecutionSummary> = (name) => localWait(ctx, name),
) {
  const deps = offboardingDeps(ctx);
  const result = await cancelOffboarding(deps, userName, { requestedBy });
  const final = ctx.local ? await waitFor(result.restoreExecutionName) : undefined;
  return { ...result, ...(final ? { final } : {}), status: await offboardingStatus(deps, userName) };
}

/** Local mode: the in-process runner's execution, until it ends. */
function localWait(ctx: CliContext, executionName: string): Promise<ExecutionSummary> {
  return ctx.local!.workflows.wait('offboarding', executionName);
}

/** `status <userName>`: the user's keys and workflows, and its offboarding if there is one. */
export async function userStatus(ctx: CliContext, userName: string) {
  const offboarding = await offboardingStatus(offboardingDeps(ctx), userName);
  const user = offboarding.userExists
    ? await userView(
        {
          iam: ctx.iam,
          secrets: ctx.secrets,
          workflows: ctx.workflows,
          config: ctx.config,
          clock: () => new Date(),
          ...(ctx.accountId !== undefined ? { accountId: ctx.accountId } : {}),
        },
        userName,
      )
    : undefined;
  return { user, offboarding };
}
