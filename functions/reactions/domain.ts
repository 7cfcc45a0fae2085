/**
 * Which reaction a CloudTrail event calls for, as pure functions of the event, facts about the user
 * (read by the handler) and the config. No I/O here: the handler reads, this decides.
 */
import type { LifecycleConfig } from '../shared/config';
import { decideScope, OFFBOARDING_STATE_TAG, type ScopeDecision } from '../shared/scope';
import { actorArns, param, targetUserName, type CloudTrailEvent } from './events';

export type ReactionKind = 'reenabled' | 'out-of-band-key' | 'scope-changed' | 'privilege-escalated' | 'mfa-removed';

/** Offboarding tags (functions/offboarding/domain.ts OFFBOARDING_TAG_KEYS; repeated to keep the IAM adapter out of this bundle). */
const OFFBOARDING_TAG_KEYS = [
  OFFBOARDING_STATE_TAG,
  'iam-lifecycle:offboarding-execution',
  'iam-lifecycle:offboarding-delete-after',
];

/** AWS managed policies that grant admin-level or IAM-changing power. */
export const ADMIN_MANAGED_POLICIES: readonly string[] = [
  'arn:aws:iam::aws:policy/AdministratorAccess',
  'arn:aws:iam::aws:policy/PowerUserAccess',
  'arn:aws:iam::aws:policy/IAMFullAccess',
  'arn:aws:iam::aws:policy/AdministratorAccess-Amplify',
  'arn:aws:iam::aws:policy/job-function/SystemAdministrator',
];

/** Why an event leads to nothing; cheap ones are decided before any IAM read. */
export type IgnoreReason =
  | 'own-role'
  | 'failed-call'
  | 'no-target-user'
  | 'not-relevant'
  | 'unknown-user'
  | 'out-of-scope'
  | 'duplicate'
  /** Organization mode: the event's account is not a target (excluded, unlisted, or the envelope and record disagree). */
  | 'untargeted-account';

/**
 * Loop safety: the event was caused by one of the stack's own roles (or users), named by ARN or by
 * unique id (`AROA...`, what the deployed stack passes: short, and never reused by a re-created role).
 */
export function causedByStack(event: CloudTrailEvent, ownPrincipals: readonly string[]): boolean {
  const own = new Set(ownPrincipals.map((a) => a.toLowerCase()));
  return actorArns(event.detail.userIdentity).some((arn) => own.has(arn.toLowerCase()));
}

/** The kinds an event can be before anything is known of the user (the cheap first filter). */
export function candidateKinds(
  event: CloudTrailEvent,
  config: Pick<LifecycleConfig, 'reactions' | 'managedUsers' | 'protectedUsers'>,
): ReactionKind[] {
  const name = event.detail.eventName;
  const kinds: ReactionKind[] = [];
  if (reenablingEvent(event)) kinds.push('reenabled');
  if (name === 'CreateAccessKey') kinds.push('out-of-band-key');
  if (touchedScopeKeys(event, config).length > 0) kinds.push('scope-changed');
  if (escalation(event, config) !== undefined) kinds.push('privilege-escalated');
  if (name === 'DeactivateMFADevice') kinds.push('mfa-removed');
  return kinds;
}

const ACTIVE_WHEN_SET = new Set([
  'UpdateAccessKey',
  'UpdateSSHPublicKey',
  'UpdateSigningCertificate',
  'UpdateServiceSpecificCredential',
]);
const ALWAYS_REENABLING = new Set([
  'CreateAccessKey',
  'CreateLoginProfile',
  'UpdateLoginProfile',
  'AttachUserPolicy',
  'PutUserPolicy',
  'AddUserToGroup',
  'PutUserPermissionsBoundary',
  'DeleteUserPermissionsBoundary',
  'UploadSSHPublicKey',
  'UploadSigningCertificate',
  'CreateServiceSpecificCredential',
]);

/** A call that switches something back on or removes the deny (kind 1 when the user is under observation). */
export function reenablingEvent(event: CloudTrailEvent): boolean {
  const name = event.detail.eventName;
  if (ACTIVE_WHEN_SET.has(name)) return param(event, 'status') === 'Active';
  // Any detach: the re-disable reads the user and acts only if the deny policy is gone.
  if (name === 'DetachUserPolicy') return true;
  return ALWAYS_REENABLING.has(name);
}

