/**
 * Step 6, RestoreUser (cancel): undoes only what its own offboarding did, and never grants.
 *
 * It runs only inside a live restore execution that the service started: the cancel decision record
 * (written by the service before it stopped the offboarding) must name this execution, so a
 * hand-started restore is refused. It reactivates exactly the credentials the offboarding's Disable
 * step recorded in its output (read from that execution's own history; if Disable was stopped before
 * it returned, the ids Active in the hash-verified snapshot and Inactive now), detaches the deny
 * policy and removes the offboarding tags. Anything that changed during observation is reported, not
 * reverted; anything it cannot do (a credential deleted meanwhile, a limit) is reported and the
 * restore still completes, so no cancel leaves a user disabled for good.
 */
import { classifyError, IntegrityError, isTransient, ValidationError, WorkflowConflictError } from '../../shared/errors';
import { NotInLiveExecutionError } from '../../shared/execution-guard';
import type { Notification } from '../../shared/notifier';
import { redactSecretLikeValues } from '../../shared/redact';
import { requireString } from '../../shared/steps';
import type { UserInventory } from '../../shared/iam/records';
import {
  CONSOLE_PASSWORD_NOTE,
  deactivatedIds,
  noDeactivatedIds,
  planRestore,
  recordKeys,
  refuseInputTiming,
  restoreExecutionName,
  type DeactivatedIds,
  type RestoreAction,
  type RestoreNote,
  type UserSnapshot,
} from '../domain';
import {
  checkRequestedBy,
  checkUserName,
  type CancelledRecord,
  type DecisionRecord,
  type DisableResult,
  type FinalRecord,
  type OffboardRequest,
  type RestoreRequest,
  type RestoreResult,
  type SnapshotRef,
  type StatusRecord,
  type OffboardingStepDeps,
  type StepContext,
  type WithContext,
} from './context';

/** Restore attempts of one offboarding, as the service names them. */
const MAX_RESTORE_ATTEMPTS = 20;

function isDeactivatedIds(value: unknown): value is DeactivatedIds {
  const v = value as Partial<Record<keyof DeactivatedIds, unknown>> | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    (['accessKeyIds', 'sshPublicKeyIds', 'signingCertificateIds', 'serviceSpecificCredentialIds'] as const).every(
      (k) => Array.isArray(v[k]) && (v[k] as unknown[]).every((id) => typeof id === 'string'),
    )
  );
}

