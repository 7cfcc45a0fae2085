/** One readable line per notification, for the CLI's local mode and the demo (the SNS message is JSON). */
import type { Notification } from '../shared/notifier';

const list = (value: unknown) => (Array.isArray(value) && value.length > 0 ? value.join(', ') : 'none');

export function describeNotification(n: Notification): string {
  const who = n.userName ?? '';
  switch (n.type) {
    case 'rotation.started':
      return `${who}: new key ${String(n.newAccessKeyId)} stored in ${String(n.secretName)}; waiting for cutover`;
    case 'rotation.key-deactivated':
      return `${who}: cutover confirmed, old key ${String(n.accessKeyId)} deactivated (deleted after ${String(n.deleteAfter)})`;
    case 'rotation.completed':
      return `${who}: old key ${String(n.deletedAccessKeyId)} deleted; rotation completed`;
    case 'rotation.blocked':
    case 'rotation.abandoned':
    case 'rotation.rolled-back':
    case 'rotation.cutover-overdue':
      return `${who}: ${n.type}: ${String(n.reason)}`;
    case 'rotation.failed':
    case 'offboarding.failed':
      return `${who}: ${n.type}: ${String(n.errorName)}: ${String(n.errorMessage)}`;
    case 'scan.completed':
      return 'scan completed (notification sent with the plan; never secrets)';
    case 'offboarding.started':
      return `${who}: offboarding started (${String(n.reason)}); snapshot taken`;
    case 'offboarding.disabled':
      return (
        `${who}: disabled at ${String(n.disabledAt)}: password ${n.consolePasswordDeleted ? 'deleted' : 'none'}, ` +
        `access keys ${list(n.accessKeyIds)} deactivated, deny policy ${String(n.denyPolicy)} attached; deletion due ${String(n.deleteAfter)}`
      );
    case 'offboarding.completed':
      return `${who}: deleted at ${String(n.deletedAt)} after removing ${Object.entries(
        (n.removed as Record<string, number>) ?? {},
      )
        .map(([op, count]) => `${op} x${count}`)
        .join(', ')}`;
    case 'offboarding.reenabled': {
      // From the reactions (a CloudTrail event: who did it) or the observation's own periodic check.
      const by = n.by as { arn?: string; type?: string } | undefined;
      const what = by ? `${String(n.eventName)} by ${by.arn || by.type || 'unknown'}` : 'found by the observation check';
      return (
        `${who}: re-enabled during the offboarding (${what}); ` +
        (n.disabledAgainAt ? `disabled again at ${String(n.disabledAgainAt)}` : 'not disabled again (notify only)') +
        ` (${list(n.findings)})`
      );
    }
    case 'key.exposed':
      return `${who}: exposed key ${String(n.accessKeyId)} ${String(n.action)}: ${describeExposure(n)}`;
    default: {
      const { type, ...rest } = n;
      return `${type} ${JSON.stringify(rest)}`;
    }
  }
}

/** The `key.exposed` notification's outcome and activity summary in one line. */
function describeExposure(n: Notification): string {
  const a = (n.activity ?? {}) as {
    eventCount?: number;
    eventNames?: { name: string; count: number }[];
    sourceIps?: string[];
    regions?: string[];
    firstSeen?: string;
    lastSeen?: string;
    truncated?: boolean;
    unavailable?: string;
  };
  const names = (a.eventNames ?? []).map((e) => `${e.name} x${e.count}`).join(', ') || 'none';
  const activity = a.unavailable
    ? `activity unavailable (${a.unavailable})`
    : `activity ${a.eventCount ?? 0} events${a.truncated ? '+' : ''} (${names}) from ${list(a.sourceIps)} in ${list(a.regions)}` +
      (a.firstSeen ? `, first ${a.firstSeen}, last ${String(a.lastSeen)}` : '');
  return (
    `replacement ${n.replacementAccessKeyId ? String(n.replacementAccessKeyId) : 'none'}, ` +
    `${n.deactivated ? `deactivated (deleted after ${String(n.deleteAfter)})` : 'not deactivated'}; ${activity}`
  );
}
