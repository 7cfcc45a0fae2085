/**
 * The lifecycle signals a user carries on its own (issue: expiry, inactivity, activity before
 * deletion, owners). Top-level LifecycleConfig fields, parsed and validated here to keep ./config
 * small. Inactivity and unused-key actions are off unless configured.
 */

export type InactiveUserAction = 'notify' | 'offboard';

export interface SignalsConfig {
  /** User tag holding the user's expiry as an ISO date (`2027-03-31`). @default 'Expiry' */
  readonly expiryTagKey: string;
  /** Days before the expiry date on which `user.expiring` reminders are sent. @default [14, 7, 1] */
  readonly expiryReminderDays: readonly number[];
  /**
   * A user whose every credential (password and keys) has been unused this long is inactive
   * (`user.inactive`; never used: counted from its creation). @default undefined (off)
   */
  readonly inactiveUserDays?: number;
  /** What the scan does about an inactive user: notify, or start a staged offboarding. @default 'notify' */
  readonly inactiveUserAction: InactiveUserAction;
  /**
   * An active key unused this long (never used: from its creation) is deactivated through the
   * rotation's safe path (deactivate, grace period, delete; rollback possible). @default undefined (off)
   */
  readonly unusedKeyDays?: number;
  /** User tag naming the owner (notifications carry it as the `owner` message attribute). @default 'Owner' */
  readonly ownerTagKey: string;
  /** User tag naming the user's purpose (reminders and refusals show it). @default 'Purpose' */
  readonly purposeTagKey: string;
  /** Activity found in CloudTrail before an offboarding's teardown postpones it by one check interval, at most this often. @default 3 */
  readonly offboardingActivityPostponements: number;
  /** Time budget of one CloudTrail activity lookup (all pages), in seconds. @default 20 */
  readonly activityLookupBudgetSeconds: number;
}

export const DEFAULT_SIGNALS: SignalsConfig = Object.freeze({
  expiryTagKey: 'Expiry',
  expiryReminderDays: Object.freeze([14, 7, 1]) as readonly number[],
  inactiveUserAction: 'notify',
  ownerTagKey: 'Owner',
  purposeTagKey: 'Purpose',
  offboardingActivityPostponements: 3,
  activityLookupBudgetSeconds: 20,
});

/** Fields of SignalsConfig that may be absent (off). */
export const OPTIONAL_SIGNAL_KEYS = ['inactiveUserDays', 'unusedKeyDays'] as const;

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

function tagKey(problems: string[], name: string, value: unknown): string {
  if (typeof value !== 'string' || !TAG_KEY.test(value)) {
    problems.push(`${name} must be an IAM tag key (1-128 characters)`);
    return '';
  }
  return value;
}

function wholeDays(problems: string[], name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
    return min;
  }
  return value;
}

/** Validates the signal fields of a merged config object (defaults applied); problems are appended. */
export function parseSignals(problems: string[], merged: Record<string, unknown>): SignalsConfig {
  const ladder = merged.expiryReminderDays;
  let reminders: readonly number[] = [];
  if (!Array.isArray(ladder) || !ladder.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= 365)) {
    problems.push('expiryReminderDays must be a list of whole numbers of days from 1 to 365');
  } else {
    reminders = Object.freeze([...new Set(ladder as number[])].sort((a, b) => b - a));
  }
  const action = merged.inactiveUserAction;
  if (action !== 'notify' && action !== 'offboard') problems.push('inactiveUserAction must be "notify" or "offboard"');
  const inactive = merged.inactiveUserDays;
  const unused = merged.unusedKeyDays;
  return Object.freeze({
    expiryTagKey: tagKey(problems, 'expiryTagKey', merged.expiryTagKey),
    expiryReminderDays: reminders,
    ...(inactive !== undefined ? { inactiveUserDays: wholeDays(problems, 'inactiveUserDays', inactive, 1, 3650) } : {}),
    inactiveUserAction: action === 'offboard' ? 'offboard' : 'notify',
    ...(unused !== undefined ? { unusedKeyDays: wholeDays(problems, 'unusedKeyDays', unused, 1, 3650) } : {}),
    ownerTagKey: tagKey(problems, 'ownerTagKey', merged.ownerTagKey),
    purposeTagKey: tagKey(problems, 'purposeTagKey', merged.purposeTagKey),
    offboardingActivityPostponements: wholeDays(
      problems,
      'offboardingActivityPostponements',
      merged.offboardingActivityPostponements,
      0,
      30,
    ),
    activityLookupBudgetSeconds: wholeDays(problems, 'activityLookupBudgetSeconds', merged.activityLookupBudgetSeconds, 1, 600),
  });
}
