/**
 * Step Functions ends an execution that exceeds 25,000 history events or one year. A rotation under
 * `cutoverDeadlineAction: notify` may wait for cutover forever, so no setting may let one execution
 * reach either limit: the cutover loop of one execution is capped at a number of checks computed
 * here from the worst case of statemachines/key-rotation.asl.json, after which CheckCutover decides
 * `continue-later` and the execution ends as `continued` (the next scan resumes it as a new attempt).
 *
 * The figures below are the worst case of the real ASL (every Task retried to its MaxAttempts, each
 * attempt timing out); test/unit/execution-limits.test.ts recomputes them from the file.
 */

/** Step Functions' hard limits (standard workflows). */
export const STEP_FUNCTIONS_MAX_HISTORY_EVENTS = 25_000;
export const STEP_FUNCTIONS_MAX_DURATION_SECONDS = 365 * 86_400;

/** Head room kept under each limit (events and time a person or a redrive may add). */
export const HISTORY_EVENT_MARGIN = 1_000;
export const DURATION_MARGIN_SECONDS = 86_400;

/**
 * History events of one Task state that invokes a Lambda ARN, worst case: TaskStateEntered,
 * LambdaFunctionScheduled, LambdaFunctionStarted, LambdaFunctionSucceeded, TaskStateExited, plus
 * Scheduled/Started/Failed (or TimedOut) for each retry.
 */
export function taskHistoryEvents(maxRetries: number): number {
  return 5 + 3 * maxRetries;
}

/** Worst-case seconds of one Task state: every attempt times out, every retry waits its longest delay. */
export function taskWorstSeconds(task: {
  timeoutSeconds: number;
  maxRetries: number;
  intervalSeconds: number;
  backoffRate: number;
  maxDelaySeconds: number;
}): number {
  let delays = 0;
  for (let retry = 0; retry < task.maxRetries; retry++) {
    delays += Math.min(task.intervalSeconds * task.backoffRate ** retry, task.maxDelaySeconds);
  }
  return task.timeoutSeconds * (task.maxRetries + 1) + delays;
}

/** Every Task of key-rotation.asl.json: TimeoutSeconds 60, Retry MaxAttempts 6, 2 s x 2, at most 120 s. */
export const ROTATION_TASK = { timeoutSeconds: 60, maxRetries: 6, intervalSeconds: 2, backoffRate: 2, maxDelaySeconds: 120 };
export const ROTATION_TASK_EVENTS = taskHistoryEvents(ROTATION_TASK.maxRetries);
export const ROTATION_TASK_SECONDS = taskWorstSeconds(ROTATION_TASK);

/** One cutover check: WaitForCutover (entered, exited), CheckCutover (a Task), CutoverDecision (entered, exited). */
export const ROTATION_EVENTS_PER_CHECK = 2 + ROTATION_TASK_EVENTS + 2;

/**
 * Everything outside the cutover loop, worst case: ExecutionStarted, six Tasks (Prepare,
 * CreateAndStoreKey, NotifyStarted, DeactivateOldKey, FinishRotation, NotifyFailed), five
 * Choice/Wait/Pass states of two events each (IsReady, ReadyMode, ObserveGracePeriod, FinishedMode,
 * the final Pass), one terminal state and ExecutionSucceeded/Failed.
 */
export const ROTATION_FIXED_EVENTS = 1 + 6 * ROTATION_TASK_EVENTS + 5 * 2 + 2 + 1;
/** Seconds outside the cutover loop and the grace period: the six Tasks at their worst. */
export const ROTATION_FIXED_SECONDS = 6 * ROTATION_TASK_SECONDS;

/**
 * The most cutover checks one rotation execution may run and still end (after the grace period)
 * under both limits; 0 when even one check cannot fit (the config is refused).
 *
 * @param timing the scaled durations the Wait states use (whole seconds)
 */
export function maxCutoverChecksPerExecution(timing: { checkIntervalSeconds: number; gracePeriodSeconds: number }): number {
  const byEvents = Math.floor(
    (STEP_FUNCTIONS_MAX_HISTORY_EVENTS - HISTORY_EVENT_MARGIN - ROTATION_FIXED_EVENTS) / ROTATION_EVENTS_PER_CHECK,
  );
  const timeLeft =
    STEP_FUNCTIONS_MAX_DURATION_SECONDS - DURATION_MARGIN_SECONDS - ROTATION_FIXED_SECONDS - timing.gracePeriodSeconds;
  const byDuration = Math.floor(timeLeft / (timing.checkIntervalSeconds + ROTATION_TASK_SECONDS));
  return Math.max(0, Math.min(byEvents, byDuration));
}

/**
 * Whether one more check could still be followed by a deactivation and the grace period inside the
 * one-year limit, measured from when this execution started (a guard for clocks the count misses).
 */
