/**
 * Activity before deletion (issue 10): the pure rules of the check that runs before an offboarding's
 * teardown. Which CloudTrail events are the user's own (its keys, its sessions, its console sign-in
 * attempts; never the stack's calls nor another principal's calls about the user), which window a
 * check looks at, and whether deletion goes ahead, is postponed by one check interval, or is held
 * for a person. No AWS calls and no clock: the step passes in what it read and the current time.
 */
import type { ActivityAttribute, TrailEvent } from '../shared/cloudtrail';

/**
 * CloudTrail makes an event searchable minutes after the call (AWS: typically within 5, at most
 * about 15). A later check looks this far back before the end of the previous window, so an event
 * delivered late is still seen; events already counted are recognised by their time.
 */
export const CLOUDTRAIL_DELIVERY_LAG_MS = 15 * 60_000;

/** The most event names and source IPs a summary carries (the state and the notification stay small). */
export const SUMMARY_LIMIT = 10;

export type ActivityOutcome = 'clear' | 'activity' | 'incomplete';
export type ActivityDecision = 'delete' | 'postpone' | 'hold';

/** The user whose activity is looked for, as this execution's Disable step recorded it. */
export interface ActivitySubject {
  readonly userName: string;
  readonly userId: string;
  readonly accessKeyIds: readonly string[];
}

export type EventOwner = 'user' | 'stack' | 'other';

const lower = (s: string | undefined) => (s ?? '').toLowerCase();

/**
 * Whose call an event is. The stack's own roles (matched like the reactions do: session issuer or
 * principal id, by unique id or ARN) come first: the Disable step's calls name the user. Then the
 * user: a call signed by one of its keys, by the user itself (its long-term keys, a session from
 * GetSessionToken, a console sign-in attempt: `IAMUser`), or by a federated session it issued
 * (GetFederationToken: session issuer `IAMUser`). Anything else (an administrator's call about the
 * user, a role session that happens to carry the user's name) is not the user's activity.
 */
export function eventOwner(event: TrailEvent, subject: ActivitySubject, ownPrincipals: readonly string[]): EventOwner {
  const id = event.identity;
  const issuer = id.sessionIssuer;
  const own = new Set(ownPrincipals.map(lower));
  const actors = [issuer?.principalId, issuer?.arn, id.arn, id.principalId?.split(':')[0]].filter((a): a is string => !!a);
  if (actors.some((a) => own.has(lower(a)))) return 'stack';
  if (id.accessKeyId && subject.accessKeyIds.includes(id.accessKeyId)) return 'user';
  const isUser = (who: { type?: string; userName?: string; principalId?: string } | undefined) =>
    who?.type === 'IAMUser' && (who.userName === subject.userName || who.principalId === subject.userId);
  if (isUser(id) || isUser(issuer)) return 'user';
  return 'other';
}

/** What one lookup answered (the record lists every lookup a check made). */
export interface LookupReport {
  readonly attribute: ActivityAttribute;
  readonly value: string;
  /** Events the lookup returned, whoever made them. */
  readonly events: number;
  readonly pages: number;
  readonly truncated: boolean;
  /** The error's name when the lookup failed (throttled, unavailable); never its details. */
  readonly error?: string;
}

export interface ActivitySummary {
  readonly eventCount: number;
  /** Event names by count, most frequent first (at most SUMMARY_LIMIT). */
  readonly eventNames: readonly { readonly name: string; readonly count: number }[];
  readonly sourceIps: readonly string[];
  /** Error codes by count: calls AWS refused (AccessDenied from the deny policy) are activity too. */
  readonly errorCodes: readonly { readonly code: string; readonly count: number }[];
  readonly first: string;
  readonly last: string;
}

/** One check: the record and the notification are built from it. */
export interface ActivityCheck {
  readonly checkedAt: string;
  readonly window: { readonly start: string; readonly end: string };
  readonly lookups: readonly LookupReport[];
  /** The user's events not seen by an earlier check. */
  readonly found: number;
  readonly ignoredStackEvents: number;
  readonly ignoredOtherEvents: number;
  readonly summary?: ActivitySummary;
  readonly outcome: ActivityOutcome;
  readonly decision: ActivityDecision;
}

