/**
 * The optional two-person rule for offboarding and cancel (config `offboardingApproval`,
 * `cancelApproval`, `approvalExpiryHours`). A request is recorded, write-once, in the records bucket
 * under `approvals/<userName>/<id>/request.json`; nothing changes on the user. A different principal
 * approves it: the approval is claimed write-once (`approval.json`, so of two approvers exactly one
 * acts) and the offboarding or the cancel then starts through the same service functions an
 * unapproved request uses (./service). Records, not Step Functions task tokens, so it works the same
 * with the local runner and from the CLI.
 *
 * Ids are `<action>-<n>` (0001, 0002, ...): a repeated request while one is pending gets the pending
 * one; two requests racing for the same id settle on the one written first.
 */
import { checkObservationDays, type ApprovalRule, type LifecycleConfig } from '../shared/config';
import { UserNotFoundError, ValidationError, WorkflowConflictError } from '../shared/errors';
import { assertExactSpelling, assertManaged } from '../shared/scope';
import { ApprovalExpiredError, NoPendingApprovalError, SelfApprovalError, UserReplacedError } from './errors';
import { APPROVALS_ROOT, approvalKeys, samePrincipal } from './approval-keys';
import { checkReason, checkUserName } from './requests';
import {
  cancelOffboarding,
  offboardingStatus,
  startOffboarding,
  type CancelOffboardingResult,
  type OffboardingPhase,
  type OffboardingServiceDeps,
  type StartOffboardingResult,
} from './service';

export type ApprovalAction = 'offboard' | 'cancel';

export interface ApprovalRequestRecord {
  readonly id: string;
  readonly action: ApprovalAction;
  readonly userName: string;
  readonly userId: string;
  /** The principal that asked (API caller ARN, or the CLI's identity): it may not approve. */
  readonly requestedBy: string;
  /** Who an HR or ticketing system says it acts for (API `requestedBy` field). */
  readonly onBehalfOf?: string;
  readonly reason?: string;
  readonly observationDays?: number;
  /** Cancel only: the offboarding the cancel is for. */
  readonly offboardingExecutionName?: string;
  readonly requestedAt: string;
  readonly expiresAt: string;
}

export interface ApprovalRecord {
  readonly approvedBy: string;
  readonly approvedAt: string;
}

export interface PendingApproval {
  readonly status: 'pending-approval';
  /** false when a request was already pending: `request` is that one. */
  readonly created: boolean;
  readonly request: ApprovalRequestRecord;
}

export interface ApprovalOutcome {
  readonly status: 'approved';
  readonly request: ApprovalRequestRecord;
  readonly approval: ApprovalRecord;
  readonly offboarding?: StartOffboardingResult;
  readonly cancel?: CancelOffboardingResult;
}

export type ApprovalDeps = OffboardingServiceDeps;

const HOUR_MS = 3_600_000;

export function approvalRequired(
  config: Pick<LifecycleConfig, 'offboardingApproval' | 'cancelApproval'>,
  action: ApprovalAction,
) {
  const rule: ApprovalRule = action === 'offboard' ? config.offboardingApproval : config.cancelApproval;
  return rule === 'required';
}

function idFor(action: ApprovalAction, n: number): string {
  return `${action}-${String(n).padStart(4, '0')}`;
}

function numberOf(action: ApprovalAction, id: string): number | undefined {
  const match = new RegExp(`^${action}-(\\d+)$`).exec(id);
  return match ? Number(match[1]) : undefined;
}

function checkPrincipal(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value === 'unknown' || value.length > 2048) {
    throw new ValidationError(`${name} must name the principal (an ARN or CLI identity)`);
  }
  return value;
}

/** Same principal: ARNs compared case-insensitively (IAM names are case-insensitive). */

function clockOf(deps: ApprovalDeps): () => Date {
  return deps.clock ?? (() => new Date());
}

/** The newest request of this action for the user, with its approval if it has one. */
async function latestRequest(
  deps: ApprovalDeps,
  userName: string,
  action: ApprovalAction,
): Promise<{ next: number; latest?: { request: ApprovalRequestRecord; approval?: ApprovalRecord } }> {
  const ids = await deps.records.listChildren(`${APPROVALS_ROOT}${userName}/`);
  const numbers = ids.map((id) => numberOf(action, id)).filter((n): n is number => n !== undefined);
  if (numbers.length === 0) return { next: 1 };
  const max = Math.max(...numbers);
  const keys = approvalKeys(userName, idFor(action, max));
  const [request, approval] = await Promise.all([
    deps.records.get<ApprovalRequestRecord>(keys.request),
    deps.records.get<ApprovalRecord>(keys.approval),
  ]);
  return { next: max + 1, ...(request ? { latest: { request, ...(approval ? { approval } : {}) } } : {}) };
}