export function durationAllowsAnotherCheck(
  executionStartedAt: Date,
  now: Date,
  timing: { checkIntervalSeconds: number; gracePeriodSeconds: number },
): boolean {
  const elapsed = (now.getTime() - executionStartedAt.getTime()) / 1000;
  const needed = timing.checkIntervalSeconds + ROTATION_TASK_SECONDS + ROTATION_FIXED_SECONDS + timing.gracePeriodSeconds;
  return elapsed + needed <= STEP_FUNCTIONS_MAX_DURATION_SECONDS - DURATION_MARGIN_SECONDS;
}

/**
 * Offboarding (statemachines/offboarding.asl.json): every Task retries 6 times; their timeouts are
 * 60 s (Validate, ValidateRestore, NotifyFailed), 120 s (Snapshot, Disable, CheckStillDisabled),
 * 300 s (DeleteUser, RestoreUser) and 680 s (CheckActivity). One observation check is
 * WaitBeforeCheck, CheckStillDisabled and ObservationOver; one postponement for activity before
 * deletion is PostponeDeletion, CheckStillDisabled, ObservationOver, CheckActivity and
 * ActivityDecision. Everything else runs at most once per execution, so the bound counts every other
 * state once (an upper bound of any one path).
 */
const OFFBOARDING_RETRY = { maxRetries: 6, intervalSeconds: 2, backoffRate: 2, maxDelaySeconds: 120 };
const OFFBOARDING_TASK_EVENTS = taskHistoryEvents(OFFBOARDING_RETRY.maxRetries);
export const OFFBOARDING_EVENTS_PER_CHECK = 2 + OFFBOARDING_TASK_EVENTS + 2;
export const OFFBOARDING_EVENTS_PER_POSTPONEMENT = 2 + OFFBOARDING_TASK_EVENTS + 2 + OFFBOARDING_TASK_EVENTS + 2;
/** ExecutionStarted/ended, eight Tasks outside the loops, twelve other states of two events each. */
export const OFFBOARDING_FIXED_EVENTS = 2 + 8 * OFFBOARDING_TASK_EVENTS + 12 * 2;
const ACTIVITY_CHECK_SECONDS = taskWorstSeconds({ ...OFFBOARDING_RETRY, timeoutSeconds: 680 });
export const OFFBOARDING_FIXED_SECONDS =
  3 * taskWorstSeconds({ ...OFFBOARDING_RETRY, timeoutSeconds: 60 }) +
  2 * taskWorstSeconds({ ...OFFBOARDING_RETRY, timeoutSeconds: 120 }) +
  2 * taskWorstSeconds({ ...OFFBOARDING_RETRY, timeoutSeconds: 300 }) +
  ACTIVITY_CHECK_SECONDS;
const OFFBOARDING_CHECK_SECONDS = taskWorstSeconds({ ...OFFBOARDING_RETRY, timeoutSeconds: 120 });

/**
 * Why the longest allowed offboarding (the largest observation period a request may ask for, checked
 * every interval, then postponed for activity as often as allowed) could exceed Step Functions'
 * limits, or undefined when it cannot.
 *
 * @param timing the scaled durations of that longest offboarding (whole seconds) and the postponements
 */
export function offboardingLimitProblem(timing: {
  observationSeconds: number;
  checkIntervalSeconds: number;
  activityPostponements?: number;
}): string | undefined {
  const checks = Math.ceil(timing.observationSeconds / timing.checkIntervalSeconds) + 1;
  const postponements = timing.activityPostponements ?? 0;
  const events =
    OFFBOARDING_FIXED_EVENTS + checks * OFFBOARDING_EVENTS_PER_CHECK + postponements * OFFBOARDING_EVENTS_PER_POSTPONEMENT;
  if (events > STEP_FUNCTIONS_MAX_HISTORY_EVENTS - HISTORY_EVENT_MARGIN) {
    return (
      `an offboarding observed for offboardingObservationDays.max and checked every offboardingCheckIntervalHours ` +
      `runs ${checks} checks, up to ${events} history events` +
      (postponements > 0 ? ` with ${postponements} activity postponements (offboardingActivityPostponements)` : '') +
      ` (Step Functions ends an execution at ${STEP_FUNCTIONS_MAX_HISTORY_EVENTS}): lengthen the interval or shorten the maximum`
    );
  }
  const seconds =
    timing.observationSeconds +
    checks * OFFBOARDING_CHECK_SECONDS +
    postponements * (timing.checkIntervalSeconds + OFFBOARDING_CHECK_SECONDS + ACTIVITY_CHECK_SECONDS) +
    OFFBOARDING_FIXED_SECONDS;
  if (seconds > STEP_FUNCTIONS_MAX_DURATION_SECONDS - DURATION_MARGIN_SECONDS) {
    return (
      'offboardingObservationDays.max is too long' +
      (postponements > 0 ? ' (with offboardingActivityPostponements check intervals added)' : '') +
      ': one offboarding execution would exceed the one-year limit'
    );
  }
  return undefined;
}
