/**
 * Pure rules of staged offboarding: what counts as "still usable" (so disable acts on it and the
 * observation sees a re-enable), the deny policy, how a snapshot is restored, in which order a user
 * is torn down, when deletion is due, and how executions and records are named.
 * No AWS calls and no clock: callers pass in what they read and the current time.
 */
import { ValidationError } from '../shared/errors';
import { accountKind, attemptExecutionName } from '../shared/execution-names';
import type {
  AccessKeyRecord,
  CredentialStatus,
  LoginProfileRecord,
  ServiceCredentialRecord,
  SigningCertificateRecord,
  SshPublicKeyRecord,
  UserInventory,
} from '../shared/iam/records';
import { OFFBOARDING_STATE_TAG } from '../shared/scope';

// ---- names ------------------------------------------------------------------------------------

/**
 * Name of the managed deny policy in local runs (the deployed stack names its own; the steps learn
 * its ARN from OFFBOARDING_DENY_POLICY_ARN).
 */
export const DENY_POLICY_NAME = 'iam-lifecycle-offboarding-deny';
/** Tag with the offboarding phase (`disabled`, `deleting`), visible to people in the console. */
export const OFFBOARDING_TAG = OFFBOARDING_STATE_TAG;
export const OFFBOARDING_EXECUTION_TAG = 'iam-lifecycle:offboarding-execution';
export const OFFBOARDING_DELETE_AFTER_TAG = 'iam-lifecycle:offboarding-delete-after';
export const OFFBOARDING_TAG_KEYS: readonly string[] = [OFFBOARDING_TAG, OFFBOARDING_EXECUTION_TAG, OFFBOARDING_DELETE_AFTER_TAG];

/**
 * `offboard-<userName>-<userId>`, then `-2`, `-3`, ... for later attempts on the same user (after a
 * cancel or a failure). The immutable UserId lets a re-created user of the same name be offboarded
 * while the old execution name is still taken; the same attempt number for the same user maps to
 * the same name, so Step Functions refuses a duplicate start.
 */
export function offboardingExecutionName(userName: string, userId: string, attempt = 1, accountId?: string): string {
  // Organization mode: `offboard-<accountId>-<userName>-<userId>` (see accountKind).
  return attemptExecutionName(accountKind('offboard', accountId), [userName, userId], attempt);
}

/** Attempts per offboarding of one user (numbered execution names); the service refuses more. */
export const MAX_OFFBOARDING_ATTEMPTS = 20;

/** Whether `name` is one of the numbered attempt names of this user's offboarding. */
export function isOffboardingAttemptName(name: string, userName: string, userId: string, accountId?: string): boolean {
  for (let attempt = 1; attempt <= MAX_OFFBOARDING_ATTEMPTS; attempt++) {
    if (offboardingExecutionName(userName, userId, attempt, accountId) === name) return true;
  }
  return false;
}

/** The restore (cancel) execution of one offboarding execution. */
export function restoreExecutionName(offboardingName: string, attempt = 1): string {
  return attemptExecutionName('restore', [offboardingName], attempt);
}

/** IAM user names: 1-64 of A-Z a-z 0-9 + = , . @ _ - */
export { isValidUserName } from '../shared/scope';

export interface RecordKeys {
  readonly prefix: string;
  readonly snapshot: string;
  readonly status: string;
  /** Written once, by whichever of cancel and delete comes first. */
  readonly decision: string;
  readonly teardownPlan: string;
  readonly finalRecord: string;
}

export const RECORDS_ROOT = 'offboarding/';

export function recordKeys(userName: string, offboardingName: string): RecordKeys {
  const prefix = `${RECORDS_ROOT}${userName}/${offboardingName}/`;
  return {
    prefix,
    snapshot: `${prefix}snapshot.json`,
    status: `${prefix}status.json`,
    decision: `${prefix}decision.json`,
    teardownPlan: `${prefix}teardown-plan.json`,
    finalRecord: `${prefix}final-record.json`,
  };
}

// ---- timing ---------------------------------------------------------------------------------

/**
 * Observation timing of one offboarding, computed by the steps from the deployed config (never read
 * from the execution input: an input carrying `timing` is refused).
 */