function isExpired(request: ApprovalRequestRecord, now: Date): boolean {
  return now.getTime() >= Date.parse(request.expiresAt);
}

/** Records the request (or answers the pending one). Changes nothing on the user. */
async function recordRequest(
  deps: ApprovalDeps,
  fields: Omit<ApprovalRequestRecord, 'id' | 'requestedAt' | 'expiresAt'>,
  samePending: (pending: ApprovalRequestRecord) => void,
): Promise<PendingApproval> {
  const now = clockOf(deps)();
  const { next, latest } = await latestRequest(deps, fields.userName, fields.action);
  if (latest && !latest.approval && !isExpired(latest.request, now)) {
    samePending(latest.request);
    return { status: 'pending-approval', created: false, request: latest.request };
  }
  const id = idFor(fields.action, next);
  const expiryMs = (deps.config.approvalExpiryHours * HOUR_MS) / deps.config.timeScale;
  const record: ApprovalRequestRecord = {
    id,
    ...fields,
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + expiryMs).toISOString(),
  };
  const written = await deps.records.create(approvalKeys(fields.userName, id).request, record);
  if (!written.created) samePending(written.value); // a concurrent request won the id: that one is pending
  return { status: 'pending-approval', created: written.created, request: written.value };
}

/**
 * POST /offboardings (and `offboard`) under `offboardingApproval: "required"`: checks the request as
 * startOffboarding would (user exists, spelled exactly, managed, not protected) and records it.
 */
export async function requestOffboarding(
  deps: ApprovalDeps,
  input: { userName: string; reason: string; requestedBy: string; onBehalfOf?: string; observationDays?: number },
): Promise<PendingApproval> {
  const userName = checkUserName(input.userName);
  const reason = checkReason(input.reason);
  const requestedBy = checkPrincipal(input.requestedBy, 'requestedBy');
  // The configured bounds, checked now: an approval must not be the first to find the request invalid.
  const days = input.observationDays === undefined ? undefined : checkObservationDays(deps.config, input.observationDays);
  const user = await deps.iam.findUser(userName);
  if (!user) throw new UserNotFoundError(userName);
  assertExactSpelling(userName, user.userName);
  assertManaged(user, deps.config, deps.automationUserNames);
  return recordRequest(
    deps,
    {
      action: 'offboard',
      userName,
      userId: user.userId,
      requestedBy,
      ...(input.onBehalfOf ? { onBehalfOf: input.onBehalfOf } : {}),
      reason,
      ...(days !== undefined ? { observationDays: days } : {}),
    },
    (pending) => {
      if (pending.observationDays !== days) {
        throw new WorkflowConflictError(
          `an offboarding of ${userName} awaits approval (${pending.id}) with ` +
            `${pending.observationDays === undefined ? 'the configured' : `a ${pending.observationDays}-day`} observation period`,
          '',
        );
      }
    },
  );
}

/** The user's requests that await approval now (not approved, not expired): for the status views. */
export async function pendingApprovals(deps: ApprovalDeps, userName: string): Promise<ApprovalRequestRecord[]> {
  const now = clockOf(deps)();
  const latest = await Promise.all((['offboard', 'cancel'] as const).map((action) => latestRequest(deps, userName, action)));
  return latest
    .map((l) => l.latest)
    .filter((l): l is { request: ApprovalRequestRecord } => l !== undefined && !l.approval && !isExpired(l.request, now))
    .map((l) => l.request);
}

/** Phases in which asking for a cancel makes sense; the cancel itself re-checks at approval time. */
const CANCELLABLE: readonly OffboardingPhase[] = ['starting', 'disabling', 'disabled', 'failed', 'stopped'];

