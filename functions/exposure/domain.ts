/**
 * Pure rules of the exposed-key response: contain (deny the user's temporary credentials),
 * replace when the user has room, deactivate at once, summarise the key's recent activity, delete
 * after the grace period. No AWS calls and no clock here.
 */
import { CLOCK_SKEW_ALLOWANCE_MS } from '../rotation/domain';
import { keyCreatedAt, type AccessKeyRecord } from '../shared/iam/records';

/** Name of the containment policy created locally (deployed, CDK names it and passes its ARN). */
export const CONTAINMENT_POLICY_NAME = 'iam-lifecycle-exposure-deny-sessions';

/** AWS's own quarantine policies (AWSCompromisedKeyQuarantine, ...V2, ...V3): never removed. */
export const QUARANTINE_POLICY_PREFIX = 'AWSCompromisedKeyQuarantine';

/**
 * The longest a session minted with an IAM user's long-term key lives (GetSessionToken and
 * GetFederationToken: 36 hours). Session credentials cannot mint new ones, and an inactive key
 * cannot either, so 36 hours after the exposed key's deactivation no session minted with it is alive.
 */
export const MAX_USER_SESSION_HOURS = 36;

/**
 * The containment policy statement: a STACK-OWNED customer managed policy (the same document
 * deployed by infra/constructs/exposure-response.ts and created locally by ./local.ts), attached
 * to the user by Contain. A managed policy cannot carry a per-response cut-off time, so it denies
 * every request made with temporary credentials of the user: any request carrying
 * `aws:TokenIssueTime` (sessions from GetSessionToken or GetFederationToken, whichever key minted
 * them). Requests signed with a long-term access key carry no token issue time, so the replacement
 * key keeps working. Role sessions the key may have assumed are the role's, not the user's: this
 * policy cannot reach them (the notification and README say so).
 */
export const CONTAINMENT_STATEMENT = {
  Sid: 'DenyEveryTemporaryCredentialOfTheUser',
  Effect: 'Deny',
  Action: '*',
  Resource: '*',
  Condition: { Null: { 'aws:TokenIssueTime': 'false' } },
} as const;

export function containmentPolicyDocument(): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [CONTAINMENT_STATEMENT] });
}

/**
 * The containment policy stays attached (like AWS's quarantine policy): detaching restores access,
 * and the automation never grants. A person may detach it once no session minted with the exposed
 * key can be alive: MAX_USER_SESSION_HOURS after the key was deactivated (real hours, not scaled).
 */
export function containmentDetachableAfter(deactivatedAt: Date): string {
  return new Date(deactivatedAt.getTime() + MAX_USER_SESSION_HOURS * 3_600_000).toISOString();
}

export type ExposurePlan =
  | { readonly kind: 'respond'; readonly replace: boolean; readonly note: string }
  | { readonly kind: 'notify-only'; readonly note: string }
  | { readonly kind: 'unknown-key'; readonly note: string };

/**
 * What the response does for this user. A protected user is only reported (a person acts). The
 * replacement needs a free slot: a key created since the response began is this response's own
 * (a CreateAccessKey whose answer was lost; CreateAndStoreKey reconciles it), any other key fills
 * the slot and is never touched, so the exposed key is contained and deactivated without a
 * replacement and the notification says so.
 */
export function planExposure(
  keys: readonly AccessKeyRecord[],
  exposedKeyId: string,
  scope: 'managed' | 'protected' | 'out-of-scope',
  responseStartedAt: Date,
): ExposurePlan {
  const exposed = keys.find((k) => k.accessKeyId === exposedKeyId);
  if (!exposed) return { kind: 'unknown-key', note: `access key ${exposedKeyId} no longer belongs to the user` };
  if (scope !== 'managed') return notifyOnlyPlan(scope);
  const earlier = responseStartedAt.getTime() - CLOCK_SKEW_ALLOWANCE_MS;
  const occupying = keys.filter((k) => k.accessKeyId !== exposedKeyId && keyCreatedAt(k).getTime() < earlier);
  if (occupying.length > 0) {
    return {
      kind: 'respond',
      replace: false,
      note: `no replacement: the user already has a second key (${occupying.map((k) => k.accessKeyId).join(', ')}); the workload must move to it or a person must make room`,
    };
  }
  return {
    kind: 'respond',
    replace: true,
    note: 'a replacement key was created and stored before the exposed key was deactivated',
  };
}

/** A protected or out-of-scope user: reported only, nothing changed (a person acts). */
export function notifyOnlyPlan(scope: 'protected' | 'out-of-scope'): ExposurePlan {
  return { kind: 'notify-only', note: `the user is ${scope}: nothing was changed, a person must act on the exposed key` };
}

/** One CloudTrail event, reduced to what the summary needs (never request or response bodies). */
export interface ActivityEvent {
  readonly eventName: string;
  readonly eventTime: Date;
  readonly eventSource?: string;
  readonly sourceIPAddress?: string;
  readonly awsRegion?: string;
}

export interface ActivitySummary {
  readonly eventCount: number;
  /** Event names by count, most frequent first. */
  readonly eventNames: readonly { readonly name: string; readonly count: number }[];
  readonly sourceIps: readonly string[];
  readonly regions: readonly string[];
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  /** The lookup stopped early (time budget or page limit): the figures are a lower bound. */
  readonly truncated: boolean;
  /** The lookup failed; the response went on without it. */
  readonly unavailable?: string;
}

const MAX_LISTED = 20;

export function summarizeActivity(events: readonly ActivityEvent[], truncated: boolean): ActivitySummary {
  const counts = new Map<string, number>();
  const ips = new Set<string>();
  const regions = new Set<string>();
  let first: number | undefined;
  let last: number | undefined;
  for (const e of events) {
    counts.set(e.eventName, (counts.get(e.eventName) ?? 0) + 1);
    if (e.sourceIPAddress) ips.add(e.sourceIPAddress);
    if (e.awsRegion) regions.add(e.awsRegion);
    const t = e.eventTime.getTime();
    first = first === undefined ? t : Math.min(first, t);
    last = last === undefined ? t : Math.max(last, t);
  }
  const eventNames = [...counts.entries()]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
    .slice(0, MAX_LISTED);
  return {
    eventCount: events.length,
    eventNames,
    sourceIps: [...ips].sort().slice(0, MAX_LISTED),
    regions: [...regions].sort(),
    ...(first !== undefined ? { firstSeen: new Date(first).toISOString() } : {}),
    ...(last !== undefined ? { lastSeen: new Date(last).toISOString() } : {}),
    truncated: truncated || ips.size > MAX_LISTED || counts.size > MAX_LISTED,
  };
}

/** The AWS quarantine policies attached to the user (reported as left in place). */
export function quarantinePolicies(attached: readonly { readonly policyName: string }[]): string[] {
  return attached.filter((p) => p.policyName.startsWith(QUARANTINE_POLICY_PREFIX)).map((p) => p.policyName);
}
