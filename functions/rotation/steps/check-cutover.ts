/** CheckCutover: has the workload moved to the new key? Decides wait, confirm, overdue or continue later. */
import { cutoverCheckLimit, rotationTiming } from '../../shared/config';
import { ValidationError } from '../../shared/errors';
import { durationAllowsAnotherCheck } from '../../shared/execution-limits';
import { offboardingPhaseOf } from '../../shared/scope';
import { decideCutover, type CutoverDecision } from '../domain';
import { makeConfirm, ownerOf, stepRunner, type CutoverState, type RotationState, type RotationStepDeps } from './context';

export function makeCheckCutover(deps: RotationStepDeps) {
  const { iam, notifier, config, clock, logger } = deps;
  const step = stepRunner(logger);
  const confirm = makeConfirm(deps);

  async function checkCutover(state: RotationState): Promise<CutoverState> {
    return step('checkCutover', async () => {
      if (!state.newKey) throw new ValidationError('checkCutover needs newKey');
      const { execution, user } = await confirm(state);
      const timing = rotationTiming(config);
      const now = clock();
      const previous = state.cutover;
      // An offboarding that started meanwhile has disabled both keys on purpose: stop waiting.
      const offboarding = offboardingPhaseOf(user.tags);
      if (offboarding !== undefined) {
        const reason = `user ${state.userName} is being offboarded (${offboarding}); the rotation stops and leaves its keys to the offboarding`;
        await notifier.publish({
          type: 'rotation.abandoned',
          userName: state.userName,
          ...ownerOf(state),
          oldAccessKeyId: state.oldAccessKeyId,
          newAccessKeyId: state.newKey.accessKeyId,
          reason,
        });
        logger.warn('rotation abandoned: user is being offboarded', { userName: state.userName });
        return { decision: 'abandoned', reason, checks: (previous?.checks ?? 0) + 1, checkedAt: now.toISOString() };
      }
      const [oldUsed, newUsed] = await Promise.all([iam.lastUsed(state.oldAccessKeyId), iam.lastUsed(state.newKey.accessKeyId)]);
      const verdict = decideCutover({
        now,
        rotationStartedAt: new Date(state.startedAt),
        timing,
        oldKeyUsedBefore: state.oldKeyUsedBefore,
        ...(oldUsed ? { oldKeyLastUsedAt: oldUsed } : {}),
        ...(newUsed ? { newKeyLastUsedAt: newUsed } : {}),
        ...(previous?.lastOverdueNoticeAt ? { lastOverdueNoticeAt: new Date(previous.lastOverdueNoticeAt) } : {}),
        ...(state.oldKeyCreatedAt ? { oldKeyCreatedAt: new Date(state.oldKeyCreatedAt) } : {}),
      });
      let lastOverdueNoticeAt = previous?.lastOverdueNoticeAt;
      if (verdict.decision === 'overdue-notify' || verdict.decision === 'overdue-deactivate') {
        await notifier.publish({
          type: 'rotation.cutover-overdue',
          userName: state.userName,
          ...ownerOf(state),
          oldAccessKeyId: state.oldAccessKeyId,
          newAccessKeyId: state.newKey.accessKeyId,
          secretName: state.secretName,
          deadlineAt: state.deadlineAt,
          action: verdict.decision === 'overdue-deactivate' ? 'deactivating the old key now' : 'waiting; a person should look',
          reason: verdict.reason,
        });
        lastOverdueNoticeAt = now.toISOString();
      }
      const checks = (previous?.checks ?? 0) + 1;
      let decision: CutoverDecision = verdict.decision;
      let reason = verdict.reason;
      // Still waiting: end this execution well before Step Functions' history and duration limits;
      // the next scan resumes the rotation as a new attempt for the same keys (./start).
      if (
        (decision === 'waiting' || decision === 'overdue-notify') &&
        (checks >= cutoverCheckLimit(config) || !durationAllowsAnotherCheck(execution.startDate, now, timing))
      ) {
        decision = 'continue-later';
        reason = `${verdict.reason}; this execution ran ${checks} checks and ends here, the next scan resumes it for the same keys`;
        await notifier.publish({
          type: 'rotation.continued',
          userName: state.userName,
          ...ownerOf(state),
          oldAccessKeyId: state.oldAccessKeyId,
          newAccessKeyId: state.newKey.accessKeyId,
          executionName: state.executionName,
          startedAt: state.startedAt,
          deadlineAt: state.deadlineAt,
          reason,
        });
      }
      logger.info('cutover checked', { userName: state.userName, decision, reason });
      return {
        decision,
        reason,
        checks,
        checkedAt: now.toISOString(),
        ...(oldUsed ? { oldKeyLastUsedAt: oldUsed.toISOString() } : {}),
        ...(newUsed ? { newKeyLastUsedAt: newUsed.toISOString() } : {}),
        ...(lastOverdueNoticeAt ? { lastOverdueNoticeAt } : {}),
      };
    });
  }

  return checkCutover;
}
