/**
 * SNS message attributes of every notification, so a team can subscribe to its own users with a
 * subscription filter policy (README, "Lifecycle signals"): `type`, `severity`, `userName`, `owner`
 * (the user's Owner tag, ownerTagKey) and `accountId` (organization mode).
 *
 * Severity per type (one table, documented in the README):
 * - critical: a person must act now, or a credential may be out of our control (exposed key,
 *   failed workflow, privilege escalation, MFA removed, cutover overdue);
 * - warning: something was refused, changed, or will change without a person (blocked rotation or
 *   offboarding, a key deactivated or removed, out-of-band key, rolled back, reminders);
 * - info: progress and completion.
 * A type missing from the table is `warning`, so a filter on warning/critical never misses it.
 */
import type { Notification } from './notifier';
import { containsSecretLikeValue } from './redact';

export type Severity = 'info' | 'warning' | 'critical';

/** Types of parallel slices (user.expiring, user.inactive, offboarding.activity-seen) are listed ahead. */
export const SEVERITY_BY_TYPE: Readonly<Record<string, Severity>> = Object.freeze({
  'rotation.blocked': 'warning',
  'rotation.started': 'info',
  'rotation.cutover-overdue': 'critical',
  'rotation.key-deactivated': 'warning',
  'rotation.rolled-back': 'warning',
  'rotation.abandoned': 'info',
  'rotation.completed': 'info',
  'rotation.failed': 'critical',
  'rotation.key-removed': 'warning',
  'rotation.foreign-key': 'warning',
  'rotation.continued': 'info',
  'scan.completed': 'info',
  'offboarding.started': 'info',
  'offboarding.blocked': 'warning',
  'offboarding.disabled': 'warning',
  'offboarding.reenabled': 'warning',
  'offboarding.cancelled': 'info',
  'offboarding.completed': 'info',
  'offboarding.failed': 'critical',
  'offboarding.activity-seen': 'warning',
  'key.out-of-band': 'warning',
  'scope.changed': 'warning',
  'privilege.escalated': 'critical',
  'mfa.removed': 'critical',
  'key.exposed': 'critical',
  'exposure.completed': 'info',
  'exposure.failed': 'critical',
  'user.expiring': 'warning',
  'user.inactive': 'warning',
});

export function severityOf(type: string): Severity {
  return SEVERITY_BY_TYPE[type] ?? 'warning';
}

export interface SnsAttribute {
  readonly DataType: 'String';
  readonly StringValue: string;
}

/** SNS refuses an empty String attribute; a value over 256 characters would be no use in a filter. */
function attribute(value: unknown): SnsAttribute | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  // A tag value that looks like a secret is left out: attributes are not redacted like the message.
  if (trimmed.length === 0 || containsSecretLikeValue(trimmed)) return undefined;
  return { DataType: 'String', StringValue: trimmed.slice(0, 256) };
}

/**
 * The attributes of one notification. `owner` and `accountId` come from the notification's own
 * fields (the publisher read the user's tags; organization mode sets the account): nothing is looked
 * up here. Empty or non-string values are left out.
 */
export function messageAttributesOf(notification: Notification): Record<string, SnsAttribute> {
  const candidates: Record<string, unknown> = {
    type: notification.type,
    severity: severityOf(notification.type),
    userName: notification.userName,
    owner: notification.owner,
    accountId: notification.accountId,
  };
  const attributes: Record<string, SnsAttribute> = {};
  for (const [name, value] of Object.entries(candidates)) {
    const a = attribute(value);
    if (a) attributes[name] = a;
  }
  return attributes;
}

/**
 * The `owner` and `purpose` fields a publisher adds from the user's tags (already read by its scope
 * check), each only when the tag is set. Refusals name both so the right person is asked.
 */
export function ownerFields(
  tags: Readonly<Record<string, string>> | undefined,
  config: { readonly ownerTagKey: string; readonly purposeTagKey: string },
): { owner?: string; purpose?: string } {
  const owner = tags?.[config.ownerTagKey]?.trim();
  const purpose = tags?.[config.purposeTagKey]?.trim();
  return { ...(owner ? { owner } : {}), ...(purpose ? { purpose } : {}) };
}