export interface OffboardingTimingInput {
  readonly observationSeconds: number;
  readonly checkIntervalSeconds: number;
}

export interface RestoreTiming {
  /**
   * How long a restore waits after stopping the offboarding execution. Stopping an execution does
   * not stop a Lambda already running, so a Disable or check still in flight could switch things
   * off again after the restore; waiting out the longest step timeout makes that impossible.
   */
  readonly settleSeconds: number;
}

/** Task timeout of the offboarding steps that change credentials (Disable, CheckStillDisabled). */
export const CHANGING_STEP_TIMEOUT_SECONDS = 120;

export function restoreTiming(timeScale: number): RestoreTiming {
  return { settleSeconds: Math.max(1, Math.round(CHANGING_STEP_TIMEOUT_SECONDS / timeScale)) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Safety rule 8: durations come from the deployed config inside the Lambda. An execution input that
 * carries its own `timing` (started by hand, or by an older client) is refused, not silently obeyed.
 */
export function refuseInputTiming(request: unknown): void {
  if (isRecord(request) && 'timing' in request) {
    throw new ValidationError(
      'the execution input must not carry "timing": waits and the observation period come from the deployed config ' +
        '(a request may only ask for observationDays within the configured bounds)',
    );
  }
}

export interface ObservationSchedule {
  readonly due: boolean;
  /** Seconds until the next check: the check interval, or less when deletion is due sooner. */
  readonly nextCheckInSeconds: number;
}

/** Deletion happens at `deleteAfter`, not up to a check interval later. */
export function scheduleObservation(now: Date, deleteAfter: Date, checkIntervalSeconds: number): ObservationSchedule {
  const remaining = Math.ceil((deleteAfter.getTime() - now.getTime()) / 1000);
  if (remaining <= 0) return { due: true, nextCheckInSeconds: 0 };
  return { due: false, nextCheckInSeconds: Math.max(1, Math.min(checkIntervalSeconds, remaining)) };
}

// ---- the deny policy --------------------------------------------------------------------------

/**
 * The stack-owned customer managed policy attached to a disabled user: deny everything. It is static
 * (a managed policy cannot carry a per-user cut-off time), and it needs none: the user's own
 * temporary credentials (GetSessionToken, GetFederationToken) are evaluated against the user's
 * current policies, so sessions issued earlier are denied as soon as it is attached. An explicit
 * Deny wins over any Allow from groups, attached or inline policies. The roles may attach and detach
 * exactly this policy (iam:PolicyARN condition) and nothing else, so no step can grant.
 */
export function denyPolicyDocument(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'OffboardingDenyAll', Effect: 'Deny', Action: '*', Resource: '*' }],
  });
}

// ---- what is still usable ---------------------------------------------------------------------

/** What a disabled user must not have; read at Disable and at every observation check. */
export interface CredentialState {
  readonly loginProfile?: LoginProfileRecord;
  readonly accessKeys: readonly AccessKeyRecord[];
  readonly sshPublicKeys: readonly SshPublicKeyRecord[];
  readonly signingCertificates: readonly SigningCertificateRecord[];
  readonly serviceSpecificCredentials: readonly ServiceCredentialRecord[];
  /** Whether the stack's deny policy is attached to the user. */
  readonly denyPolicyAttached: boolean;
}

export type FindingKind =
  'login-profile' | 'access-key' | 'ssh-public-key' | 'signing-certificate' | 'service-specific-credential' | 'deny-policy';

export interface Finding {
  readonly kind: FindingKind;
  readonly id?: string;
}

/**
 * Everything that would let the user act: a console password, any active credential, a missing or
 * weakened deny policy. Disable switches these off; found again during observation, they are a
 * re-enable. Every credential counts, including ones created after the snapshot.
 */
