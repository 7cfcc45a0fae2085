/**
 * The fleet report's findings, pure: each user's key rows (report slots with their key ids) and the
 * findings auditors ask for, from the credential report row, the listed keys, config and `now`.
 */
import { maxKeyAgeMs, type LifecycleConfig } from '../shared/config';
import { keyCreatedAt, type AccessKeyRecord } from '../shared/iam/records';
import type { WorkflowKind } from '../shared/workflows';
import type { ReportUser } from '../scan/credential-report';

const DAY_MS = 86_400_000;

export const FINDING_CODES = [
  'key-older-than-max-age',
  'unused-access-key',
  'unused-password',
  'console-without-mfa',
  'two-active-keys',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export interface Finding {
  readonly code: FindingCode;
  readonly detail: string;
  readonly accessKeyId?: string;
}

export interface RunningWorkflow {
  readonly kind: WorkflowKind;
  readonly executionName: string;
  readonly userName: string;
  readonly startedAt: string;
}

export interface KeyRow {
  /** Credential report slot; absent for a key created after the report was generated. */
  readonly slot?: 1 | 2;
  /** Absent when the report's key is gone from IAM since the report was generated. */
  readonly accessKeyId?: string;
  readonly status: 'Active' | 'Inactive';
  readonly createdAt?: string;
  /** In days scaled by timeScale (what the scan compares with maxKeyAgeDays), one decimal, rounded down. */
  readonly ageDays?: number;
  readonly lastUsedAt?: string;
}

/** Scaled days, one decimal, rounded down (as the scan's plan reports key ages). */
export function scaledDays(ms: number, config: Pick<LifecycleConfig, 'timeScale'>): number {
  return Math.floor(((ms * config.timeScale) / DAY_MS) * 10) / 10;
}

/** How long a credential may stay unused before the report flags it, in real milliseconds. */
export function unusedLimitMs(config: Pick<LifecycleConfig, 'reportUnusedCredentialDays' | 'timeScale'>): number {
  return (config.reportUnusedCredentialDays * DAY_MS) / config.timeScale;
}

const sameSecond = (a: Date, b: Date) => Math.floor(a.getTime() / 1000) === Math.floor(b.getTime() / 1000);

/** The report's key slots with their ids (matched by creation time to the second, as the scan does). */
export function keyRows(user: ReportUser, listed: readonly AccessKeyRecord[], config: LifecycleConfig, now: Date): KeyRow[] {
  const age = (created: Date) => scaledDays(now.getTime() - created.getTime(), config);
  const used = new Set<string>();
  const rows: KeyRow[] = [];
  for (const slot of user.accessKeys) {
    if (!slot.lastRotated) continue; // an empty slot
    const created = slot.lastRotated;
    const match = listed.find((k) => !used.has(k.accessKeyId) && sameSecond(keyCreatedAt(k), created));
    if (match) used.add(match.accessKeyId);
    rows.push({
      slot: slot.slot,
      ...(match ? { accessKeyId: match.accessKeyId } : {}),
      status: slot.active ? 'Active' : 'Inactive',
      createdAt: created.toISOString(),
      ageDays: age(created),
      ...(slot.lastUsed ? { lastUsedAt: slot.lastUsed.toISOString() } : {}),
    });
  }
  for (const key of listed.filter((k) => !used.has(k.accessKeyId))) {
    rows.push({
      accessKeyId: key.accessKeyId,
      status: key.status,
      ...(key.createDate ? { createdAt: key.createDate, ageDays: age(keyCreatedAt(key)) } : {}),
    });
  }
  return rows;
}

/**
 * The findings of one user. Thresholds are strict, as in the scan: a key exactly maxKeyAgeDays old
 * is not flagged. "Unused" applies to credentials that work (active keys, an enabled password); one
 * never used counts from its creation (password: from password_last_changed).
 */
export function findingsOf(
  user: ReportUser,
  keys: readonly KeyRow[],
  running: readonly RunningWorkflow[],
  config: LifecycleConfig,
  now: Date,
): Finding[] {
  const findings: Finding[] = [];
  const maxAge = maxKeyAgeMs(config);
  const unusedLimit = unusedLimitMs(config);
  const days = (ms: number) => scaledDays(ms, config);
  const id = (k: KeyRow) => k.accessKeyId ?? `slot ${k.slot ?? '?'}`;
  const withId = (k: KeyRow) => (k.accessKeyId ? { accessKeyId: k.accessKeyId } : {});
  const active = keys.filter((k) => k.status === 'Active');

  for (const key of active) {
    if (!key.createdAt) continue;
    const created = new Date(key.createdAt).getTime();
    if (now.getTime() - created > maxAge) {
      findings.push({
        code: 'key-older-than-max-age',
        detail: `active key ${id(key)} is ${days(now.getTime() - created)} days old (maxKeyAgeDays ${config.maxKeyAgeDays})`,
        ...withId(key),
      });
    }
    if (key.slot === undefined) continue; // created after the report: its use is not known yet
    const since = key.lastUsedAt ? new Date(key.lastUsedAt).getTime() : created;
    if (now.getTime() - since > unusedLimit) {
      findings.push({
        code: 'unused-access-key',
        detail: `active key ${id(key)} ${key.lastUsedAt ? `last used ${days(now.getTime() - since)} days ago` : `never used in its ${days(now.getTime() - since)} days`} (reportUnusedCredentialDays ${config.reportUnusedCredentialDays})`,
        ...withId(key),
      });
    }
  }

  const consoleFacts = user.console;
  if (consoleFacts?.passwordEnabled) {
    const since = consoleFacts.passwordLastUsed ?? consoleFacts.passwordLastChanged ?? user.createdAt;
    if (since && now.getTime() - since.getTime() > unusedLimit) {
      findings.push({
        code: 'unused-password',
        detail: `console password ${consoleFacts.passwordLastUsed ? `last used ${days(now.getTime() - since.getTime())} days ago` : `never used in its ${days(now.getTime() - since.getTime())} days`} (reportUnusedCredentialDays ${config.reportUnusedCredentialDays})`,
      });
    }
    if (consoleFacts.mfaActive === false) {
      findings.push({ code: 'console-without-mfa', detail: 'console password enabled and no MFA device active' });
    }
  }

  if (active.length >= 2) {
    const rotating = running.find((w) => w.kind === 'rotation');
    findings.push({
      code: 'two-active-keys',
      detail: `two active keys (${active.map(id).join(', ')})${rotating ? `; rotation ${rotating.executionName} is running, which holds both until cutover` : ''}`,
    });
  }
  return findings;
}
