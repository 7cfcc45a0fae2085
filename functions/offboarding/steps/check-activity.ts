/**
 * Step 4b, CheckActivity (issue 10, activity before deletion): once the observation is over, look up
 * CloudTrail for the user's activity since it was disabled, by its user name and by each access key
 * id Disable recorded, every page within `activityLookupBudgetSeconds`. The stack's own calls and
 * other principals' calls about the user are ignored. Activity found, or a lookup that failed or
 * was cut short with nothing found, postpones deletion by one check interval (notifying
 * `offboarding.activity-seen` for activity), at most `offboardingActivityPostponements` times; then
 * the user is held: it stays disabled and a person decides (OffboardingHeldError, offboarding.failed).
 * Calls no IAM: the user's key ids and disable time come from this execution's own history.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { TrailEventSource, TrailEvent } from '../../shared/cloudtrail';
import { classifyError, ValidationError } from '../../shared/errors';
import type { Notifier } from '../../shared/notifier';
import {
  activityWindow,
  decideActivity,
  newUserEvents,
  outcomeOf,
  summarizeUserActivity,
  type ActivityCheck,
  type ActivityState,
  type ActivitySubject,
  type LookupReport,
} from '../activity';
import { OffboardingHeldError } from '../errors';
import { requireState, type DisableResult, type StepInput } from './context';
import { makeExecutionContext, type ExecutionContextDeps } from '../execution-context';

/** The checks a state carries: the first and the latest ones (the history keeps every one). */
const MAX_CHECKS_CARRIED = 32;

export interface ActivityStepDeps extends ExecutionContextDeps {
  /** CloudTrail LookupEvents (deployed) or the event tap's recorded events (local). */
  readonly trail: TrailEventSource;
  /** Unique ids (or ARNs) of the stack's roles: their calls are never the user's activity. */
  readonly ownPrincipals: readonly string[];
  readonly notifier: Notifier;
  readonly clock: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export function makeCheckActivity(deps: ActivityStepDeps) {
  const ctx = makeExecutionContext(deps);
  const { trail, notifier, clock, logger, config } = deps;

  /** Every lookup of one check, sharing one time budget; a failed lookup is reported, not thrown. */
  async function lookUp(subject: ActivitySubject, window: { start: Date; end: Date }) {
    const deadline = clock().getTime() + config.activityLookupBudgetSeconds * 1000;
    const queries = [
      { attribute: 'Username' as const, value: subject.userName },
      ...subject.accessKeyIds.map((id) => ({ attribute: 'AccessKeyId' as const, value: id })),
    ];
    const reports: LookupReport[] = [];
    const events: TrailEvent[] = [];
    for (const q of queries) {
      const budgetMs = deadline - clock().getTime();
      if (budgetMs <= 0) {
        reports.push({ ...q, events: 0, pages: 0, truncated: true });
        continue;
      }
      try {
        const found = await trail.lookup(q.attribute, q.value, { startTime: window.start, endTime: window.end, budgetMs });
        events.push(...found.events);
        reports.push({ ...q, events: found.events.length, pages: found.pages, truncated: found.truncated });
      } catch (error) {
        // Throttled (2 calls a second per account), unavailable, or refused: never read as "no activity".
        const name = classifyError(error).name;
        logger.warn('CloudTrail lookup failed; deletion will not go ahead on it', { attribute: q.attribute, errorName: name });
        reports.push({ ...q, events: 0, pages: 0, truncated: false, error: name });
      }
    }
    return { reports, events };
  }

  return async function checkActivity(input: StepInput): Promise<ActivityState> {
    return ctx.step('checkActivity', async () => {
      const state = requireState(input?.state, 'checkActivity');
      const { userName, executionName } = state;
      const { input: request } = await ctx.live(input.executionId, state);
      const timing = ctx.timingOf(request);
      const disabledBy = await ctx.recorded<DisableResult>(executionName, 'Disable', 'disable');
      if (!disabledBy) throw new ValidationError('checkActivity runs only after this execution disabled the user');
      const previous = await ctx.recorded<ActivityState>(executionName, 'CheckActivity', 'activity');
      const now = clock();
      const disabledAt = new Date(disabledBy.disabledAt);
      const subject: ActivitySubject = { userName, userId: state.userId, accessKeyIds: disabledBy.disabled.accessKeyIds };
      const window = activityWindow(disabledAt, now, previous);

      const { reports, events } = await lookUp(subject, window);
      const counted = newUserEvents(events, subject, deps.ownPrincipals, {
        disabledAt,
        ...(previous?.lastActivityAt ? { lastActivityAt: previous.lastActivityAt } : {}),
      });
      const summary = summarizeUserActivity(counted.user);
      const outcome = outcomeOf(counted.user.length, reports);
      const postponements = previous?.postponements ?? 0;
      const maxPostponements = config.offboardingActivityPostponements;
      const decision = decideActivity(outcome, postponements, maxPostponements);
      const check: ActivityCheck = {
        checkedAt: now.toISOString(),
        window: { start: window.start.toISOString(), end: window.end.toISOString() },
        lookups: reports,
        found: counted.user.length,
        ignoredStackEvents: counted.stack,
        ignoredOtherEvents: counted.other,
        ...(summary ? { summary } : {}),
        outcome,
        decision,
      };
      const checks = [...(previous?.checks ?? []), check];
      const lastActivityAt = summary?.last ?? previous?.lastActivityAt;
      const coveredUntil = outcome === 'incomplete' ? previous?.coveredUntil : check.window.end;
      const result: ActivityState = {
        decision,
        postponements: decision === 'postpone' ? postponements + 1 : postponements,
        maxPostponements,
        waitSeconds: timing.checkIntervalSeconds,
        ...(lastActivityAt ? { lastActivityAt } : {}),
        ...(coveredUntil ? { coveredUntil } : {}),
        checks: checks.length > MAX_CHECKS_CARRIED ? [checks[0]!, ...checks.slice(-(MAX_CHECKS_CARRIED - 1))] : checks,
      };

      if (summary) {
        await notifier.publish({
          type: 'offboarding.activity-seen',
          userName,
          executionName,
          disabledAt: disabledBy.disabledAt,
          window: check.window,
          eventCount: summary.eventCount,
          eventNames: summary.eventNames,
          sourceIps: summary.sourceIps,
          errorCodes: summary.errorCodes,
          firstEventAt: summary.first,
          lastEventAt: summary.last,
          decision,
          postponements: result.postponements,
          maxPostponements,
          ...(decision === 'postpone'
            ? { nextCheckAt: new Date(now.getTime() + timing.checkIntervalSeconds * 1000).toISOString() }
            : {}),
        });
      }
      logger.info('activity before deletion checked', {
        userName,
        executionName,
        outcome,
        decision,
        found: check.found,
        postponements: result.postponements,
      });
      if (decision === 'hold') {
        throw new OffboardingHeldError(
          userName,
          executionName,
          postponements,
          outcome === 'activity' ? 'activity' : 'incomplete',
        );
      }
      return result;
    });
  };
}
