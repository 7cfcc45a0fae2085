/** Adapts the offboarding service (functions/offboarding/service.ts) to what the API handler calls. */
import { cancelOffboarding, offboardingStatus, startOffboarding, type OffboardingServiceDeps } from '../offboarding/service';
import { approveRequest, pendingApprovals, requestCancel, requestOffboarding } from '../offboarding/approval';
import type { OffboardingApi } from './handler';

export function offboardingApi(deps: OffboardingServiceDeps): OffboardingApi {
  return {
    start: async ({ userName, reason, requestedBy, onBehalfOf, observationDays }) => {
      const result = await startOffboarding(deps, {
        userName,
        reason,
        // The authenticated caller is recorded; an HR system may name the person it acts for.
        requestedBy: onBehalfOf ? `${requestedBy} (on behalf of ${onBehalfOf})` : requestedBy,
        ...(observationDays !== undefined ? { observationDays } : {}),
      });
      return {
        executionName: result.executionName,
        started: result.started,
        userId: result.userId,
        observationSeconds: result.observationSeconds,
        ...(result.existing ? { status: result.existing.status, startedAt: result.existing.startDate.toISOString() } : {}),
      };
    },
    cancel: async (userName, requestedBy) => {
      const result = await cancelOffboarding(deps, userName, { requestedBy });
      return {
        userName,
        offboardingExecutionName: result.offboardingExecutionName,
        restoreExecutionName: result.restoreExecutionName,
        started: result.started,
        note: 'the offboarding is stopped and the user is being restored from its snapshot; a console password cannot be restored',
      };
    },
    requestApproval: async (request) => {
      const pending =
        request.action === 'offboard'
          ? await requestOffboarding(deps, request)
          : await requestCancel(deps, request.userName, { requestedBy: request.requestedBy });
      return { status: pending.status, created: pending.created, request: pending.request };
    },
    approve: async (userName, request) => {
      const outcome = await approveRequest(deps, userName, request);
      return {
        status: outcome.status,
        action: outcome.request.action,
        requestId: outcome.request.id,
        requestedBy: outcome.request.requestedBy,
        approvedBy: outcome.approval.approvedBy,
        approvedAt: outcome.approval.approvedAt,
        ...(outcome.offboarding
          ? { executionName: outcome.offboarding.executionName, started: outcome.offboarding.started }
          : {}),
        ...(outcome.cancel
          ? {
              offboardingExecutionName: outcome.cancel.offboardingExecutionName,
              restoreExecutionName: outcome.cancel.restoreExecutionName,
              started: outcome.cancel.started,
            }
          : {}),
      };
    },
    status: async (userName) => {
      const status = await offboardingStatus(deps, userName);
      const pending = await pendingApprovals(deps, userName);
      const withPending = pending.length > 0 ? { ...status, pendingApprovals: pending } : { ...status };
      return status.phase === 'not-offboarded' && pending.length === 0 ? undefined : withPending;
    },
  };
}