/** Tag keys the event adds, changes or removes that matter to scope or protection. */
export function touchedScopeKeys(
  event: CloudTrailEvent,
  config: Pick<LifecycleConfig, 'managedUsers' | 'protectedUsers'>,
): string[] {
  const watched = new Set([config.protectedUsers.tagKey, ...OFFBOARDING_TAG_KEYS]);
  if (config.managedUsers.tag) watched.add(config.managedUsers.tag.key);
  const name = event.detail.eventName;
  const params = event.detail.requestParameters ?? {};
  let keys: string[] = [];
  if (name === 'TagUser' && Array.isArray(params.tags)) {
    keys = (params.tags as { key?: unknown }[]).map((t) => String(t?.key ?? ''));
    // Adding the managed tag brings a user into scope: not tampering.
    if (config.managedUsers.tag) keys = keys.filter((k) => k !== config.managedUsers.tag?.key);
  }
  if (name === 'UntagUser' && Array.isArray(params.tagKeys)) keys = (params.tagKeys as unknown[]).map(String);
  return keys.filter((k) => watched.has(k));
}

/** The tag values the event set (TagUser) or removed (UntagUser, as null), limited to `keys`. */
export function tagChange(event: CloudTrailEvent, keys: readonly string[]): Record<string, string | null> {
  const params = event.detail.requestParameters ?? {};
  const out: Record<string, string | null> = {};
  if (event.detail.eventName === 'TagUser' && Array.isArray(params.tags)) {
    for (const t of params.tags as { key?: unknown; value?: unknown }[]) {
      const key = String(t?.key ?? '');
      if (keys.includes(key)) out[key] = typeof t?.value === 'string' ? t.value : '';
    }
  } else {
    for (const key of keys) out[key] = null;
  }
  return out;
}

/** The tags as they were before the event, as far as the event tells (values removed are unknown). */
export function tagsBefore(
  event: CloudTrailEvent,
  after: Readonly<Record<string, string>>,
  previous: Readonly<Record<string, string>> = {},
  config: Pick<LifecycleConfig, 'managedUsers'>,
): Record<string, string> {
  const before: Record<string, string> = { ...after };
  for (const [key, value] of Object.entries(tagChange(event, allKeys(event)))) {
    if (value === null) {
      // Removed: the previous value if recorded, else the managed value (the likeliest), else unknown.
      before[key] = previous[key] ?? (config.managedUsers.tag?.key === key ? (config.managedUsers.tag.value ?? '') : '?');
    } else if (key in previous) before[key] = previous[key] ?? '';
    else delete before[key];
  }
  return before;
}

function allKeys(event: CloudTrailEvent): string[] {
  const params = event.detail.requestParameters ?? {};
  if (Array.isArray(params.tags)) return (params.tags as { key?: unknown }[]).map((t) => String(t?.key ?? ''));
  if (Array.isArray(params.tagKeys)) return (params.tagKeys as unknown[]).map(String);
  return [];
}

/** What privilege the event added, or undefined (kind 4). */
export function escalation(event: CloudTrailEvent, config: Pick<LifecycleConfig, 'reactions'>): string | undefined {
  const name = event.detail.eventName;
  if (name === 'AttachUserPolicy') {
    const arn = param(event, 'policyArn');
    return arn && ADMIN_MANAGED_POLICIES.includes(arn) ? `admin-level policy ${arn} attached` : undefined;
  }
  if (name === 'PutUserPolicy') {
    const doc = param(event, 'policyDocument');
    return doc && allowsEverything(doc) ? `inline policy ${param(event, 'policyName') ?? ''} allows * or iam:*` : undefined;
  }
  if (name === 'AddUserToGroup') {
    const group = param(event, 'groupName');
    return group && config.reactions.adminGroups.some((g) => g.toLowerCase() === group.toLowerCase())
      ? `added to admin group ${group}`
      : undefined;
  }
  if (name === 'DeleteUserPermissionsBoundary') return 'permissions boundary removed';
  return undefined;
}

/** An inline policy document with an Allow of `*` or `iam:*` (Action as string or list). */
export function allowsEverything(document: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeURIComponentSafe(document));
  } catch {
    return false;
  }
  const statements = (parsed as { Statement?: unknown })?.Statement;
  const list = Array.isArray(statements) ? statements : [statements];
  return list.some((s) => {
    const st = s as { Effect?: unknown; Action?: unknown } | undefined;
    if (st?.Effect !== 'Allow') return false;
    const actions = Array.isArray(st.Action) ? st.Action : [st.Action];
    return actions.some((a) => typeof a === 'string' && (a === '*' || a.toLowerCase() === 'iam:*'));
  });
}

