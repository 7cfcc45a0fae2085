/** Progress lines of the CLI while it waits (functions/cli/progress.ts), on a fake clock. */
import { Progress } from '../../functions/cli/progress';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

function progressAt(now: { ms: number }) {
  const lines: string[] = [];
  const progress = new Progress(
    (line) => lines.push(line),
    () => new Date(now.ms),
  );
  return { lines, progress };
}

describe('CLI progress', () => {
  it('prints one line per state entered, with what a Wait state awaits and until when', () => {
    // Prepare
    const now = { ms: T0 };
    const { lines, progress } = progressAt(now);
    const input = { timing: { checkIntervalSeconds: 21600 }, deadlineAt: '2026-03-15T10:00:00.000Z' };
    // Act
    progress.onEvent('rotation', 'rotate-u-AKIA1', { type: 'StateEntered', stateName: 'CheckCutover', timestamp: T0, input });
    progress.onEvent('rotation', 'rotate-u-AKIA1', { type: 'StateEntered', stateName: 'WaitForCutover', timestamp: T0, input });
    progress.onEvent('rotation', 'rotate-u-AKIA1', { type: 'StateExited', stateName: 'WaitForCutover', timestamp: T0, input });
    // Assess
    expect(lines).toEqual([
      '  2026-03-01T10:00:00Z rotate-u-AKIA1: CheckCutover',
      '  2026-03-01T10:00:00Z rotate-u-AKIA1: WaitForCutover (next cutover check at 2026-03-01T16:00:00Z, cutover deadline 2026-03-15T10:00:00.000Z)',
    ]);
  });

  it('says what is awaited at most every 5 s while nothing changes, and nothing once the execution ended', () => {
    // Prepare
    const now = { ms: T0 };
    const { lines, progress } = progressAt(now);
    const input = { observation: { nextCheckInSeconds: 86400, deleteAfter: '2026-03-31T10:00:00.000Z' } };
    progress.onEvent('offboarding', 'offboard-u-1', { type: 'StateEntered', stateName: 'WaitBeforeCheck', timestamp: T0, input });
    // Act
    const ticks = [1000, 4999, 5000, 6000, 9999, 10000].map((offset) => {
      now.ms = T0 + offset;
      progress.tick();
      return lines.length;
    });
    progress.onEvent('offboarding', 'offboard-u-1', { type: 'ExecutionAborted', timestamp: T0 + 11_000 });
    now.ms = T0 + 20_000;
    progress.tick();
    // Assess
    expect(ticks).toEqual([1, 1, 2, 2, 2, 3]);
    expect(lines[1]).toBe(
      '  2026-03-01T10:00:05Z offboard-u-1: still in WaitBeforeCheck: next check that the user is still disabled at 2026-03-02T10:00:00Z, deletion due 2026-03-31T10:00:00.000Z',
    );
    expect(lines).toHaveLength(3);
  });
});
