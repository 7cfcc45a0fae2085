/**
 * When the earlier attempts of a rotation ran, read from the workflow engine (Step Functions when
 * deployed, the in-process runner locally), never from an execution's input: a key an earlier
 * attempt created and lost can only be recognised by when it was created.
 */
import { rotationExecutionName } from '../shared/execution-names';
import { findAttempts, type WorkflowPort } from '../shared/workflows';
import type { AttemptWindow } from './domain';
import { MAX_ROTATION_ATTEMPTS } from './start';

/**
 * The ended attempts of the rotation of this exact key other than the current one: attempt names
 * are deterministic (`rotate-<user>-<keyId>`, `-2`, ...), so one DescribeExecution each.
 */
export async function earlierAttemptWindows(
  workflows: WorkflowPort,
  userName: string,
  accessKeyId: string,
  currentExecutionName: string,
): Promise<AttemptWindow[]> {
  const { found } = await findAttempts(
    workflows,
    'rotation',
    (attempt) => rotationExecutionName(userName, accessKeyId, attempt),
    MAX_ROTATION_ATTEMPTS,
  );
  return found
    .filter((a) => a.name !== currentExecutionName && a.summary.status !== 'RUNNING' && a.summary.stopDate !== undefined)
    .filter((a) => (a.summary.input as { userName?: unknown } | undefined)?.userName === userName)
    .map((a) => ({
      executionName: a.name,
      startedAt: a.summary.startDate,
      ...(a.summary.stopDate ? { stoppedAt: a.summary.stopDate } : {}),
    }));
}
