/**
 * The worst case of one rotation execution against Step Functions' limits: the figures in
 * functions/shared/execution-limits.ts are recomputed from statemachines/key-rotation.asl.json, so
 * a change to the ASL that makes them wrong fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cutoverCheckLimit, offboardingTiming, parseConfig, rotationTiming } from '../../functions/shared/config';
import {
  maxCutoverChecksPerExecution,
  OFFBOARDING_EVENTS_PER_CHECK,
  OFFBOARDING_EVENTS_PER_POSTPONEMENT,
  OFFBOARDING_FIXED_EVENTS,
  OFFBOARDING_FIXED_SECONDS,
  ROTATION_EVENTS_PER_CHECK,
  ROTATION_FIXED_EVENTS,
  ROTATION_FIXED_SECONDS,
  ROTATION_TASK_SECONDS,
  STEP_FUNCTIONS_MAX_DURATION_SECONDS,
  STEP_FUNCTIONS_MAX_HISTORY_EVENTS,
  taskHistoryEvents,
  taskWorstSeconds,
} from '../../functions/shared/execution-limits';

interface AslState {
  Type: string;
  Next?: string;
  Default?: string;
  End?: boolean;
  TimeoutSeconds?: number;
  Choices?: { Next: string }[];
  Retry?: { MaxAttempts: number; IntervalSeconds: number; BackoffRate: number; MaxDelaySeconds: number }[];
  Catch?: { Next: string }[];
}
const asl = JSON.parse(readFileSync(join(__dirname, '../../statemachines/key-rotation.asl.json'), 'utf8')) as {
  States: Record<string, AslState>;
};

/** History events of one visit of a state, worst case (Tasks: every retry used). */
function eventsOf(state: AslState): number {
  if (state.Type === 'Task') return taskHistoryEvents(Math.max(0, ...(state.Retry ?? []).map((r) => r.MaxAttempts)));
  return 2; // entered + exited
}

function secondsOf(state: AslState): number {
  if (state.Type !== 'Task') return 0;
  const retry = state.Retry?.[0];
  return taskWorstSeconds({
    timeoutSeconds: state.TimeoutSeconds ?? Number.POSITIVE_INFINITY,
    maxRetries: retry?.MaxAttempts ?? 0,
    intervalSeconds: retry?.IntervalSeconds ?? 1,
    backoffRate: retry?.BackoffRate ?? 2,
    maxDelaySeconds: retry?.MaxDelaySeconds ?? Number.POSITIVE_INFINITY,
  });
}

