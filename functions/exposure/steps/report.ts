/**
 * ReportExposure: the `key.exposed` notification with what was done and the exposed key's recent
 * CloudTrail activity (event names, source IPs, regions, first and last seen). The lookup has a
 * time budget; when it fails the notification still goes out and says the summary is unavailable.
 * Also the notify-only answer for a protected user or a key that is not the user's.
 */
import type { Notification } from '../../shared/notifier';
import type { KeyActivitySource } from '../../shared/cloudtrail';
import { failureFields } from '../../shared/steps';
import { containmentDetachableAfter, summarizeActivity, type ActivitySummary } from '../domain';
import { stepRunner, type ExposureDeps, type ExposureState } from './context';

/** How far back the summary looks (CloudTrail's event history keeps 90 days). */
export const ACTIVITY_LOOKBACK_DAYS = 90;
export const ACTIVITY_BUDGET_MS = 20_000;

export interface ReportDeps extends Pick<ExposureDeps, 'notifier' | 'logger' | 'clock' | 'guard'> {
  readonly activity: KeyActivitySource;
}

export function makeReportExposure(deps: ReportDeps) {
  const step = stepRunner(deps.logger);

  async function activityOf(accessKeyId: string): Promise<ActivitySummary> {
    const endTime = deps.clock();
    const startTime = new Date(endTime.getTime() - ACTIVITY_LOOKBACK_DAYS * 86_400_000);
    try {
      const found = await deps.activity.lookupByAccessKey(accessKeyId, { startTime, endTime, budgetMs: ACTIVITY_BUDGET_MS });
      return summarizeActivity(found.events, found.truncated);
    } catch (error) {
      deps.logger.warn('CloudTrail lookup failed; notifying without the activity summary', {
        errorName: (error as Error).name,
      });
      return { ...summarizeActivity([], true), unavailable: (error as Error).name || 'Error' };
    }
  }

  return async function reportExposure(state: ExposureState): Promise<{ notified: 'key.exposed'; activity: ActivitySummary }> {
    return step('reportExposure', async () => {
      // Only a live exposure execution may publish in its name.
      await deps.guard.assertLive('exposure', state?.executionId, String(state?.userName));
      const activity = await activityOf(state.accessKeyId);
      const action = state.status === 'respond' ? 'contained' : 'notify-only';
      const notification: Notification = {
        type: 'key.exposed',
        userName: state.userName,
        accessKeyId: state.accessKeyId,
        action,
        reason: state.reason,
        source: state.source,
        ...(state.eventId ? { eventId: state.eventId } : {}),
        note: state.note,
        ...(state.contained
          ? {
              containmentPolicy: {
                policyArn: state.contained.policyArn,
                denies: 'every request made with temporary credentials of the user (aws:TokenIssueTime present)',
                keptAttached: true,
                // No session minted with the exposed key outlives this; a person may detach it then.
                ...(state.deactivation
                  ? { detachableAfter: containmentDetachableAfter(new Date(state.deactivation.deactivatedAt)) }
                  : {}),
              },
            }
          : {}),
        replacementAccessKeyId: state.newKey?.accessKeyId ?? null,
        ...(state.replaceError ? { replacementFailed: failureFields(state.replaceError) } : {}),
        ...(state.newKey ? { secretName: state.secretName } : {}),
        deactivated: state.deactivation !== undefined,
        ...(state.deactivation ? { deleteAfter: state.deactivation.deleteAfter } : {}),
        quarantinePoliciesLeftInPlace: state.quarantinePolicies,
        activity,
        executionName: state.executionName,
      };
      await deps.notifier.publish(notification);
      return { notified: 'key.exposed', activity };
    });
  };
}

export function makeNotifyExposureFailed(deps: Pick<ExposureDeps, 'notifier' | 'logger'>) {
  const step = stepRunner(deps.logger);
  return async function notifyFailed(input: { state?: Partial<ExposureState>; error?: { Error?: string; Cause?: string } }) {
    return step('notifyFailed', async () => {
      const s = input?.state ?? {};
      await deps.notifier.publish({
        type: 'exposure.failed',
        ...(typeof s.userName === 'string' ? { userName: s.userName } : {}),
        ...(typeof s.accessKeyId === 'string' ? { accessKeyId: s.accessKeyId } : {}),
        contained: s.contained !== undefined,
        deactivated: s.deactivation !== undefined,
        ...(typeof s.executionName === 'string' ? { executionName: s.executionName } : {}),
        ...(input?.error ? failureFields(input.error) : {}),
      });
      return { notified: 'exposure.failed' };
    });
  };
}
