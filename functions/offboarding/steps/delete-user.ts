/**
 * Step 5, DeleteUser: claim the outcome against a cancel, then remove every dependency in the order
 * AWS requires, the user's secret and the user; resumes after a crash. Runs only inside a live
 * execution whose own history shows the user disabled and the observation period (from the deployed
 * config) over, so a direct invoke cannot delete anyone early. The final record is written once,
 * Object-Locked, and its digest returned into the execution's state.
 */
import { secretNameFor } from '../../shared/config';
import { ValidationError } from '../../shared/errors';
import { assertManaged } from '../../shared/scope';
import type { ActivityState } from '../activity';
import { countTeardown, offboardingTags, planTeardown, recordKeys, type TeardownStep } from '../domain';
import { OffboardingCancelledError } from '../errors';
import {
  REACTED_REENABLE_FOLDER,
  requireState,
  type CompletedRecord,
  type DecisionRecord,
  type DisableResult,
  type FinalRecord,
  type ReactedReenable,
  type SnapshotRef,
  type StatusRecord,
  type StepContext,
  type StepInput,
  type StepOutcome,
  type TeardownResult,
} from './context';

function isSecretScheduledForDeletion(error: unknown): boolean {
  const e = error as Error | undefined;
  return e?.name === 'InvalidRequestException' && /marked (for )?delet/i.test(e.message);
}

