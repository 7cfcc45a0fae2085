/**
 * The daily scan of the deployed stack (EventBridge Scheduler, once a day), time-scaled for the
 * local stack: every 24 h / timeScale, never more often than MIN_SCAN_INTERVAL_MS (a scan reads the
 * credential report; at timeScale 86400 a day lasts a second). A scan still running when the next is
 * due is not doubled: that tick is skipped.
 */
export const DAY_MS = 86_400_000;
export const MIN_SCAN_INTERVAL_MS = 10_000;

export function scanIntervalMs(timeScale: number): number {
  return Math.max(Math.round(DAY_MS / timeScale), MIN_SCAN_INTERVAL_MS);
}

export interface ScanRecord {
  readonly at: string;
  readonly ok: boolean;
  readonly summary: string;
}

export interface ScanSchedule {
  readonly intervalMs: number;
  nextAt(): string | undefined;
  last(): ScanRecord | undefined;
  stop(): void;
}

export interface ScheduleDeps {
  readonly setTimer: (fn: () => void, ms: number) => { unref?: () => void };
  readonly clearTimer: (timer: unknown) => void;
  readonly clock: () => Date;
}

const realTimers: ScheduleDeps = {
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
  clock: () => new Date(),
};

/** Runs `scan` every interval until stopped; its outcome (one line) is kept for `local status`. */
export function scheduleScans(timeScale: number, scan: () => Promise<string>, deps: ScheduleDeps = realTimers): ScanSchedule {
  const intervalMs = scanIntervalMs(timeScale);
  let timer: unknown;
  let next: Date | undefined;
  let last: ScanRecord | undefined;
  let running = false;
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    next = new Date(deps.clock().getTime() + intervalMs);
    timer = deps.setTimer(tick, intervalMs);
  };
  const tick = () => {
    arm();
    if (running) return;
    running = true;
    const at = deps.clock().toISOString();
    scan()
      .then((summary) => (last = { at, ok: true, summary }))
      .catch((error: Error) => (last = { at, ok: false, summary: `${error.name}: ${error.message}` }))
      .finally(() => (running = false));
  };
  arm();
  return {
    intervalMs,
    nextAt: () => (stopped ? undefined : next?.toISOString()),
    last: () => last,
    stop: () => {
      stopped = true;
      deps.clearTimer(timer);
    },
  };
}