export function usableCredentials(state: CredentialState): Finding[] {
  const findings: Finding[] = [];
  if (state.loginProfile) findings.push({ kind: 'login-profile' });
  for (const k of state.accessKeys) if (k.status === 'Active') findings.push({ kind: 'access-key', id: k.accessKeyId });
  for (const k of state.sshPublicKeys) if (k.status === 'Active') findings.push({ kind: 'ssh-public-key', id: k.sshPublicKeyId });
  for (const c of state.signingCertificates) {
    if (c.status === 'Active') findings.push({ kind: 'signing-certificate', id: c.certificateId });
  }
  for (const c of state.serviceSpecificCredentials) {
    if (c.status === 'Active') findings.push({ kind: 'service-specific-credential', id: c.serviceSpecificCredentialId });
  }
  if (!state.denyPolicyAttached) findings.push({ kind: 'deny-policy' });
  return findings;
}

export function describeFinding(finding: Finding): string {
  const what: Record<FindingKind, string> = {
    'login-profile': 'console password exists',
    'access-key': 'access key is active',
    'ssh-public-key': 'SSH public key is active',
    'signing-certificate': 'signing certificate is active',
    'service-specific-credential': 'service-specific credential is active',
    'deny-policy': 'the offboarding deny policy is not attached',
  };
  return finding.id ? `${what[finding.kind]} (${finding.id})` : what[finding.kind];
}

/** Tags that mark a disabled user; re-applied when someone removes them. */
export function offboardingTags(
  phase: 'disabled' | 'deleting',
  executionName: string,
  deleteAfter: string,
): Record<string, string> {
  return {
    [OFFBOARDING_TAG]: phase,
    [OFFBOARDING_EXECUTION_TAG]: executionName,
    [OFFBOARDING_DELETE_AFTER_TAG]: deleteAfter,
  };
}

// ---- the snapshot -----------------------------------------------------------------------------

export interface UserSnapshot extends UserInventory {
  readonly schemaVersion: 1;
  readonly takenAt: string;
  readonly executionName: string;
  readonly reason: string;
  readonly requestedBy: string;
  /** The user's secret of this system: its name and whether it existed. Never its value. */
  readonly secret: { readonly name: string; readonly exists: boolean };
  /** The offboarding tag the user already carried (an earlier attempt that did not finish). */
  readonly priorOffboardingState?: string;
}

export interface SnapshotCounts {
  readonly tags: number;
  readonly groups: number;
  readonly attachedPolicies: number;
  readonly inlinePolicies: number;
  readonly accessKeys: number;
  readonly activeAccessKeys: number;
  readonly mfaDevices: number;
  readonly sshPublicKeys: number;
  readonly signingCertificates: number;
  readonly serviceSpecificCredentials: number;
  readonly consolePassword: boolean;
  readonly permissionsBoundary: boolean;
}

/** Counts for the execution history and notifications; the snapshot itself stays in S3. */
export function countSnapshot(s: UserInventory): SnapshotCounts {
  return {
    tags: Object.keys(s.user.tags).length,
    groups: s.groups.length,
    attachedPolicies: s.attachedPolicies.length,
    inlinePolicies: s.inlinePolicies.length,
    accessKeys: s.accessKeys.length,
    activeAccessKeys: s.accessKeys.filter((k) => k.status === 'Active').length,
    mfaDevices: s.mfaDevices.length,
    sshPublicKeys: s.sshPublicKeys.length,
    signingCertificates: s.signingCertificates.length,
    serviceSpecificCredentials: s.serviceSpecificCredentials.length,
    consolePassword: s.loginProfile !== undefined,
    permissionsBoundary: s.user.permissionsBoundaryArn !== undefined,
  };
}

// ---- the credentials Disable switched off ------------------------------------------------

export type StatusKind = 'access-key' | 'ssh-public-key' | 'signing-certificate' | 'service-specific-credential';

/** The exact ids an offboarding's Disable step switched from Active to Inactive. */
export interface DeactivatedIds {
  readonly accessKeyIds: readonly string[];
  readonly sshPublicKeyIds: readonly string[];
  readonly signingCertificateIds: readonly string[];
  readonly serviceSpecificCredentialIds: readonly string[];
}

type Statuses = Pick<CredentialState, 'accessKeys' | 'sshPublicKeys' | 'signingCertificates' | 'serviceSpecificCredentials'>;

