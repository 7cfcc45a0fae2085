/**
 * In-process local mode (`--endpoint` without a local stack) runs each workflow inside one CLI
 * process, so another process cannot see it through the workflow runner. What every process can see
 * is what the offboarding leaves in the account: its status record in the records bucket and the
 * user's offboarding tags. A second `offboard` of a user whose offboarding another process runs
 * answers "already running" from those, instead of starting over it (which would overwrite the
 * recorded reason and requester).
 */
import {
  isOffboardingAttemptName,
  MAX_OFFBOARDING_ATTEMPTS,
  OFFBOARDING_EXECUTION_TAG,
  OFFBOARDING_TAG,
  offboardingExecutionName,
  RECORDS_ROOT,
  recordKeys,
} from '../offboarding/domain';
import type { OffboardingServiceDeps } from '../offboarding/service';
import { checkUserName, type DecisionRecord, type FinalRecord, type StatusRecord } from '../offboarding/handlers';
import { findAttempts } from '../shared/workflows';

export interface RunningElsewhere {
  readonly executionName: string;
  readonly phase: string;
  readonly startedAt?: string;
  readonly reason?: string;
  readonly requestedBy?: string;
}

const UNFINISHED: readonly StatusRecord['phase'][] = ['snapshotted', 'disabled', 'deleting'];

/** An offboarding of this user that runs (or ran and was interrupted) in another process, if any. */
export async function offboardingRunningElsewhere(
  deps: OffboardingServiceDeps,
  userNameInput: string,
): Promise<RunningElsewhere | undefined> {
  const userName = checkUserName(userNameInput);
  const user = await deps.iam.findUser(userName);
  if (!user) return undefined; // the service answers a missing user
  // One this process knows is the service's business (it hands back a running one itself).
  const known = await findAttempts(
    deps.workflows,
    'offboarding',
    (n) => offboardingExecutionName(userName, user.userId, n),
    MAX_OFFBOARDING_ATTEMPTS,
  );
  if (known.found.length > 0) return undefined;

  const names = (await deps.records.listChildren(`${RECORDS_ROOT}${userName}/`)).filter((name) =>
    isOffboardingAttemptName(name, userName, user.userId),
  );
  const unfinished = (
    await Promise.all(
      names.map(async (name) => {
        const keys = recordKeys(userName, name);
        const [status, decision, final] = await Promise.all([
          deps.records.get<StatusRecord>(keys.status),
          deps.records.get<DecisionRecord>(keys.decision),
          deps.records.get<FinalRecord>(keys.finalRecord),
        ]);
        if (!status || !UNFINISHED.includes(status.phase) || final || decision?.decision === 'cancel') return undefined;
        return status;
      }),
    )
  )
    .filter((s): s is StatusRecord => s !== undefined)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const latest = unfinished.at(-1);
  if (latest) {
    return {
      executionName: latest.executionName,
      phase: latest.phase,
      startedAt: latest.startedAt,
      reason: latest.reason,
      requestedBy: latest.requestedBy,
    };
  }
  // Disabled with no record this bucket holds (another records bucket, or records removed): the tag says so.
  const tagged = user.tags[OFFBOARDING_TAG];
  const execution = user.tags[OFFBOARDING_EXECUTION_TAG];
  if ((tagged === 'disabled' || tagged === 'deleting') && execution) return { executionName: execution, phase: tagged };
  return undefined;
}

export function formatRunningElsewhere(userName: string, found: RunningElsewhere): string {
  const by = [
    found.startedAt ? `started ${found.startedAt}` : undefined,
    found.requestedBy ? `by ${found.requestedBy}` : undefined,
    found.reason ? `reason "${found.reason}"` : undefined,
  ].filter((part) => part !== undefined);
  return (
    `already running: ${found.executionName} (${found.phase}${by.length > 0 ? `; ${by.join(', ')}` : ''}) in another process ` +
    `(the local stack or another terminal); nothing was started and the recorded reason stays. ` +
    `\`iam-lifecycle status ${userName}\` shows it; if that process was stopped, the user stays ${found.phase === 'snapshotted' ? 'as it was left' : found.phase}`
  );
}
