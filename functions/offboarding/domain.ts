/**
 * Pure rules of staged offboarding: what counts as "still usable" (so disable acts on it and the
 * observation sees a re-enable), the deny policy, how a snapshot is restored, in which order a user
 * is torn down, when deletion is due, and how executions and records are named.
 * No AWS calls and no clock: callers pass in what they read and the current time.
 */
import { ConfigError } from '../shared/errors';
import { attemptExecutionName } from '../shared/execution-names';
import type {
  AccessKeyRecord,
  CredentialStatus,
  LoginProfileRecord,
  ServiceCredentialRecord,
  SigningCertificateRecord,
  SshPublicKeyRecord,
  UserInventory,
} from '../shared/iam-user-admin';
import { OFFBOARDING_STATE_TAG } from '../shared/scope';

// ---- names ------------------------------------------------------------------------------------

/** Inline policy that cuts the user off while it is disabled. */
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
export function offboardingExecutionName(userName: string, userId: string, attempt = 1): string {
  return attemptExecutionName('offboard', [userName, userId], attempt);
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

// ---- timing -----------------------------------------------------------------------------------

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

function wholeSeconds(problems: string[], raw: Record<string, unknown>, key: string, min: number): void {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    problems.push(`timing.${key} must be a whole number of seconds >= ${min}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Timing arrives in the execution input: it is data, so it is checked. */
export function checkOffboardingTiming(raw: unknown): OffboardingTimingInput {
  if (!isRecord(raw)) throw new ConfigError(['timing must be an object']);
  const problems: string[] = [];
  wholeSeconds(problems, raw, 'observationSeconds', 1);
  wholeSeconds(problems, raw, 'checkIntervalSeconds', 1);
  if (problems.length > 0) throw new ConfigError(problems);
  return { observationSeconds: raw.observationSeconds as number, checkIntervalSeconds: raw.checkIntervalSeconds as number };
}

export function checkRestoreTiming(raw: unknown): RestoreTiming {
  if (!isRecord(raw)) throw new ConfigError(['timing must be an object']);
  const problems: string[] = [];
  wholeSeconds(problems, raw, 'settleSeconds', 0);
  if (problems.length > 0) throw new ConfigError(problems);
  return { settleSeconds: raw.settleSeconds as number };
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
 * Deny everything, and deny explicitly anything signed with temporary credentials issued before the
 * user was disabled (sessions from GetSessionToken/GetFederationToken outlive key deactivation).
 * An explicit Deny wins over any Allow from groups, attached or inline policies.
 */
export function denyPolicyDocument(disabledAt: Date): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'OffboardingDenyAll', Effect: 'Deny', Action: '*', Resource: '*' },
      {
        Sid: 'OffboardingRevokeEarlierSessions',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:TokenIssueTime': disabledAt.toISOString() } },
      },
    ],
  });
}

interface Statement {
  Effect?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: unknown;
  NotAction?: unknown;
  NotResource?: unknown;
}

function isAll(value: unknown): boolean {
  return value === '*' || (Array.isArray(value) && value.includes('*'));
}

/** True when the document still denies everything and revokes earlier sessions (any cut-off time). */
export function isDenyPolicyIntact(document: string | undefined): boolean {
  if (!document) return false;
  let parsed: { Statement?: unknown };
  try {
    parsed = JSON.parse(document) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = (Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement]) as Statement[];
  const denyAll = statements.some(
    (s) => s?.Effect === 'Deny' && isAll(s.Action) && isAll(s.Resource) && s.Condition === undefined && s.NotAction === undefined,
  );
  const revokesSessions = statements.some((s) => {
    const condition = s?.Condition as { DateLessThan?: Record<string, unknown> } | undefined;
    return (
      s?.Effect === 'Deny' &&
      isAll(s.Action) &&
      isAll(s.Resource) &&
      typeof condition?.DateLessThan?.['aws:TokenIssueTime'] === 'string'
    );
  });
  return denyAll && revokesSessions;
}

// ---- what is still usable ---------------------------------------------------------------------

/** What a disabled user must not have; read at Disable and at every observation check. */
export interface CredentialState {
  readonly loginProfile?: LoginProfileRecord;
  readonly accessKeys: readonly AccessKeyRecord[];
  readonly sshPublicKeys: readonly SshPublicKeyRecord[];
  readonly signingCertificates: readonly SigningCertificateRecord[];
  readonly serviceSpecificCredentials: readonly ServiceCredentialRecord[];
  /** The current document of DENY_POLICY_NAME, undefined when it is missing. */
  readonly denyPolicyDocument?: string;
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
  if (!isDenyPolicyIntact(state.denyPolicyDocument)) findings.push({ kind: 'deny-policy' });
  return findings;
}

export function describeFinding(finding: Finding): string {
  const what: Record<FindingKind, string> = {
    'login-profile': 'console password exists',
    'access-key': 'access key is active',
    'ssh-public-key': 'SSH public key is active',
    'signing-certificate': 'signing certificate is active',
    'service-specific-credential': 'service-specific credential is active',
    'deny-policy': `deny policy ${DENY_POLICY_NAME} is missing or changed`,
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

// ---- restore ----------------------------------------------------------------------------------

export type StatusKind = 'access-key' | 'ssh-public-key' | 'signing-certificate' | 'service-specific-credential';

export type RestoreAction =
  | { readonly op: 'put-inline-policy'; readonly policyName: string; readonly document: string }
  | { readonly op: 'attach-policy'; readonly policyArn: string }
  | { readonly op: 'add-to-group'; readonly groupName: string }
  | { readonly op: 'put-permissions-boundary'; readonly policyArn: string }
  | { readonly op: 'set-status'; readonly kind: StatusKind; readonly id: string; readonly status: CredentialStatus }
  | { readonly op: 'delete-deny-policy' }
  | { readonly op: 'tag'; readonly tags: Readonly<Record<string, string>> }
  | { readonly op: 'untag'; readonly keys: readonly string[] };

export interface RestoreNote {
  readonly kind:
    | 'console-password-not-restorable'
    | 'credential-gone'
    | 'credential-added-during-offboarding'
    | 'inline-policy-added-during-offboarding'
    | 'policy-attached-during-offboarding'
    | 'group-added-during-offboarding'
    | 'permissions-boundary-added-during-offboarding';
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
 * Brings the user back to the snapshot: permissions first, then credentials to their snapshot
 * status (only those that were Active become Active), then the deny policy and tags go, so the user
 * is usable only once everything else is back. Things added by others during the offboarding are
 * left alone and reported; a console password cannot come back and is reported.
 */
export function planRestore(snapshot: UserSnapshot, current: UserInventory): RestorePlan {
  const actions: RestoreAction[] = [];
  const notes: RestoreNote[] = [];

  const currentInline = new Map(current.inlinePolicies.map((p) => [p.policyName, p.document]));
  for (const policy of snapshot.inlinePolicies) {
    // Our own deny policy in a snapshot comes from an earlier attempt that never finished: not restored.
    if (policy.policyName === DENY_POLICY_NAME) continue;
    if (!samePolicy(currentInline.get(policy.policyName), policy.document)) {
      actions.push({ op: 'put-inline-policy', policyName: policy.policyName, document: policy.document });
    }
  }
  const snapshotInline = new Set(snapshot.inlinePolicies.map((p) => p.policyName));
  for (const policy of current.inlinePolicies) {
    if (policy.policyName !== DENY_POLICY_NAME && !snapshotInline.has(policy.policyName)) {
      notes.push({
        kind: 'inline-policy-added-during-offboarding',
        id: policy.policyName,
        detail: `inline policy ${policy.policyName} is not in the snapshot; left in place`,
      });
    }
  }

  const attached = new Set(current.attachedPolicies.map((p) => p.policyArn));
  for (const policy of snapshot.attachedPolicies) {
    if (!attached.has(policy.policyArn)) actions.push({ op: 'attach-policy', policyArn: policy.policyArn });
  }
  const snapshotAttached = new Set(snapshot.attachedPolicies.map((p) => p.policyArn));
  for (const policy of current.attachedPolicies) {
    if (!snapshotAttached.has(policy.policyArn)) {
      notes.push({
        kind: 'policy-attached-during-offboarding',
        id: policy.policyArn,
        detail: `managed policy ${policy.policyName} is not in the snapshot; left attached`,
      });
    }
  }

  const groups = new Set(current.groups);
  for (const group of snapshot.groups) if (!groups.has(group)) actions.push({ op: 'add-to-group', groupName: group });
  const snapshotGroups = new Set(snapshot.groups);
  for (const group of current.groups) {
    if (!snapshotGroups.has(group)) {
      notes.push({
        kind: 'group-added-during-offboarding',
        id: group,
        detail: `group ${group} is not in the snapshot; membership left in place`,
      });
    }
  }

  const boundary = snapshot.user.permissionsBoundaryArn;
  if (boundary && current.user.permissionsBoundaryArn !== boundary) {
    actions.push({ op: 'put-permissions-boundary', policyArn: boundary });
  } else if (!boundary && current.user.permissionsBoundaryArn) {
    notes.push({
      kind: 'permissions-boundary-added-during-offboarding',
      id: current.user.permissionsBoundaryArn,
      detail: 'a permissions boundary not in the snapshot is set; left in place',
    });
  }

  restoreStatuses(
    actions,
    notes,
    'access-key',
    snapshot.accessKeys.map((k) => [k.accessKeyId, k.status]),
    current.accessKeys.map((k) => [k.accessKeyId, k.status]),
  );
  restoreStatuses(
    actions,
    notes,
    'ssh-public-key',
    snapshot.sshPublicKeys.map((k) => [k.sshPublicKeyId, k.status]),
    current.sshPublicKeys.map((k) => [k.sshPublicKeyId, k.status]),
  );
  restoreStatuses(
    actions,
    notes,
    'signing-certificate',
    snapshot.signingCertificates.map((c) => [c.certificateId, c.status]),
    current.signingCertificates.map((c) => [c.certificateId, c.status]),
  );
  restoreStatuses(
    actions,
    notes,
    'service-specific-credential',
    snapshot.serviceSpecificCredentials.map((c) => [c.serviceSpecificCredentialId, c.status]),
    current.serviceSpecificCredentials.map((c) => [c.serviceSpecificCredentialId, c.status]),
  );

  if (snapshot.loginProfile) notes.push({ kind: 'console-password-not-restorable', detail: CONSOLE_PASSWORD_NOTE });

  if (current.inlinePolicies.some((p) => p.policyName === DENY_POLICY_NAME)) actions.push({ op: 'delete-deny-policy' });

  // Tags: put back snapshot values we (or anyone) changed, then remove the offboarding tags.
  const restoreTags: Record<string, string> = {};
  for (const [key, value] of Object.entries(snapshot.user.tags)) {
    if (OFFBOARDING_TAG_KEYS.includes(key)) continue;
    if (current.user.tags[key] !== value) restoreTags[key] = value;
  }
  if (Object.keys(restoreTags).length > 0) actions.push({ op: 'tag', tags: restoreTags });
  const ours = OFFBOARDING_TAG_KEYS.filter((key) => key in current.user.tags);
  if (ours.length > 0) actions.push({ op: 'untag', keys: ours });

  return { actions, notes };
}

function restoreStatuses(
  actions: RestoreAction[],
  notes: RestoreNote[],
  kind: StatusKind,
  snapshot: readonly (readonly [string, CredentialStatus])[],
  current: readonly (readonly [string, CredentialStatus])[],
): void {
  const now = new Map(current);
  for (const [id, status] of snapshot) {
    const currentStatus = now.get(id);
    if (currentStatus === undefined) {
      notes.push({ kind: 'credential-gone', id, detail: `${kind} ${id} no longer exists and cannot be restored` });
    } else if (currentStatus !== status) {
      actions.push({ op: 'set-status', kind, id, status });
    }
  }
  const known = new Set(snapshot.map(([id]) => id));
  for (const [id] of current) {
    if (!known.has(id)) {
      notes.push({
        kind: 'credential-added-during-offboarding',
        id,
        detail: `${kind} ${id} was created after the snapshot; left as it is (disabled)`,
      });
    }
  }
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
 * The deny policy is removed last of all permissions, after every credential is gone and every
 * grant (inline, attached, group) is removed: a session issued before the user was disabled can
 * still be alive, and it must never see a moment with grants but without the deny.
 */
export function planTeardown(inventory: UserInventory, secretName: string): TeardownStep[] {
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
  const inline = inventory.inlinePolicies.map((p) => p.policyName);
  for (const name of inline) if (name !== DENY_POLICY_NAME) steps.push({ op: 'DeleteUserPolicy', id: name });
  for (const p of inventory.attachedPolicies) steps.push({ op: 'DetachUserPolicy', id: p.policyArn });
  for (const g of inventory.groups) steps.push({ op: 'RemoveUserFromGroup', id: g });
  if (inline.includes(DENY_POLICY_NAME)) steps.push({ op: 'DeleteUserPolicy', id: DENY_POLICY_NAME });
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