function statusMap(state: Statuses): Record<StatusKind, Map<string, CredentialStatus>> {
  return {
    'access-key': new Map(state.accessKeys.map((k) => [k.accessKeyId, k.status])),
    'ssh-public-key': new Map(state.sshPublicKeys.map((k) => [k.sshPublicKeyId, k.status])),
    'signing-certificate': new Map(state.signingCertificates.map((c) => [c.certificateId, c.status])),
    'service-specific-credential': new Map(
      state.serviceSpecificCredentials.map((c) => [c.serviceSpecificCredentialId, c.status]),
    ),
  };
}

const ID_FIELD: Record<StatusKind, keyof DeactivatedIds> = {
  'access-key': 'accessKeyIds',
  'ssh-public-key': 'sshPublicKeyIds',
  'signing-certificate': 'signingCertificateIds',
  'service-specific-credential': 'serviceSpecificCredentialIds',
};
const STATUS_KINDS = Object.keys(ID_FIELD) as StatusKind[];

/**
 * What Disable switched off: ids Inactive now that were Active before this attempt, or Active in
 * the snapshot (taken just before, integrity-checked), which covers an earlier attempt of Disable
 * that crashed after switching some of them. Ids that were already Inactive are never included.
 */
export function deactivatedIds(after: Statuses, ...activeBefore: (Statuses | undefined)[]): DeactivatedIds {
  const now = statusMap(after);
  const before = activeBefore.filter((s): s is Statuses => s !== undefined).map(statusMap);
  const result: Record<keyof DeactivatedIds, string[]> = {
    accessKeyIds: [],
    sshPublicKeyIds: [],
    signingCertificateIds: [],
    serviceSpecificCredentialIds: [],
  };
  for (const kind of STATUS_KINDS) {
    for (const [id, status] of now[kind]) {
      if (status === 'Inactive' && before.some((b) => b[kind].get(id) === 'Active')) result[ID_FIELD[kind]].push(id);
    }
  }
  return result;
}

export function noDeactivatedIds(): DeactivatedIds {
  return { accessKeyIds: [], sshPublicKeyIds: [], signingCertificateIds: [], serviceSpecificCredentialIds: [] };
}

// ---- cancel (restore) -------------------------------------------------------------------------

/**
 * A cancel only undoes what its own offboarding did: reactivate the credentials its Disable step
 * deactivated, detach the stack's deny policy, remove the offboarding tags. It never grants.
 */
export type RestoreAction =
  | { readonly op: 'reactivate'; readonly kind: StatusKind; readonly id: string }
  | { readonly op: 'detach-deny-policy' }
  | { readonly op: 'untag'; readonly keys: readonly string[] };

export interface RestoreNote {
  readonly kind:
    | 'console-password-not-restorable'
    | 'credential-gone'
    | 'credential-added-during-offboarding'
    | 'inline-policy-changed-during-offboarding'
    | 'policy-changed-during-offboarding'
    | 'group-changed-during-offboarding'
    | 'permissions-boundary-changed-during-offboarding'
    | 'tag-changed-during-offboarding'
    | 'action-failed';
  readonly id?: string;
  readonly detail: string;
}

export interface RestorePlan {
  readonly actions: readonly RestoreAction[];
  readonly notes: readonly RestoreNote[];
}

export const CONSOLE_PASSWORD_NOTE =
  'the console password was deleted when the user was disabled and cannot be restored (IAM never reveals passwords); ' +
  'an administrator must set a new one and hand it over out of band';

/**
 * The cancel: reactivate exactly `deactivated` (those still there and Inactive; a credential deleted
 * meanwhile is reported), then detach the deny policy and remove the offboarding tags, so the user
 * is usable only once its credentials are back. Anything that differs from the snapshot (groups,
 * policies, boundary, tags, credentials added) is reported, never reverted.
 */
