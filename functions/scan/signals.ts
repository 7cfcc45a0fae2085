/**
 * Pure rules of the scan's lifecycle signals (issue 10): a user's expiry tag and its inactivity in
 * the credential report. No I/O, no clock of its own; ./signals-phase does the reads and the acting.
 *
 * Expiry: the `expiryTagKey` tag holds `YYYY-MM-DD` (the user expires at 00:00 UTC that day) or a full
 * ISO 8601 timestamp with a zone (`2027-03-31T18:00:00Z`, it expires at that instant). Anything else
 * is malformed: reported, never acted on. Days left = ceil((expiry - now) / 1 day), so a user is
 * "7 days before" for the whole calendar day seven days before a date-only expiry. The expiry date is
 * a real date: `timeScale` does not shorten it (it shortens durations, not calendars).
 *
 * Reminders, once per rung: the rung due is the nearest rung of `expiryReminderDays` the user has
 * reached (smallest N >= days left). A scan that missed the day of a rung still sends that rung's
 * reminder late; rungs already overtaken by a nearer one are never sent. The phase keys each sent
 * reminder by user, expiry value and rung (a write-once record), so a scan running twice a day
 * sends it once; a changed expiry date starts the ladder again.
 *
 * Inactivity, from the report columns only: every credential's last use (password_last_used,
 * access_key_N_last_used_date); a credential never used (N/A, no_information) counts from its
 * creation (password_last_changed, access_key_N_last_rotated, else user_creation_time); a
 * deactivated key that was never used counts for nothing. A user with no credential at all counts
 * from its creation: an identity nobody can use is as stale as one nobody uses. Without the report's
 * password columns the user's inactivity is unknown and nothing is done about it.
 */
import type { LifecycleConfig } from '../shared/config';
import { decideScope, offboardingPhaseOf } from '../shared/scope';
import type { ReportUser } from './credential-report';

/** Records-bucket prefix of the write-once markers of sent reminders and notices. */
export const SIGNAL_MARKS_ROOT = 'signals/';

/** A calendar day in milliseconds (expiry dates are not scaled). */
export const DAY_MS_UNSCALED = 86_400_000;

export type SignalsSelectionConfig = Pick<
  LifecycleConfig,
  | 'expiryTagKey'
  | 'expiryReminderDays'
  | 'inactiveUserDays'
  | 'inactiveUserAction'
  | 'ownerTagKey'
  | 'purposeTagKey'
  | 'timeScale'
  | 'managedUsers'
  | 'protectedUsers'
>;

/** `days` as milliseconds, divided by timeScale like every other duration of the config. */
export function scaledDays(days: number, config: Pick<LifecycleConfig, 'timeScale'>): number {
  return (days * DAY_MS_UNSCALED) / config.timeScale;
}

export type ExpiryReading =
  | { readonly kind: 'malformed'; readonly value: string }
  | { readonly kind: 'date'; readonly value: string; readonly expiresAt: Date; readonly daysLeft: number };

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)$/;

function validDay(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}

/** The instant an expiry tag value names, or undefined when it is not an ISO date or timestamp. */
export function parseExpiry(value: string): Date | undefined {
  const day = DATE_ONLY.exec(value);
  if (day) {
    const [, y, m, d] = day as unknown as [string, string, string, string];
    return validDay(y, m, d) ? new Date(Date.UTC(Number(y), Number(m) - 1, Number(d))) : undefined;
  }
  const ts = TIMESTAMP.exec(value);
  if (!ts) return undefined;
  const [, y, m, d] = ts as unknown as [string, string, string, string];
  const ms = Date.parse(value);
  return validDay(y, m, d) && !Number.isNaN(ms) ? new Date(ms) : undefined;
}

/** The user's expiry from its tags, or undefined when it has no expiry tag. */
export function readExpiry(tags: Readonly<Record<string, string>>, tagKey: string, now: Date): ExpiryReading | undefined {
  if (!Object.prototype.hasOwnProperty.call(tags, tagKey)) return undefined;
  const value = tags[tagKey] ?? '';
  const expiresAt = parseExpiry(value);
  if (!expiresAt) return { kind: 'malformed', value };
  return { kind: 'date', value, expiresAt, daysLeft: Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS_UNSCALED) };
}

/** The rung of the ladder due with this many days left (smallest N >= daysLeft), if any. */
export function reminderRung(daysLeft: number, ladder: readonly number[]): number | undefined {
  if (daysLeft <= 0) return undefined;
  const reached = ladder.filter((n) => n >= daysLeft);
  return reached.length > 0 ? Math.min(...reached) : undefined;
}

export interface InactivityReading {
  /** Latest use of any credential; undefined when none was ever used. */
  readonly lastUsedAt?: Date;
  /** What the idle time counts from: the last use, else the newest creation of a usable credential. */
  readonly idleSince: Date;
  /** Idle time in (scaled) days, one decimal. */
  readonly idleDays: number;
  readonly inactive: boolean;
}

