/** `offboard`, `cancel-offboarding` and `approve-offboarding`: local in-process (waits) or through the deployed API. */
import { approvalRequired } from '../../offboarding/approval';
import { ValidationError } from '../../shared/errors';
import type { ExecutionSummary } from '../../shared/workflows';
import { approveViaApi, cancelViaApi, offboardViaApi } from '../api-verbs';
import { approveFromCli, cliIdentity, formatPending, requestCancelApproval, requestOffboardingApproval } from '../approval';
import { deployedWaitHooks } from '../deployed-wait';
import { EXIT } from '../exit-codes';
import { formatOffboarding } from '../format';
import { cancelUserOffboarding, offboardUser } from '../offboard';
import { awaitWorkflow, checkFinal, openContext, type OpenContext, type Session } from '../session';
import { formatRunningElsewhere } from '../running-elsewhere';
import { cliCaller } from './common';

/** Waits for a local offboarding (or restore) execution with progress and Ctrl-C handling. */
function localWaiter(session: Session, ctx: OpenContext, userName: string) {
  return (executionName: string): Promise<ExecutionSummary> =>
    awaitWorkflow(session, ctx, { kind: 'offboarding', userName, executionName }, () =>
      ctx.local!.workflows.wait('offboarding', executionName),
    );
}

async function endLocal(session: Session, ctx: OpenContext, userName: string, executionName: string, final?: ExecutionSummary) {
  if (final) await checkFinal(session, ctx, { kind: 'offboarding', userName, executionName }, final);
  return EXIT.done;
}

export async function offboardCommand(
  session: Session,
  userName: string,
  opts: { reason?: string; observationDays?: number; wait?: boolean; as?: string },
): Promise<number> {
  const { print, options } = session;
  if (!opts.reason) throw new ValidationError('offboard needs --reason TEXT (it is recorded with the snapshot)');
  const days = opts.observationDays !== undefined ? { observationDays: opts.observationDays } : {};
  const ctx = await openContext(session);
  if (ctx.mode === 'deployed') {
    if (opts.as !== undefined) await cliIdentity(options, opts.as); // refuses --as
    return offboardViaApi(
      ctx,
      { userName, reason: opts.reason, ...days },
      { json: options.json, print, wait: opts.wait ?? false, ...deployedWaitHooks(session, ctx, userName) },
    );
  }
  await ctx.local?.ready();
  if (approvalRequired(ctx.config, 'offboard')) {
    const pending = await requestOffboardingApproval(ctx, {
      userName,
      reason: opts.reason,
      requestedBy: await cliIdentity(options, opts.as),
      ...days,
    });
    print(options.json ? JSON.stringify(pending, null, 2) : formatPending(pending));
    return EXIT.done;
  }
  const outcome = await offboardUser(
    ctx,
    { userName, reason: opts.reason, requestedBy: await cliCaller(ctx), ...days },
    (name, started) => {
      if (!options.json) print(`${started ? 'started' : 'already running'}: ${name}`);
      return localWaiter(session, ctx, userName)(name);
    },
  );
  if (options.json) print(JSON.stringify(outcome, null, 2));
  else if (outcome.runningElsewhere) print(formatRunningElsewhere(userName, outcome.runningElsewhere));
  else print(formatOffboarding(outcome.status));
  return endLocal(session, ctx, userName, outcome.executionName, outcome.final);
}

export async function cancelOffboardingCommand(session: Session, userName: string, opts: { as?: string }): Promise<number> {
  const { print, options } = session;
  const ctx = await openContext(session);
  if (ctx.mode === 'deployed') {
    if (opts.as !== undefined) await cliIdentity(options, opts.as); // refuses --as
    return cancelViaApi(ctx, userName, { json: options.json, print });
  }
  await ctx.local?.ready();
  if (approvalRequired(ctx.config, 'cancel')) {
    const pending = await requestCancelApproval(ctx, userName, await cliIdentity(options, opts.as));
    print(options.json ? JSON.stringify(pending, null, 2) : formatPending(pending));
    return EXIT.done;
  }
  const outcome = await cancelUserOffboarding(ctx, userName, await cliCaller(ctx), localWaiter(session, ctx, userName));
  if (options.json) print(JSON.stringify(outcome, null, 2));
  else {
    print(
      `${outcome.started ? 'restoring' : 'already restoring'}: ${outcome.restoreExecutionName} (stopped ${outcome.offboardingExecutionName})`,
    );
    print(formatOffboarding(outcome.status));
  }
  return endLocal(session, ctx, userName, outcome.restoreExecutionName, outcome.final);
}

export async function approveOffboardingCommand(
  session: Session,
  userName: string,
  opts: { cancel?: boolean; requestId?: string; as?: string },
): Promise<number> {
  const { print, options } = session;
  const action = opts.cancel ? 'cancel' : 'offboard';
  const requestId = opts.requestId ? { requestId: opts.requestId } : {};
  if (!options.endpoint) {
    // Deployed, the API records its authenticated caller as the approver; --as is refused.
    if (opts.as !== undefined) await cliIdentity(options, opts.as);
    const ctx = await openContext(session);
    return approveViaApi(ctx, userName, { action, ...requestId }, { json: options.json, print });
  }
  const ctx = await openContext(session);
  const approvedBy = await cliIdentity(options, opts.as);
  await ctx.local?.ready();
  let started: string | undefined;
  const outcome = await approveFromCli(ctx, userName, { action, approvedBy, ...requestId }, (name) => {
    started = name;
    return localWaiter(session, ctx, userName)(name);
  });
  if (options.json) print(JSON.stringify(outcome, null, 2));
  else {
    const line = outcome.offboarding
      ? `${outcome.offboarding.started ? 'started' : 'already running'}: ${outcome.offboarding.executionName}`
      : `${outcome.cancel?.started ? 'restoring' : 'already restoring'}: ${outcome.cancel?.restoreExecutionName}`;
    print(`approved ${outcome.request.action} request ${outcome.request.id} of ${outcome.request.requestedBy} as ${approvedBy}`);
    print(line);
    print(formatOffboarding(outcome.offboardingStatus));
  }
  return endLocal(session, ctx, userName, started ?? '', outcome.final);
}