export function planRestore(args: {
  readonly deactivated: DeactivatedIds;
  readonly current: UserInventory;
  readonly denyPolicyArn: string;
  readonly snapshot?: UserSnapshot;
}): RestorePlan {
  const { deactivated, current, denyPolicyArn, snapshot } = args;
  const actions: RestoreAction[] = [];
  const notes: RestoreNote[] = [];
  const now = statusMap(current);
  for (const kind of STATUS_KINDS) {
    for (const id of deactivated[ID_FIELD[kind]]) {
      const status = now[kind].get(id);
      if (status === undefined) {
        notes.push({ kind: 'credential-gone', id, detail: `${kind} ${id} no longer exists and cannot be reactivated` });
      } else if (status === 'Inactive') {
        actions.push({ op: 'reactivate', kind, id });
      }
    }
  }
  if (current.attachedPolicies.some((p) => p.policyArn === denyPolicyArn)) actions.push({ op: 'detach-deny-policy' });
  const ours = OFFBOARDING_TAG_KEYS.filter((key) => key in current.user.tags);
  if (ours.length > 0) actions.push({ op: 'untag', keys: ours });

  if (snapshot) {
    if (snapshot.loginProfile) notes.push({ kind: 'console-password-not-restorable', detail: CONSOLE_PASSWORD_NOTE });
    notes.push(...changesSince(snapshot, current, denyPolicyArn));
  }
  return { actions, notes };
}

/** What differs between the snapshot and now, besides what the offboarding itself did. */
export function changesSince(snapshot: UserSnapshot, current: UserInventory, denyPolicyArn: string): RestoreNote[] {
  const notes: RestoreNote[] = [];
  const diff = (before: readonly string[], after: readonly string[]) => ({
    added: after.filter((x) => !before.includes(x)),
    removed: before.filter((x) => !after.includes(x)),
  });
  const groups = diff(snapshot.groups, current.groups);
  for (const g of groups.added)
    notes.push({ kind: 'group-changed-during-offboarding', id: g, detail: `added to group ${g}; left as it is` });
  for (const g of groups.removed)
    notes.push({ kind: 'group-changed-during-offboarding', id: g, detail: `removed from group ${g}; left as it is` });
  const policies = diff(
    snapshot.attachedPolicies.map((p) => p.policyArn).filter((arn) => arn !== denyPolicyArn),
    current.attachedPolicies.map((p) => p.policyArn).filter((arn) => arn !== denyPolicyArn),
  );
  for (const p of policies.added)
    notes.push({ kind: 'policy-changed-during-offboarding', id: p, detail: `policy ${p} was attached; left as it is` });
  for (const p of policies.removed)
    notes.push({ kind: 'policy-changed-during-offboarding', id: p, detail: `policy ${p} was detached; left as it is` });
  const currentInline = new Map(current.inlinePolicies.map((p) => [p.policyName, p.document]));
  const snapshotInline = new Map(snapshot.inlinePolicies.map((p) => [p.policyName, p.document]));
  for (const [name, document] of currentInline) {
    if (!snapshotInline.has(name)) {
      notes.push({
        kind: 'inline-policy-changed-during-offboarding',
        id: name,
        detail: `inline policy ${name} was added; left as it is`,
      });
    } else if (document !== undefined && !samePolicy(snapshotInline.get(name), document)) {
      notes.push({
        kind: 'inline-policy-changed-during-offboarding',
        id: name,
        detail: `inline policy ${name} was changed; left as it is`,
      });
    }
  }
  for (const name of snapshotInline.keys()) {
    if (!currentInline.has(name)) {
      notes.push({
        kind: 'inline-policy-changed-during-offboarding',
        id: name,
        detail: `inline policy ${name} was removed; left as it is`,
      });
    }
  }
  if (snapshot.user.permissionsBoundaryArn !== current.user.permissionsBoundaryArn) {
    notes.push({
      kind: 'permissions-boundary-changed-during-offboarding',
      ...(current.user.permissionsBoundaryArn ? { id: current.user.permissionsBoundaryArn } : {}),
      detail: 'the permissions boundary differs from the snapshot; left as it is',
    });
  }
  for (const key of new Set([...Object.keys(snapshot.user.tags), ...Object.keys(current.user.tags)])) {
    if (OFFBOARDING_TAG_KEYS.includes(key)) continue;
    if (snapshot.user.tags[key] !== current.user.tags[key]) {
      notes.push({
        kind: 'tag-changed-during-offboarding',
        id: key,
        detail: `tag ${key} differs from the snapshot; left as it is`,
      });
    }
  }
  const known = statusMap(snapshot);
  const now = statusMap(current);
  for (const kind of STATUS_KINDS) {
    for (const id of now[kind].keys()) {
      if (!known[kind].has(id)) {
        notes.push({
          kind: 'credential-added-during-offboarding',
          id,
          detail: `${kind} ${id} was created after the snapshot; left as it is (disabled)`,
        });
      }
    }
  }
  return notes;
}