function decodeURIComponentSafe(text: string): string {
  try {
    return text.trimStart().startsWith('{') ? text : decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** What the handler knows of the target user when deciding. */
export interface UserFacts {
  readonly tags: Readonly<Record<string, string>>;
  readonly path: string;
  /** Tags before the event (scope-changed only); scope is judged on them so removing the managed tag is seen. */
  readonly tagsBefore?: Readonly<Record<string, string>>;
  /** Whether the user has a console password (mfa-removed only). */
  readonly consoleUser?: boolean;
}

export type ReactionDecision =
  | { readonly action: 'ignore'; readonly reason: IgnoreReason; readonly why?: string }
  | {
      readonly action: 'react';
      readonly kind: ReactionKind;
      readonly userName: string;
      /** `act` carries out the configured action; `notify` only notifies (protected users always). */
      readonly mode: 'act' | 'notify';
      readonly scope: ScopeDecision;
      readonly offboardingExecution?: string;
      readonly why: string;
    };

export function decideReaction(
  event: CloudTrailEvent,
  userName: string,
  facts: UserFacts,
  config: LifecycleConfig,
  automationUserNames: readonly string[] = [],
): ReactionDecision {
  const kinds = candidateKinds(event, config);
  const scopeNow = decideScope({ userName, path: facts.path, tags: facts.tags }, config, automationUserNames);
  const scopeBefore = facts.tagsBefore
    ? decideScope({ userName, path: facts.path, tags: facts.tagsBefore }, config, automationUserNames)
    : scopeNow;
  const r = config.reactions;
  const react = (kind: ReactionKind, act: boolean, why: string, scope = scopeNow): ReactionDecision => ({
    action: 'react',
    kind,
    userName,
    mode: act && scope.kind === 'managed' ? 'act' : 'notify',
    scope,
    ...(facts.tags['iam-lifecycle:offboarding-execution']
      ? { offboardingExecution: facts.tags['iam-lifecycle:offboarding-execution'] }
      : {}),
    why,
  });
  // Scope tampering counts if the user was in scope (or protected) before or after the change.
  if (kinds.includes('scope-changed') && (scopeBefore.kind !== 'out-of-scope' || scopeNow.kind !== 'out-of-scope')) {
    const scope = scopeBefore.kind === 'out-of-scope' ? scopeNow : scopeBefore;
    return react('scope-changed', false, `tags changed: ${touchedScopeKeys(event, config).join(', ')}`, scope);
  }
  if (scopeNow.kind === 'out-of-scope') return { action: 'ignore', reason: 'out-of-scope', why: scopeNow.why };
  const phase = facts.tags[OFFBOARDING_STATE_TAG];
  if (kinds.includes('reenabled') && phase === 'disabled') {
    return react('reenabled', r.reenabled === 'act', `${event.detail.eventName} during the offboarding's observation`);
  }
  if (kinds.includes('out-of-band-key') && phase === undefined) {
    const act = r.outOfBandKey === 'deactivate' && r.outOfBandKeyDelayMinutes === 0;
    return react('out-of-band-key', act, 'access key created outside a rotation');
  }
  const added = escalation(event, config);
  if (kinds.includes('privilege-escalated') && added)
    return react('privilege-escalated', r.privilegeEscalated === 'revert', added);
  if (kinds.includes('mfa-removed') && facts.consoleUser)
    return react('mfa-removed', false, 'MFA device deactivated on a console user');
  return { action: 'ignore', reason: 'not-relevant' };
}

/** The decision before any read: own-role, failed and target-less events cost nothing. */
export function preFilter(
  event: CloudTrailEvent,
  ownArns: readonly string[],
  config: LifecycleConfig,
): ReactionDecision | undefined {
  if (causedByStack(event, ownArns)) return { action: 'ignore', reason: 'own-role' };
  if (event.detail.errorCode) return { action: 'ignore', reason: 'failed-call', why: event.detail.errorCode };
  if (!targetUserName(event)) return { action: 'ignore', reason: 'no-target-user' };
  if (candidateKinds(event, config).length === 0) return { action: 'ignore', reason: 'not-relevant' };
  return undefined;
}
