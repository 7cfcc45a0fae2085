/**
 * When the earlier attempts of a rotation ran, as the workflow engine recorded them (Step Functions
 * when deployed, the in-process runner locally; see findRotation), never from an execution's input:
 * a key an earlier attempt created and lost can only be recognised by when it was created.
 */
import type { Attempt } from '../shared/workflows';
import type { AttemptWindow } from './domain';

/** The ended attempts of the rotation of this exact key other than the current one. */
export function earlierAttemptWindows(
  attempts: readonly Attempt[],
  userName: string,
  currentExecutionName: string,
): AttemptWindow[] {
  return attempts
    .filter((a) => a.name !== currentExecutionName && a.summary.status !== 'RUNNING' && a.summary.stopDate !== undefined)
    .filter((a) => (a.summary.input as { userName?: unknown } | undefined)?.userName === userName)
    .map((a) => ({
      executionName: a.name,
      startedAt: a.summary.startDate,
      ...(a.summary.stopDate ? { stoppedAt: a.summary.stopDate } : {}),
    }));
}
