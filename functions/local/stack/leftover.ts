/**
 * What stopping the local stack leaves behind. Its workflows run inside the stack process, so they
 * end with it: `local down` names each one still running and the state its user stays in, and how
 * to put the user right again when the data outlives the stack (an external endpoint).
 */
import { offboardingStatus, type OffboardingServiceDeps } from '../../offboarding/service';
import type { IamUsers } from '../../shared/iam/users';
import type { ExecutionSummary, WorkflowKind } from '../../shared/workflows';

export interface LeftWorkflow {
  readonly kind: WorkflowKind;
  readonly executionName: string;
  readonly userName: string;
  /** One line: what the user is left with. */
  readonly leaves: string;
  /** Commands that put the user right (external endpoint only; with the stack's own moto nothing remains). */
  readonly restore: readonly string[];
}

export interface LeftoverDeps {
  readonly iam: Pick<IamUsers, 'listAccessKeys'>;
  readonly offboarding: OffboardingServiceDeps;
  readonly endpoint: string;
  readonly motoOwned: boolean;
}

function inputOf(summary: ExecutionSummary): Record<string, unknown> {
  return typeof summary.input === 'object' && summary.input !== null ? (summary.input as Record<string, unknown>) : {};
}

async function offboardingLeft(deps: LeftoverDeps, userName: string, restoring: boolean) {
  if (restoring) {
    return {
      leaves: `${userName} is partly restored (the cancel's restore was running): some credentials may still be deactivated`,
      restore: [] as string[],
    };
  }
  const status = await offboardingStatus(deps.offboarding, userName).catch(() => undefined);
  const aws = `aws --endpoint-url ${deps.endpoint} iam`;
  const user = `--user-name ${userName}`;
  switch (status?.phase) {
    case 'disabled': {
      const d = status.disabled;
      const restore = [
        ...(d?.accessKeyIds ?? []).map((id) => `${aws} update-access-key ${user} --access-key-id ${id} --status Active`),
        ...(d?.sshPublicKeyIds ?? []).map(
          (id) => `${aws} update-ssh-public-key ${user} --ssh-public-key-id ${id} --status Active`,
        ),
        ...(d?.signingCertificateIds ?? []).map(
          (id) => `${aws} update-signing-certificate ${user} --certificate-id ${id} --status Active`,
        ),
        ...(d?.denyPolicyArn ? [`${aws} detach-user-policy ${user} --policy-arn ${d.denyPolicyArn}`] : []),
        `${aws} untag-user ${user} --tag-keys iam-lifecycle:offboarding iam-lifecycle:offboarding-execution iam-lifecycle:offboarding-delete-after`,
      ];
      return {
        leaves:
          `${userName} is left disabled (in observation, deletion was due ${status.deleteAfter ?? 'later'}; nothing deletes it now)` +
          (d?.consolePasswordDeleted ? '; its console password was deleted and cannot be restored' : ''),
        restore,
      };
    }
    case 'deleting':
      return { leaves: `${userName} is partly deleted (the final teardown was running)`, restore: [] };
    default:
      return {
        leaves: `${userName} may be partly disabled (the offboarding was ${status?.phase ?? 'starting'})`,
        restore: [],
      };
  }
}

async function rotationLeft(deps: LeftoverDeps, userName: string, oldKeyId: string) {
  const keys = await deps.iam.listAccessKeys(userName).catch(() => []);
  const active = keys.filter((k) => k.status === 'Active').map((k) => k.accessKeyId);
  const old = keys.find((k) => k.accessKeyId === oldKeyId);
  const aws = `aws --endpoint-url ${deps.endpoint} iam`;
  if (!old)
    return { leaves: `${userName} keeps ${active.join(', ') || 'no active key'}; the old key ${oldKeyId} is gone`, restore: [] };
  if (old.status === 'Inactive') {
    return {
      leaves: `${userName}'s old key ${oldKeyId} stays inactive and is not deleted (grace period); ${active.join(', ') || 'no key'} is in use`,
      restore: [`${aws} delete-access-key --user-name ${userName} --access-key-id ${oldKeyId}   # finish the rotation`],
    };
  }
  const others = active.filter((id) => id !== oldKeyId);
  return others.length > 0
    ? {
        leaves: `${userName} keeps two active keys: the old ${oldKeyId} and the new ${others.join(', ')} (stored in the secret)`,
        restore: [
          `${aws} update-access-key --user-name ${userName} --access-key-id ${oldKeyId} --status Inactive   # once workloads use the new key`,
        ],
      }
    : { leaves: `${userName} keeps its key ${oldKeyId}; no new key was created yet`, restore: [] };
}

/** An exposure response stopped: is the exposed key still usable, and what finishes the job. */
async function exposureLeft(deps: LeftoverDeps, userName: string, keyId: string) {
  const keys = await deps.iam.listAccessKeys(userName).catch(() => []);
  const exposed = keys.find((k) => k.accessKeyId === keyId);
  const aws = `aws --endpoint-url ${deps.endpoint} iam`;
  if (!exposed) return { leaves: `${userName}'s exposed key ${keyId} is gone`, restore: [] };
  if (exposed.status === 'Active') {
    return {
      leaves: `${userName}'s exposed key ${keyId} STILL WORKS: the response stopped before deactivating it`,
      restore: [`${aws} update-access-key --user-name ${userName} --access-key-id ${keyId} --status Inactive   # now`],
    };
  }
  return {
    leaves: `${userName}'s exposed key ${keyId} stays inactive and is not deleted (grace period)`,
    restore: [`${aws} delete-access-key --user-name ${userName} --access-key-id ${keyId}   # finish the response`],
  };
}

/** What each still-running workflow leaves its user in when the stack stops now. */
export async function describeLeftovers(deps: LeftoverDeps, running: readonly ExecutionSummary[]): Promise<LeftWorkflow[]> {
  return Promise.all(
    running.map(async (execution) => {
      const input = inputOf(execution);
      const userName = typeof input.userName === 'string' ? input.userName : '?';
      const keyId = typeof input.accessKeyId === 'string' ? input.accessKeyId : '';
      const left =
        execution.kind === 'rotation'
          ? await rotationLeft(deps, userName, keyId)
          : execution.kind === 'exposure'
            ? await exposureLeft(deps, userName, keyId)
            : await offboardingLeft(deps, userName, input.action === 'restore');
      return {
        kind: execution.kind,
        executionName: execution.name,
        userName,
        leaves: left.leaves,
        restore: deps.motoOwned ? [] : left.restore,
      };
    }),
  );
}