/** Policy documents compare as JSON values, so whitespace and encoding differences do not count. */
function samePolicy(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

// ---- teardown ---------------------------------------------------------------------------------

/** Step names are the IAM/Secrets Manager API names, so the plan reads like the calls it makes. */
export type TeardownStep =
  | { readonly op: 'DeleteLoginProfile' }
  | { readonly op: 'DeleteAccessKey'; readonly id: string }
  | { readonly op: 'DeleteSigningCertificate'; readonly id: string }
  | { readonly op: 'DeleteSSHPublicKey'; readonly id: string }
  | { readonly op: 'DeleteServiceSpecificCredential'; readonly id: string }
  | { readonly op: 'DeactivateMFADevice'; readonly id: string }
  | { readonly op: 'DeleteVirtualMFADevice'; readonly id: string }
  | { readonly op: 'DeleteUserPolicy'; readonly id: string }
  | { readonly op: 'DetachUserPolicy'; readonly id: string }
  | { readonly op: 'RemoveUserFromGroup'; readonly id: string }
  | { readonly op: 'DeleteUserPermissionsBoundary'; readonly id: string }
  | { readonly op: 'DeleteSecret'; readonly id: string }
  | { readonly op: 'DeleteUser' };

/**
 * The order AWS requires before DeleteUser (password, access keys, signing certificates, SSH keys,
 * service-specific credentials, MFA devices, inline policies, attached policies, groups), then the
 * boundary, the user's secret, and the user.
 *
 * The deny policy is detached last of all permissions, after every credential is gone and every
 * grant (inline, attached, group) is removed: a session issued before the user was disabled can
 * still be alive, and it must never see a moment with grants but without the deny. The stack's
 * policy itself is never deleted (other offboardings use it).
 */
export function planTeardown(inventory: UserInventory, secretName: string, denyPolicyArn: string): TeardownStep[] {
  const steps: TeardownStep[] = [];
  if (inventory.loginProfile) steps.push({ op: 'DeleteLoginProfile' });
  for (const k of inventory.accessKeys) steps.push({ op: 'DeleteAccessKey', id: k.accessKeyId });
  for (const c of inventory.signingCertificates) steps.push({ op: 'DeleteSigningCertificate', id: c.certificateId });
  for (const k of inventory.sshPublicKeys) steps.push({ op: 'DeleteSSHPublicKey', id: k.sshPublicKeyId });
  for (const c of inventory.serviceSpecificCredentials) {
    steps.push({ op: 'DeleteServiceSpecificCredential', id: c.serviceSpecificCredentialId });
  }
  for (const d of inventory.mfaDevices) {
    steps.push({ op: 'DeactivateMFADevice', id: d.serialNumber });
    // Hardware and FIDO devices are only detached; virtual devices are IAM resources to delete.
    if (d.virtual) steps.push({ op: 'DeleteVirtualMFADevice', id: d.serialNumber });
  }
  for (const p of inventory.inlinePolicies) steps.push({ op: 'DeleteUserPolicy', id: p.policyName });
  const attached = inventory.attachedPolicies.map((p) => p.policyArn);
  for (const arn of attached) if (arn !== denyPolicyArn) steps.push({ op: 'DetachUserPolicy', id: arn });
  for (const g of inventory.groups) steps.push({ op: 'RemoveUserFromGroup', id: g });
  if (attached.includes(denyPolicyArn)) steps.push({ op: 'DetachUserPolicy', id: denyPolicyArn });
  if (inventory.user.permissionsBoundaryArn) {
    steps.push({ op: 'DeleteUserPermissionsBoundary', id: inventory.user.permissionsBoundaryArn });
  }
  steps.push({ op: 'DeleteSecret', id: secretName });
  steps.push({ op: 'DeleteUser' });
  return steps;
}

/** How many of each kind a teardown plan removes (for history and notifications). */
export function countTeardown(steps: readonly TeardownStep[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const step of steps) counts[step.op] = (counts[step.op] ?? 0) + 1;
  return counts;
}
