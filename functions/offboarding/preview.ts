/**
 * `offboard <user> --reason TEXT --dry-run`: the exact plan of an offboarding, changing nothing.
 * Pure over what ./preview-read reads and an injected clock, and built from the functions the real
 * run uses: the service's and Validate's checks (checkUserName, checkReason, checkObservationDays,
 * targetRefusal), Disable's calls (disableCalls) and the teardown order (planTeardown) applied to
 * the user as Disable would leave it.
 */
import { checkObservationDays, offboardingTiming, secretNameFor, type LifecycleConfig } from '../shared/config';
import { LifecycleError } from '../shared/errors';
import type { IamUser, UserInventory } from '../shared/iam/records';
import type { PlanOutcome, PlanStep } from '../shared/plan';
import { approvalRequired } from './approval';
import { credentialStateOf, disableCalls, inventoryAfter, type DisableCall } from './disable-plan';
import { offboardingTags, planTeardown, type TeardownStep } from './domain';
import { checkReason, checkUserName } from './steps/context';
import { targetRefusal } from './steps/validate';

export interface OffboardingFacts {
  readonly userName: string;
  readonly reason: unknown;
  readonly observationDays?: unknown;
  /** undefined: IAM has no such user. */
  readonly user?: IamUser;
  /** Everything the user has (read only for a managed user). */
  readonly inventory?: UserInventory;
  readonly secretExists: boolean;
  /** The stack's deny policy (locally: the one the first offboarding creates). */
  readonly denyPolicyArn: string;
  /** The user's latest offboarding attempt, the name of the next one, and a running restore. */
  readonly latest?: { readonly executionName: string; readonly status: string; readonly observationDays?: number };
  readonly nextExecutionName?: string;
  readonly restoreRunning?: string;
}

export interface OffboardingPlan {
  readonly kind: 'offboarding';
  readonly userName: string;
  readonly outcome: PlanOutcome;
  readonly code?: string;
  readonly reason?: string;
  readonly plannedAt: string;
  readonly executionName?: string;
  readonly approval: 'required' | 'none';
  readonly observation?: {
    readonly days: number;
    readonly seconds: number;
    readonly checkIntervalSeconds: number;
    readonly disabledAt: string;
    readonly deleteAfter: string;
  };
  readonly denyPolicyArn?: string;
  /** What Disable would call, in order (each credential by id). */
  readonly disable: readonly DisableCall[];
  /** MFA devices: Disable leaves them; the teardown deactivates (and deletes virtual) ones. */
  readonly mfaDevices: readonly string[];
  /** The final teardown, in the order the DeleteUser step runs it. */
  readonly teardown: readonly TeardownStep[];
  readonly steps: readonly PlanStep[];
}

const DISABLE_DETAIL: Record<DisableCall['op'], string> = {
  DeleteLoginProfile: 'delete the console password',
  UpdateAccessKey: 'deactivate access key',
  UpdateSSHPublicKey: 'deactivate SSH public key',
  UpdateSigningCertificate: 'deactivate signing certificate',
  UpdateServiceSpecificCredential: 'deactivate service-specific credential',
  AttachUserPolicy: 'attach the deny policy',
};

const TEARDOWN_DETAIL: Record<TeardownStep['op'], string> = {
  DeleteLoginProfile: 'delete the console password (if one was set again)',
  DeleteAccessKey: 'delete access key',
  DeleteSigningCertificate: 'delete signing certificate',
  DeleteSSHPublicKey: 'delete SSH public key',
  DeleteServiceSpecificCredential: 'delete service-specific credential',
  DeactivateMFADevice: 'deactivate MFA device',
  DeleteVirtualMFADevice: 'delete virtual MFA device',
  DeleteUserPolicy: 'delete inline policy',
  DetachUserPolicy: 'detach managed policy',
  RemoveUserFromGroup: 'remove from group',
  DeleteUserPermissionsBoundary: 'remove the permissions boundary',
  DeleteSecret: "schedule the user's secret for deletion (7-day recovery window)",
  DeleteUser: 'delete the user',
};