/** CheckActivity's output (`$.activity`), read back from the execution's own history by the next check and DeleteUser. */
export interface ActivityState {
  readonly decision: ActivityDecision;
  readonly postponements: number;
  readonly maxPostponements: number;
  /** For `postpone`: how long PostponeDeletion waits (the scaled check interval). */
  readonly waitSeconds: number;
  /** The newest event of the user's seen so far: a later check counts only newer ones. */
  readonly lastActivityAt?: string;
  /** End of the last window every lookup read completely. */
  readonly coveredUntil?: string;
  readonly checks: readonly ActivityCheck[];
}

function floorToSecond(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

/**
 * The window of a check: from the disable (to the second, as CloudTrail's event times are; a call in
 * the disable's own second counts) or, after a complete earlier check, from its end less the
 * delivery lag; until now.
 */
export function activityWindow(disabledAt: Date, now: Date, previous?: ActivityState): { start: Date; end: Date } {
  const from = floorToSecond(disabledAt);
  const covered = previous?.coveredUntil ? new Date(previous.coveredUntil).getTime() - CLOUDTRAIL_DELIVERY_LAG_MS : -Infinity;
  return { start: new Date(Math.max(from.getTime(), covered)), end: now };
}

/** The user's events that count: in the window, after the disable, newer than anything counted before. */
export function newUserEvents(
  events: readonly TrailEvent[],
  subject: ActivitySubject,
  ownPrincipals: readonly string[],
  since: { disabledAt: Date; lastActivityAt?: string },
): { user: TrailEvent[]; stack: number; other: number } {
  const seen = new Set<string>();
  const user: TrailEvent[] = [];
  let stack = 0;
  let other = 0;
  const from = floorToSecond(since.disabledAt).getTime();
  const after = since.lastActivityAt ? new Date(since.lastActivityAt).getTime() : -Infinity;
  for (const e of events) {
    // The same event answers the lookup by user name and the one by key id.
    const key = e.eventId ?? `${e.eventName}@${e.eventTime.toISOString()}@${e.identity.accessKeyId ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const t = e.eventTime.getTime();
    if (t < from || t <= after) continue;
    const owner = eventOwner(e, subject, ownPrincipals);
    if (owner === 'stack') stack++;
    else if (owner === 'other') other++;
    else user.push(e);
  }
  return { user, stack, other };
}

/** Event names, source IPs, error codes and times: never request or response bodies. */
export function summarizeUserActivity(events: readonly TrailEvent[]): ActivitySummary | undefined {
  if (events.length === 0) return undefined;
  const names = new Map<string, number>();
  const codes = new Map<string, number>();
  const ips = new Set<string>();
  let first = Infinity;
  let last = -Infinity;
  for (const e of events) {
    names.set(e.eventName, (names.get(e.eventName) ?? 0) + 1);
    if (e.errorCode) codes.set(e.errorCode, (codes.get(e.errorCode) ?? 0) + 1);
    if (e.sourceIPAddress) ips.add(e.sourceIPAddress);
    first = Math.min(first, e.eventTime.getTime());
    last = Math.max(last, e.eventTime.getTime());
  }
  const ranked = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return {
    eventCount: events.length,
    eventNames: ranked(names)
      .slice(0, SUMMARY_LIMIT)
      .map(([name, count]) => ({ name, count })),
    sourceIps: [...ips].sort().slice(0, SUMMARY_LIMIT),
    errorCodes: ranked(codes)
      .slice(0, SUMMARY_LIMIT)
      .map(([code, count]) => ({ code, count })),
    first: new Date(first).toISOString(),
    last: new Date(last).toISOString(),
  };
}

/**
 * Activity found, or a check that could not read everything (a failed or truncated lookup with
 * nothing found), never deletes: it postpones while postponements are left, then holds the user
 * (disabled, not deleted) for a person. Only a complete check that found nothing new deletes.
 */
export function decideActivity(outcome: ActivityOutcome, postponementsSoFar: number, maxPostponements: number): ActivityDecision {
  if (outcome === 'clear') return 'delete';
  return postponementsSoFar < maxPostponements ? 'postpone' : 'hold';
}

export function outcomeOf(found: number, lookups: readonly LookupReport[]): ActivityOutcome {
  if (found > 0) return 'activity';
  return lookups.some((l) => l.error !== undefined || l.truncated) ? 'incomplete' : 'clear';
}