/** Undefined when the report does not say enough (no password columns, no dates at all). */
export function readInactivity(user: ReportUser, config: SignalsSelectionConfig, now: Date): InactivityReading | undefined {
  if (user.console === undefined) return undefined;
  const uses: Date[] = [];
  const creations: Date[] = [];
  const c = user.console;
  if (c.passwordLastUsed) uses.push(c.passwordLastUsed);
  else if (c.passwordEnabled) {
    const created = c.passwordLastChanged ?? user.createdAt;
    if (created) creations.push(created);
  }
  for (const key of user.accessKeys) {
    if (key.lastUsed) uses.push(key.lastUsed);
    else if (key.active && key.lastRotated) creations.push(key.lastRotated);
  }
  const hasCredential = c.passwordEnabled === true || user.accessKeys.some((k) => k.active || k.lastUsed);
  if (!hasCredential && uses.length === 0 && user.createdAt) creations.push(user.createdAt);
  const latest = (dates: Date[]) => (dates.length > 0 ? new Date(Math.max(...dates.map((d) => d.getTime()))) : undefined);
  const lastUsedAt = latest(uses);
  const idleSince = latest([...uses, ...creations]);
  if (!idleSince) return undefined;
  const idleMs = now.getTime() - idleSince.getTime();
  const limit = config.inactiveUserDays === undefined ? undefined : scaledDays(config.inactiveUserDays, config);
  return {
    ...(lastUsedAt ? { lastUsedAt } : {}),
    idleSince,
    idleDays: Math.floor(((idleMs * config.timeScale) / DAY_MS_UNSCALED) * 10) / 10,
    inactive: limit !== undefined && idleMs > limit,
  };
}

export type SignalAction = 'offboard' | 'remind' | 'notify-inactive';
export type SignalSkipCode = 'protected' | 'out-of-scope' | 'being-offboarded';

export interface UserSignals {
  readonly userName: string;
  readonly expiry?: ExpiryReading;
  readonly inactivity?: InactivityReading;
  /** What the scan does, most important first (an offboarding replaces reminders and notices). */
  readonly actions: readonly { readonly action: SignalAction; readonly reason: string; readonly rung?: number }[];
  /** Set when the user has a signal but the scan leaves it alone. */
  readonly skip?: { readonly code: SignalSkipCode; readonly reason: string };
  readonly owner?: string;
  readonly purpose?: string;
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The signals of one user and what the scan does about them. Undefined when the user has none
 * (no expiry tag, not inactive): such users cost nothing and are not listed.
 */
export function decideSignals(
  user: Pick<ReportUser, 'userName' | 'path'> & Partial<ReportUser>,
  tags: Readonly<Record<string, string>>,
  config: SignalsSelectionConfig,
  now: Date,
  automationUserNames: readonly string[] = [],
): UserSignals | undefined {
  const expiry = readExpiry(tags, config.expiryTagKey, now);
  const inactivity =
    config.inactiveUserDays !== undefined && user.accessKeys ? readInactivity(user as ReportUser, config, now) : undefined;
  if (!expiry && !inactivity?.inactive) return undefined;
  const base = {
    userName: user.userName,
    ...(expiry ? { expiry } : {}),
    ...(inactivity ? { inactivity } : {}),
    ...(tags[config.ownerTagKey] !== undefined ? { owner: tags[config.ownerTagKey] } : {}),
    ...(tags[config.purposeTagKey] !== undefined ? { purpose: tags[config.purposeTagKey] } : {}),
  };
  const scope = decideScope({ userName: user.userName, path: user.path, tags }, config, automationUserNames);
  if (scope.kind !== 'managed') return { ...base, actions: [], skip: { code: scope.kind, reason: scope.why } };
  const phase = offboardingPhaseOf(tags);
  if (phase !== undefined) {
    return { ...base, actions: [], skip: { code: 'being-offboarded', reason: `being offboarded (${phase})` } };
  }
  if (expiry?.kind === 'date' && expiry.daysLeft <= 0) {
    return { ...base, actions: [{ action: 'offboard', reason: `expired ${expiry.value}` }] };
  }
  if (inactivity?.inactive && config.inactiveUserAction === 'offboard') {
    return { ...base, actions: [{ action: 'offboard', reason: `inactive since ${isoDay(inactivity.idleSince)}` }] };
  }
  const actions: { action: SignalAction; reason: string; rung?: number }[] = [];
  const rung = expiry?.kind === 'date' ? reminderRung(expiry.daysLeft, config.expiryReminderDays) : undefined;
  if (expiry?.kind === 'date' && rung !== undefined) {
    actions.push({
      action: 'remind',
      rung,
      reason: `expires ${expiry.value} (in ${expiry.daysLeft} day${expiry.daysLeft === 1 ? '' : 's'}, reminder ${rung})`,
    });
  }
  if (inactivity?.inactive) {
    actions.push({
      action: 'notify-inactive',
      reason: `inactive since ${isoDay(inactivity.idleSince)} (${inactivity.idleDays} days)`,
    });
  }
  return { ...base, actions };
}

/** The offboarding's reason for the user's signals, if the scan would offboard it. */
export function offboardReason(signals: UserSignals): string | undefined {
  return signals.actions.find((a) => a.action === 'offboard')?.reason;
}

/** One line for people: what the scan does about the user's signals and why. */
export function describeSignals(signals: UserSignals | undefined): { action: string; reason: string } {
  if (!signals) return { action: 'nothing', reason: 'no expiry tag, not inactive' };
  if (signals.skip) return { action: 'skip', reason: signals.skip.reason };
  if (signals.actions.length === 0) {
    const why =
      signals.expiry?.kind === 'malformed'
        ? `malformed expiry ${JSON.stringify(signals.expiry.value)}: reported, not acted on`
        : 'no reminder due';
    return { action: 'nothing', reason: why };
  }
  return {
    action: signals.actions.map((a) => (a.action === 'notify-inactive' ? 'notify' : a.action)).join('+'),
    reason: signals.actions.map((a) => a.reason).join('; '),
  };
}