export function planOffboarding(
  facts: OffboardingFacts,
  config: LifecycleConfig,
  now: Date,
  automationUserNames: readonly string[] = [],
): OffboardingPlan {
  const approval = approvalRequired(config, 'offboard') ? 'required' : 'none';
  const base = {
    kind: 'offboarding' as const,
    userName: facts.userName,
    plannedAt: now.toISOString(),
    approval,
    disable: [],
    mfaDevices: [],
    teardown: [],
    steps: [],
  } satisfies Partial<OffboardingPlan>;
  const stop = (code: string, reason: string): OffboardingPlan => ({ ...base, outcome: 'refused', code, reason });
  // The service's checks of the request (./service startOffboarding), then Validate's of the user.
  let days: number;
  try {
    checkUserName(facts.userName);
    checkReason(facts.reason);
    days = checkObservationDays(config, facts.observationDays);
  } catch (error) {
    if (error instanceof LifecycleError) return stop('invalid-request', error.message);
    throw error;
  }
  const { userName } = facts;
  if (facts.user && facts.user.userName !== userName) {
    return stop(
      'invalid-request',
      `IAM spells this user "${facts.user.userName}" (names are case-insensitive); use that exact name`,
    );
  }
  const refusal = targetRefusal(userName, facts.user, config, automationUserNames);
  if (refusal) return stop(refusal.code, refusal.reason);
  if (facts.latest?.status === 'RUNNING') {
    if (facts.observationDays !== undefined && facts.latest.observationDays !== facts.observationDays) {
      return stop(
        'already-running',
        `user ${userName} is already being offboarded (${facts.latest.executionName}) with another observation period; cancel it first to change it`,
      );
    }
    return {
      ...base,
      outcome: 'already-running',
      executionName: facts.latest.executionName,
      reason: `user ${userName} is already being offboarded (${facts.latest.executionName}); nothing new would start`,
    };
  }
  if (facts.restoreRunning) {
    return stop(
      'restore-running',
      `a cancel is restoring user ${userName} (${facts.restoreRunning}); start again once it has finished`,
    );
  }
  if (!facts.nextExecutionName || !facts.inventory) {
    return stop('too-many-attempts', `the offboarding of ${userName} has been attempted too often; a person must look`);
  }

  const executionName = facts.nextExecutionName;
  const timing = offboardingTiming(config, days);
  const deleteAfter = new Date(now.getTime() + timing.observationSeconds * 1000).toISOString();
  const at = now.toISOString();
  const inventory = facts.inventory;
  const disable = disableCalls(credentialStateOf(inventory, facts.denyPolicyArn), facts.denyPolicyArn);
  const teardown = planTeardown(inventoryAfter(inventory, disable), secretNameFor(config, userName), facts.denyPolicyArn);
  const mfaDevices = inventory.mfaDevices.map((d) => d.serialNumber);
  const steps: PlanStep[] = [
    {
      op: 'Snapshot',
      phase: 'snapshot',
      at,
      detail: `record everything ${userName} has (${inventory.accessKeys.length} access keys, ${inventory.attachedPolicies.length + inventory.inlinePolicies.length} policies, ${inventory.groups.length} groups) in the records bucket`,
    },
    ...disable.map((call): PlanStep => ({
      op: call.op,
      phase: 'disable',
      at,
      ...('id' in call ? { id: call.id } : {}),
      detail: DISABLE_DETAIL[call.op],
    })),
    {
      op: 'TagUser',
      phase: 'disable',
      at,
      detail: `tag the user ${Object.entries(offboardingTags('disabled', executionName, deleteAfter))
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    },
    ...mfaDevices.map((serial): PlanStep => ({
      op: 'KeepMFADevice',
      phase: 'disable',
      id: serial,
      at,
      detail: 'MFA device stays enabled until deletion (Disable leaves MFA; the teardown removes it)',
    })),
    {
      op: 'Observe',
      phase: 'observe',
      at,
      detail: `observe for ${days} days (${timing.observationSeconds} s): every ${timing.checkIntervalSeconds} s, anything re-enabled is switched off again; cancel-offboarding restores the user until deletion begins`,
    },
    ...teardown.map((step): PlanStep => ({
      op: step.op,
      phase: 'delete',
      at: deleteAfter,
      ...('id' in step ? { id: step.id } : {}),
      detail:
        step.op === 'DetachUserPolicy' && step.id === facts.denyPolicyArn
          ? 'detach the deny policy, last of all permissions'
          : step.op === 'DeleteSecret' && !facts.secretExists
            ? "delete the user's secret (none exists now)"
            : TEARDOWN_DETAIL[step.op],
    })),
  ];
  return {
    ...base,
    outcome: approval === 'required' ? 'approval-required' : 'ready',
    ...(approval === 'required'
      ? { reason: 'offboardingApproval is "required": the command records a request; a second principal approves it, then:' }
      : {}),
    executionName,
    observation: {
      days,
      seconds: timing.observationSeconds,
      checkIntervalSeconds: timing.checkIntervalSeconds,
      disabledAt: at,
      deleteAfter,
    },
    denyPolicyArn: facts.denyPolicyArn,
    disable,
    mfaDevices,
    teardown,
    steps,
  };
}