export function makeDeleteUser(ctx: StepContext) {
  const { iam, records, secrets, notifier, config, clock, logger } = ctx.deps;

  async function runTeardownStep(userName: string, s: TeardownStep): Promise<StepOutcome> {
    const done = (changed: boolean): StepOutcome => ({
      op: s.op,
      ...('id' in s ? { id: s.id } : {}),
      result: changed ? 'removed' : 'already-gone',
    });
    switch (s.op) {
      case 'DeleteLoginProfile':
        return done(await iam.deleteLoginProfile(userName));
      case 'DeleteAccessKey':
        return done(await iam.deleteAccessKey(userName, s.id));
      case 'DeleteSigningCertificate':
        return done(await iam.deleteSigningCertificate(userName, s.id));
      case 'DeleteSSHPublicKey':
        return done(await iam.deleteSshPublicKey(userName, s.id));
      case 'DeleteServiceSpecificCredential':
        return done(await iam.deleteServiceCredential(userName, s.id));
      case 'DeactivateMFADevice':
        return done(await iam.deactivateMfaDevice(userName, s.id));
      case 'DeleteVirtualMFADevice':
        return done(await iam.deleteVirtualMfaDevice(s.id));
      case 'DeleteUserPolicy':
        return done(await iam.deleteInlinePolicy(userName, s.id));
      case 'DetachUserPolicy':
        return done(await iam.detachPolicy(userName, s.id));
      case 'RemoveUserFromGroup':
        return done(await iam.removeFromGroup(userName, s.id));
      case 'DeleteUserPermissionsBoundary':
        return done(await iam.deletePermissionsBoundary(userName));
      case 'DeleteSecret':
        try {
          return done(await secrets.deleteSecret(s.id));
        } catch (error) {
          // An earlier attempt already scheduled it for deletion.
          if (isSecretScheduledForDeletion(error)) return { op: s.op, id: s.id, result: 'scheduled-for-deletion' };
          throw error;
        }
      case 'DeleteUser':
        return done(await iam.deleteUser(userName));
    }
  }

  return async function deleteUser(input: StepInput): Promise<TeardownResult> {
    return ctx.step('deleteUser', async () => {
      const state = requireState(input?.state, 'deleteUser');
      const { userName, executionName } = state;
      const { input: request } = await ctx.live(input.executionId, state);
      const timing = ctx.timingOf(request);
      const disabledBy = await ctx.recorded<DisableResult>(executionName, 'Disable', 'disable');
      if (!disabledBy)
        throw new ValidationError(`refused: execution ${executionName} never disabled ${userName}; nothing was deleted`);
      const snapshot = await ctx.recorded<SnapshotRef>(executionName, 'Snapshot', 'snapshot');
      // The latest activity check of this execution (its history) must have cleared the deletion.
      const activity = await ctx.recorded<ActivityState>(executionName, 'CheckActivity', 'activity');
      const user = await iam.findUser(userName);
      const userReplaced = user !== undefined && user.userId !== state.userId;
      if (user && !userReplaced) {
        assertManaged(user, config, ctx.deps.automationUserNames);
        const due = Math.max(
          new Date(disabledBy.deleteAfter).getTime(),
          new Date(disabledBy.disabledAt).getTime() + timing.observationSeconds * 1000,
        );
        if (clock().getTime() < due) {
          throw new ValidationError(
            `refused: the observation of ${userName} lasts until ${new Date(due).toISOString()}; nothing was deleted`,
          );
        }
        if (activity?.decision !== 'delete') {
          throw new ValidationError(
            `refused: the activity check of ${executionName} has not cleared the deletion of ${userName}; nothing was deleted`,
          );
        }
      }

      const keys = recordKeys(userName, executionName);
      // Claim the outcome before touching anything: if a cancel got there first, stop here.
      const claim = await records.create<DecisionRecord>(keys.decision, {
        decision: 'delete',
        at: clock().toISOString(),
        by: 'observation-ended',
        executionName,
      });
      if (claim.value.decision === 'cancel') throw new OffboardingCancelledError(userName, executionName);
      const statusBase = ctx.baseStatus({ ...state, disable: disabledBy, ...(snapshot ? { snapshot } : {}) });
      await records.put(keys.status, { ...statusBase, phase: 'deleting', deletingSince: claim.value.at } satisfies StatusRecord);

      const secretName = secretNameFor(config, userName);
      let plan: TeardownStep[];
      if (!user) {
        // Deleted by an earlier attempt or by someone else: only our secret can be left.
        plan = [{ op: 'DeleteSecret', id: secretName }];
      } else if (userReplaced) {
        // The name now belongs to another user: touch nothing of it, not even the secret of that name.
        logger.warn('user was replaced before deletion; leaving the new user alone', { userName, executionName });
        plan = [];
      } else {
        await ctx.tagBestEffort(userName, offboardingTags('deleting', executionName, disabledBy.deleteAfter));
        plan = planTeardown(await iam.inventory(userName), secretName, ctx.denyPolicyArn());
      }
      const firstPlan = (await records.create(keys.teardownPlan, { plannedAt: clock().toISOString(), steps: plan })).value;

      const outcomes: StepOutcome[] = [];
      for (const s of plan) outcomes.push(await runTeardownStep(userName, s));

      const deletedAt = clock().toISOString();
      const reacted = await records.getAll<ReactedReenable>(`${keys.prefix}${REACTED_REENABLE_FOLDER}`);
      const record: CompletedRecord = {
        outcome: 'completed',
        userName,
        userId: state.userId,
        executionName,
        startedAt: state.startedAt,
        reason: state.reason,
        requestedBy: state.requestedBy,
        ...(snapshot ? { snapshotKey: snapshot.key } : {}),
        disabledAt: disabledBy.disabledAt,
        deleteAfter: disabledBy.deleteAfter,
        deletedAt,
        reenabledCount: (state.observation?.reenabledCount ?? 0) + reacted.filter((r) => r.disabledAgain).length,
        ...(reacted.length > 0 ? { reenabledByReactions: reacted } : {}),
        ...(activity
          ? {
              activityBeforeDeletion: {
                postponements: activity.postponements,
                maxPostponements: activity.maxPostponements,
                ...(activity.lastActivityAt ? { lastActivityAt: activity.lastActivityAt } : {}),
                checks: activity.checks,
              },
            }
          : {}),
        removed: firstPlan.steps,
        lastAttempt: outcomes,
        userAlreadyGone: !user,
        userReplaced,
      };
      // The first complete record wins: a retry after it was written keeps the original.
      const final = await records.create<FinalRecord>(keys.finalRecord, record, ctx.finalRecordRetention());
      await records.put(keys.status, {
        ...statusBase,
        phase: 'completed',
        deletingSince: claim.value.at,
        deletedAt: final.value.outcome === 'completed' ? final.value.deletedAt : deletedAt,
        finalRecordKey: keys.finalRecord,
      } satisfies StatusRecord);
      const removed = countTeardown(firstPlan.steps);
      await notifier.publish({
        type: 'offboarding.completed',
        userName,
        executionName,
        deletedAt,
        removed,
        userAlreadyGone: !user,
        userReplaced,
      });
      logger.info('user deleted', { userName, executionName, removed });
      return {
        deletedAt,
        finalRecordKey: keys.finalRecord,
        removed,
        userAlreadyGone: !user,
        userReplaced,
        sha256: final.sha256,
        ...(final.versionId ? { versionId: final.versionId } : {}),
      };
    });
  };
}
