/**
 * The fleet report's lifecycle-signal columns (issue 10): per user its expiry, its inactivity and
 * what the next scan does about them. Facts come from the same pure rules the scan uses
 * (functions/scan/signals.ts); the action is the scan's own dry-run answer when it mentions the user,
 * so the report and the scan cannot disagree.
 */
import type { LifecycleConfig } from '../shared/config';
import type { ReportUser } from '../scan/credential-report';
import { decideSignals, describeSignals, readExpiry, readInactivity } from '../scan/signals';
import type { SignalOutcome } from '../scan/signals-phase';

export interface LifecycleRow {
  /** The expiry tag's value, when the user has one. */
  readonly expiry?: string;
  readonly expiryMalformed?: true;
  /** Whole days left until the expiry (0 or less: expired). */
  readonly daysToExpiry?: number;
  /** Latest use of any credential (undefined: never used, or the report does not say). */
  readonly lastActivityAt?: string;
  /** Days since the last use (never used: since the newest usable credential, or the user's creation). */
  readonly idleDays?: number;
  /** Only when inactiveUserDays is set. */
  readonly inactive?: boolean;
  /** remind, offboard, notify (or a combination), skip or nothing. */
  readonly action: string;
  readonly reason: string;
}

export function lifecycleRow(
  user: ReportUser,
  tags: Readonly<Record<string, string>>,
  config: LifecycleConfig,
  now: Date,
  automationUserNames: readonly string[],
  outcomes: readonly SignalOutcome[] = [],
): LifecycleRow {
  const expiry = readExpiry(tags, config.expiryTagKey, now);
  const inactivity = readInactivity(user, config, now);
  const mine = outcomes.filter((o) => o.userName === user.userName && o.action !== 'report');
  const described = describeSignals(decideSignals(user, tags, config, now, automationUserNames));
  const fromScan =
    mine.length > 0
      ? {
          action: mine.map((o) => (o.action === 'notify-inactive' ? 'notify' : o.action)).join('+'),
          reason: mine.map((o) => (o.result === 'planned' ? o.reason : `${o.reason} (${o.result})`)).join('; '),
        }
      : described;
  return {
    ...(expiry?.kind === 'date' ? { expiry: expiry.value, daysToExpiry: expiry.daysLeft } : {}),
    ...(expiry?.kind === 'malformed' ? { expiry: expiry.value, expiryMalformed: true as const } : {}),
    ...(inactivity?.lastUsedAt ? { lastActivityAt: inactivity.lastUsedAt.toISOString() } : {}),
    ...(inactivity ? { idleDays: inactivity.idleDays } : {}),
    ...(inactivity && config.inactiveUserDays !== undefined ? { inactive: inactivity.inactive } : {}),
    ...fromScan,
  };
}

/** Short table cells: EXPIRY, IDLE and SIGNALS. */
export function lifecycleCells(row: LifecycleRow): [string, string, string] {
  const expiry =
    row.expiry === undefined
      ? '-'
      : row.expiryMalformed
        ? `MALFORMED ${JSON.stringify(row.expiry)}`
        : `${row.expiry} (${row.daysToExpiry}d)`;
  const idle = row.idleDays === undefined ? '-' : `${row.idleDays}d${row.inactive ? ' INACTIVE' : ''}`;
  return [expiry, idle, row.action];
}