export function makeRestore(ctx: StepContext<OffboardingStepDeps>) {
  const { iam, records, notifier, clock, logger } = ctx.deps;

  async function apply(userName: string, action: RestoreAction): Promise<void> {
    switch (action.op) {
      case 'reactivate':
        switch (action.kind) {
          case 'access-key':
            await iam.setAccessKeyStatus(userName, action.id, 'Active');
            return;
          case 'ssh-public-key':
            await iam.setSshPublicKeyStatus(userName, action.id, 'Active');
            return;
          case 'signing-certificate':
            await iam.setSigningCertificateStatus(userName, action.id, 'Active');
            return;
          case 'service-specific-credential':
            await iam.setServiceCredentialStatus(userName, action.id, 'Active');
            return;
        }
        return;
      case 'detach-deny-policy':
        await iam.detachPolicy(userName, ctx.denyPolicyArn());
        return;
      case 'untag':
        await iam.untagUser(userName, action.keys);
        return;
    }
  }

  /** The restore may act only for the cancel the service recorded: this execution or an earlier failed attempt. */
  function checkDecision(decision: DecisionRecord | undefined, offboardingName: string, restoreName: string, userName: string) {
    if (!decision || decision.decision !== 'cancel') {
      if (decision?.decision === 'delete') {
        throw new WorkflowConflictError(
          `user ${userName} has been in deletion since ${decision.at}; it cannot be restored`,
          offboardingName,
        );
      }
      throw new ValidationError(
        `refused: no cancel was recorded for ${offboardingName}; a restore runs only when a cancel is requested through the API or CLI. Nothing was changed`,
      );
    }
    const names = Array.from({ length: MAX_RESTORE_ATTEMPTS }, (_, i) => restoreExecutionName(offboardingName, i + 1));
    const recorded = names.indexOf(decision.executionName);
    const self = names.indexOf(restoreName);
    if (recorded < 0 || self < 0 || self < recorded) {
      throw new ValidationError(
        `refused: the cancel of ${offboardingName} was recorded for ${decision.executionName}, not for ${restoreName}. Nothing was changed`,
      );
    }
  }

  return async function restore(input: WithContext<RestoreRequest>): Promise<RestoreResult> {
    return ctx.step('restore', async () => {
      refuseInputTiming(input?.request);
      const restoreName = requireString(input?.executionName, 'executionName');
      const userName = checkUserName(input?.request?.userName);
      // The execution's own input (recorded by Step Functions) is the request; the step input must agree.
      const summary = await ctx.guard.assertLive('offboarding', input.executionId, userName);
      if (summary.name !== restoreName) {
        throw new NotInLiveExecutionError('offboarding', String(input.executionId), 'the input names another execution');
      }
      const request = summary.input as Partial<RestoreRequest>;
      if (request.action !== 'restore') {
        throw new NotInLiveExecutionError('offboarding', String(input.executionId), 'the execution is not a restore');
      }
      const userId = requireString(request.userId, 'userId');
      const offboardingName = requireString(request.offboardingExecutionName, 'offboardingExecutionName');
      const requestedBy = checkRequestedBy(request.requestedBy);
      const keys = recordKeys(userName, offboardingName);

      checkDecision(await records.get<DecisionRecord>(keys.decision), offboardingName, restoreName, userName);
      const earlier = await records.get<FinalRecord>(keys.finalRecord);
      if (earlier && (earlier.outcome !== 'cancelled' || earlier.restoreExecutionName !== restoreName)) {
        throw new WorkflowConflictError(
          `offboarding ${offboardingName} already ended (${earlier.outcome}); nothing was changed`,
          offboardingName,
        );
      }
      const offboarding = await ctx.deps.workflows().describe('offboarding', offboardingName);
      const offboardingInput = (offboarding?.input ?? {}) as Partial<OffboardRequest>;
      if (!offboarding || offboardingInput.action !== 'offboard' || offboardingInput.userName !== userName) {
        throw new ValidationError(`refused: ${offboardingName} is not an offboarding of ${userName}. Nothing was changed`);
      }
      if (offboardingInput.userId !== undefined && offboardingInput.userId !== userId) {
        throw new ValidationError(`refused: ${offboardingName} offboarded another user id. Nothing was changed`);
      }
      if (offboarding.status === 'RUNNING') {
        throw new WorkflowConflictError(
          `offboarding ${offboardingName} is still running; it must be stopped first`,
          offboardingName,
        );
      }
      await ctx.managedSameUser(userName, userId);

      const notes: RestoreNote[] = [];
      // The snapshot pinned by the offboarding's own Snapshot step: reported against, never applied.
      const ref = await ctx.recorded<SnapshotRef>(offboardingName, 'Snapshot', 'snapshot');
      let snapshot: UserSnapshot | undefined;
      if (ref) {
        try {
          snapshot = await records.getVerified<UserSnapshot>(keys.snapshot, ref);
        } catch (error) {
          if (!(error instanceof IntegrityError)) throw error;
          notes.push({ kind: 'action-failed', id: keys.snapshot, detail: error.message });
        }
      }
      const current: UserInventory = await iam.inventory(userName, { policyDocuments: true });
      const recordedDisable = await ctx.recorded<DisableResult>(offboardingName, 'Disable', 'disable');
      let deactivated: DeactivatedIds = noDeactivatedIds();
      let deactivatedFrom: CancelledRecord['deactivatedFrom'] = 'none';
      if (isDeactivatedIds(recordedDisable?.disabled?.deactivated)) {
        deactivated = recordedDisable.disabled.deactivated;
        deactivatedFrom = 'disable-output';
      } else if (snapshot) {
        // Stopped while Disable ran (its output never reached the history): what it would have recorded.
        deactivated = deactivatedIds(current, snapshot);
        deactivatedFrom = 'snapshot';
      }

      const plan = planRestore({ deactivated, current, denyPolicyArn: ctx.denyPolicyArn(), ...(snapshot ? { snapshot } : {}) });
      const done: RestoreAction[] = [];
      for (const action of plan.actions) {
        try {
          await apply(userName, action);
          done.push(action);
        } catch (error) {
          // Throttling is retried by the state machine; anything else is reported and the rest goes on.
          if (isTransient(error)) throw error;
          const classified = classifyError(error);
          notes.push({
            kind: 'action-failed',
            ...('id' in action ? { id: action.id } : {}),
            detail: `${action.op}${'id' in action ? ` ${action.id}` : ''} failed: ${classified.name}: ${redactSecretLikeValues(classified.message).slice(0, 300)}`,
          });
        }
      }
      notes.push(...plan.notes);

      const cancelledAt = clock().toISOString();
      const hadPassword = snapshot?.loginProfile !== undefined;
      const record: CancelledRecord = {
        outcome: 'cancelled',
        userName,
        userId,
        executionName: offboardingName,
        restoreExecutionName: restoreName,
        cancelledAt,
        requestedBy,
        ...(request.reason ? { reason: request.reason } : {}),
        snapshotKey: keys.snapshot,
        snapshotFound: snapshot !== undefined,
        deactivatedFrom,
        restored: done,
        notRestored: notes,
        consolePassword: { existedBefore: hadPassword, restored: false, ...(hadPassword ? { note: CONSOLE_PASSWORD_NOTE } : {}) },
      };
      const final = await records.create<FinalRecord>(keys.finalRecord, record, ctx.finalRecordRetention());
      const status = await records.get<StatusRecord>(keys.status);
      if (status) {
        await records.put(keys.status, {
          ...status,
          phase: 'cancelled',
          updatedAt: cancelledAt,
          cancelledAt,
          restoreExecutionName: restoreName,
          finalRecordKey: keys.finalRecord,
        } satisfies StatusRecord);
      }
      const notification: Notification = {
        type: 'offboarding.cancelled',
        userName,
        executionName: offboardingName,
        restoreExecutionName: restoreName,
        requestedBy,
        restoredActions: done.length,
        consolePasswordRestored: false,
        ...(hadPassword ? { consolePasswordNote: CONSOLE_PASSWORD_NOTE } : {}),
        notRestored: notes.map((n) => n.detail),
      };
      await notifier.publish(notification);
      logger.info('offboarding cancelled and user restored', { userName, offboardingName, actions: done.length });
      return {
        cancelledAt,
        finalRecordKey: keys.finalRecord,
        snapshotFound: snapshot !== undefined,
        actions: done.length,
        notes: notes.map((n) => n.kind),
        consolePasswordRestored: hadPassword ? false : 'not-applicable',
        sha256: final.sha256,
        ...(final.versionId ? { versionId: final.versionId } : {}),
      };
    });
  };
}