describe('rotation execution limits', () => {
  it('count the cutover loop of the real ASL: WaitForCutover -> CheckCutover -> CutoverDecision -> WaitForCutover', () => {
    // Prepare
    const { WaitForCutover, CheckCutover, CutoverDecision } = asl.States as Record<string, AslState>;
    // Assess: the loop is exactly these three states
    expect(WaitForCutover).toMatchObject({ Type: 'Wait', Next: 'CheckCutover' });
    expect(CheckCutover).toMatchObject({ Type: 'Task', Next: 'CutoverDecision' });
    expect(CutoverDecision).toMatchObject({ Type: 'Choice', Default: 'WaitForCutover' });
    expect(eventsOf(WaitForCutover!) + eventsOf(CheckCutover!) + eventsOf(CutoverDecision!)).toBe(ROTATION_EVENTS_PER_CHECK);
    expect(secondsOf(CheckCutover!)).toBe(ROTATION_TASK_SECONDS);
  });

  it('bound everything outside the loop by the fixed figures', () => {
    // Prepare
    const outside = Object.entries(asl.States).filter(
      ([name]) => !['WaitForCutover', 'CheckCutover', 'CutoverDecision'].includes(name),
    );
    const terminal = outside.filter(([, s]) => s.Type === 'Succeed' || s.Type === 'Fail' || s.End === true);
    const path = outside.filter(([, s]) => !(s.Type === 'Succeed' || s.Type === 'Fail' || s.End === true));
    // Act: every non-terminal state once, the costliest terminal state, ExecutionStarted and -Succeeded
    const events = 2 + path.reduce((sum, [, s]) => sum + eventsOf(s), 0) + Math.max(...terminal.map(([, s]) => eventsOf(s)));
    const seconds = outside.reduce((sum, [, s]) => sum + secondsOf(s), 0);
    // Assess
    expect(events).toBeLessThanOrEqual(ROTATION_FIXED_EVENTS);
    expect(seconds).toBeLessThanOrEqual(ROTATION_FIXED_SECONDS);
  });

  it.each([
    ['defaults', {}],
    ['hourly checks, long grace', { cutoverCheckIntervalHours: 1, cutoverQuietPeriodHours: 1, deactivatedGracePeriodDays: 90 }],
    ['checks as often as the Wait allows', { timeScale: 86400 * 365, cutoverCheckIntervalHours: 1, cutoverQuietPeriodHours: 1 }],
    [
      'daily checks, half-year grace',
      { cutoverCheckIntervalHours: 24, cutoverQuietPeriodHours: 24, deactivatedGracePeriodDays: 180 },
    ],
  ])('%s: the longest execution stays under 25,000 events and one year', (_label, raw) => {
    // Prepare
    const config = parseConfig(raw);
    const timing = rotationTiming(config);
    // Act
    const checks = cutoverCheckLimit(config);
    const events = ROTATION_FIXED_EVENTS + checks * ROTATION_EVENTS_PER_CHECK;
    const seconds =
      ROTATION_FIXED_SECONDS + checks * (timing.checkIntervalSeconds + ROTATION_TASK_SECONDS) + timing.gracePeriodSeconds;
    // Assess
    expect(checks).toBeGreaterThanOrEqual(1);
    expect(events).toBeLessThan(STEP_FUNCTIONS_MAX_HISTORY_EVENTS);
    expect(seconds).toBeLessThan(STEP_FUNCTIONS_MAX_DURATION_SECONDS);
  });

  it('refuses settings under which not even one check fits, and a cutoverChecksPerExecution above the bound', () => {
    // Act
    const tooLong = () => parseConfig({ deactivatedGracePeriodDays: 365 });
    const max = maxCutoverChecksPerExecution(rotationTiming(parseConfig({})));
    const tooMany = () => parseConfig({ cutoverChecksPerExecution: max + 1 });
    const fraction = () => parseConfig({ cutoverChecksPerExecution: 1.5 });
    // Assess
    expect(tooLong).toThrow(/one rotation execution would exceed Step Functions' one-year limit/);
    expect(tooMany).toThrow(new RegExp(`cutoverChecksPerExecution must be a whole number from 1 to ${max}`));
    expect(fraction).toThrow(/cutoverChecksPerExecution must be a whole number/);
    expect(cutoverCheckLimit(parseConfig({ cutoverChecksPerExecution: 3 }))).toBe(3);
  });
});

describe('offboarding execution limits', () => {
  const offboardingAsl = JSON.parse(readFileSync(join(__dirname, '../../statemachines/offboarding.asl.json'), 'utf8')) as {
    States: Record<string, AslState>;
  };
  const LOOP = ['WaitBeforeCheck', 'CheckStillDisabled', 'ObservationOver'];

  it('count the observation loop of the real ASL and bound every other state by the fixed figures', () => {
    // Prepare
    const { WaitBeforeCheck, CheckStillDisabled, ObservationOver } = offboardingAsl.States;
    const outside = Object.entries(offboardingAsl.States).filter(([name]) => !LOOP.includes(name));
    // Act
    const perCheck = eventsOf(WaitBeforeCheck!) + eventsOf(CheckStillDisabled!) + eventsOf(ObservationOver!);
    const fixedEvents = 2 + outside.reduce((sum, [, s]) => sum + eventsOf(s), 0);
    const fixedSeconds = outside.reduce((sum, [, s]) => sum + secondsOf(s), 0);
    // Assess
    expect(WaitBeforeCheck).toMatchObject({ Type: 'Wait', Next: 'CheckStillDisabled' });
    expect(ObservationOver).toMatchObject({ Type: 'Choice', Default: 'WaitBeforeCheck' });
    expect(perCheck).toBe(OFFBOARDING_EVENTS_PER_CHECK);
    expect(fixedEvents).toBeLessThanOrEqual(OFFBOARDING_FIXED_EVENTS);
    expect(fixedSeconds).toBeLessThanOrEqual(OFFBOARDING_FIXED_SECONDS);
  });

  it('count one postponement for activity before deletion from the real ASL', () => {
    // Prepare
    const { PostponeDeletion, CheckStillDisabled, ObservationOver, CheckActivity, ActivityDecision } = offboardingAsl.States;
    // Act
    const perPostponement = [PostponeDeletion, CheckStillDisabled, ObservationOver, CheckActivity, ActivityDecision].reduce(
      (sum, state) => sum + eventsOf(state!),
      0,
    );
    // Assess: the loop is PostponeDeletion -> CheckStillDisabled -> ObservationOver -> CheckActivity -> ActivityDecision
    expect(PostponeDeletion).toMatchObject({ Type: 'Wait', Next: 'CheckStillDisabled' });
    expect(ObservationOver).toMatchObject({ Choices: [{ Next: 'CheckActivity' }] });
    expect(CheckActivity).toMatchObject({ Type: 'Task', Next: 'ActivityDecision' });
    expect(ActivityDecision).toMatchObject({ Default: 'PostponeDeletion', Choices: [{ Next: 'DeleteUser' }] });
    expect(perPostponement).toBe(OFFBOARDING_EVENTS_PER_POSTPONEMENT);
  });

  it('counts the activity postponements against the limits of the longest offboarding', () => {
    // Prepare: hourly checks for 36 days is 865 checks, close under the history limit
    const raw = { offboardingCheckIntervalHours: 1, offboardingObservationDays: { default: 30, min: 7, max: 36 } };
    // Act
    const withoutPostponements = () => parseConfig({ ...raw, offboardingActivityPostponements: 0 });
    const withThirty = () => parseConfig({ ...raw, offboardingActivityPostponements: 30 });
    // Assess
    expect(withoutPostponements).not.toThrow();
    expect(withThirty).toThrow(/up to \d+ history events with 30 activity postponements/);
  });

  it.each([
    ['defaults', {}],
    ['a 330-day maximum, checked daily', { offboardingObservationDays: { default: 30, min: 7, max: 330 } }],
    [
      'hourly checks for 30 days at most',
      { offboardingCheckIntervalHours: 1, offboardingObservationDays: { default: 30, min: 7, max: 30 } },
    ],
  ])('%s: accepted, and the longest offboarding stays under 25,000 events', (_label, raw) => {
    // Act
    const config = parseConfig(raw);
    const timing = offboardingTiming(config, config.offboardingObservationDays.max);
    const checks = Math.ceil(timing.observationSeconds / timing.checkIntervalSeconds) + 1;
    // Assess
    expect(OFFBOARDING_FIXED_EVENTS + checks * OFFBOARDING_EVENTS_PER_CHECK).toBeLessThan(STEP_FUNCTIONS_MAX_HISTORY_EVENTS);
  });

  it('refuses settings under which the longest offboarding would exceed the history limit', () => {
    // Act
    const hourlyForAYear = () =>
      parseConfig({ offboardingCheckIntervalHours: 1, offboardingObservationDays: { default: 30, min: 7, max: 360 } });
    const dailyFor360Days = () => parseConfig({ offboardingObservationDays: { default: 30, min: 7, max: 360 } });
    // Assess: every check at its worst (all retries, every attempt timing out) counts
    expect(hourlyForAYear).toThrow(/runs 8641 checks, up to \d+ history events/);
    expect(dailyFor360Days).toThrow(/would exceed the one-year limit/);
  });
});