/** DELETE /offboardings/{user} (and `cancel-offboarding`) under `cancelApproval: "required"`. */
export async function requestCancel(
  deps: ApprovalDeps,
  userNameInput: string,
  input: { requestedBy: string; reason?: string },
): Promise<PendingApproval> {
  const userName = checkUserName(userNameInput);
  const requestedBy = checkPrincipal(input.requestedBy, 'requestedBy');
  const reason = input.reason === undefined ? undefined : checkReason(input.reason);
  const status = await offboardingStatus(deps, userName);
  if (!status.userExists || !status.userId || !status.executionName || !CANCELLABLE.includes(status.phase)) {
    throw new WorkflowConflictError(
      `the offboarding of ${userName} is ${status.phase}${status.executionName ? ` (${status.executionName})` : ''}; there is nothing to cancel`,
      status.executionName ?? '',
    );
  }
  const offboardingExecutionName = status.executionName;
  return recordRequest(
    deps,
    {
      action: 'cancel',
      userName,
      userId: status.userId,
      requestedBy,
      ...(reason ? { reason } : {}),
      offboardingExecutionName,
    },
    (pending) => {
      if (pending.offboardingExecutionName !== offboardingExecutionName) {
        throw new WorkflowConflictError(
          `a cancel of ${pending.offboardingExecutionName} awaits approval (${pending.id})`,
          offboardingExecutionName,
        );
      }
    },
  );
}

/**
 * `POST /offboardings/{user}/approval` and `approve-offboarding`: a principal other than the
 * requester approves the user's pending request, which then runs exactly as an unapproved request
 * would have. Expired, decided or unknown requests are refused and change nothing.
 */
export async function approveRequest(
  deps: ApprovalDeps,
  userNameInput: string,
  input: { action: ApprovalAction; approvedBy: string; requestId?: string },
): Promise<ApprovalOutcome> {
  const userName = checkUserName(userNameInput);
  const approvedBy = checkPrincipal(input.approvedBy, 'approvedBy');
  if (input.action !== 'offboard' && input.action !== 'cancel')
    throw new ValidationError('action must be "offboard" or "cancel"');
  const { action } = input;
  const now = clockOf(deps)();
  const { latest } = await latestRequest(deps, userName, action);
  if (!latest) throw new NoPendingApprovalError(`no ${action} request of ${userName} awaits approval`);
  const { request } = latest;
  if (input.requestId !== undefined && input.requestId !== request.id) {
    throw new NoPendingApprovalError(`request ${input.requestId} of ${userName} is not the pending one (latest: ${request.id})`);
  }
  if (latest.approval) {
    throw new NoPendingApprovalError(
      `the latest ${action} request of ${userName} (${request.id}) was already approved by ${latest.approval.approvedBy} at ${latest.approval.approvedAt}`,
    );
  }
  if (isExpired(request, now)) {
    throw new ApprovalExpiredError(
      `the ${action} request of ${userName} (${request.id}) expired unapproved at ${request.expiresAt}; request it again`,
    );
  }
  if (samePrincipal(approvedBy, request.requestedBy)) throw new SelfApprovalError(userName, approvedBy);

  const user = await deps.iam.findUser(userName);
  if (!user) throw new UserNotFoundError(userName);
  assertExactSpelling(userName, user.userName);
  if (user.userId !== request.userId) throw new UserReplacedError(userName, request.userId, user.userId);

  if (action === 'cancel') {
    const status = await offboardingStatus(deps, userName);
    if (status.executionName !== request.offboardingExecutionName) {
      throw new WorkflowConflictError(
        `request ${request.id} was to cancel ${request.offboardingExecutionName}, but the offboarding of ${userName} is now ${status.executionName ?? 'none'}; nothing was cancelled`,
        status.executionName ?? '',
      );
    }
  }
  const approval: ApprovalRecord = { approvedBy, approvedAt: now.toISOString() };
  const claim = await deps.records.create(approvalKeys(userName, request.id).approval, approval);
  if (!claim.created) {
    throw new NoPendingApprovalError(
      `request ${request.id} of ${userName} was approved by ${claim.value.approvedBy} at ${claim.value.approvedAt} meanwhile`,
    );
  }
  const requester = `${request.requestedBy}${request.onBehalfOf ? ` (on behalf of ${request.onBehalfOf})` : ''}`;
  const decidedBy = `${requester}, approved by ${approvedBy}`;
  if (action === 'offboard') {
    const offboarding = await startOffboarding(deps, {
      userName,
      reason: request.reason ?? '',
      requestedBy: decidedBy,
      ...(request.observationDays !== undefined ? { observationDays: request.observationDays } : {}),
      approvalId: request.id,
    });
    return { status: 'approved', request, approval, offboarding };
  }
  const cancel = await cancelOffboarding(deps, userName, {
    requestedBy: decidedBy,
    ...(request.reason ? { reason: request.reason } : {}),
  });
  return { status: 'approved', request, approval, cancel };
}
