/**
 * The fleet report's rules, pure: from the credential report rows, every user's path and tags, the
 * users' key ids, the running workflows and what a dry run of the scan would do, one row per user
 * with the findings auditors ask for. No I/O and no clock of its own (`now` is passed in).
 *
 * What the next scan would do is not recomputed here: it is the scan handler's own dry-run answer
 * (see ./source), so the report and the scan cannot disagree. This file only files it per user.
 */
import type { LifecycleConfig } from '../shared/config';
import type { AccessKeyRecord, IamUser } from '../shared/iam/records';
import { decideScope, offboardingPhaseOf, type ScopeDecision } from '../shared/scope';
import type { ReportProblem, ReportUser } from '../scan/credential-report';
import type { ScanSummary } from '../scan/handler';
import type { SkipCode } from '../scan/select';
import { lifecycleRow, type LifecycleRow } from './lifecycle';
import {
  FINDING_CODES,
  findingsOf,
  keyRows,
  type Finding,
  type FindingCode,
  type KeyRow,
  type RunningWorkflow,
} from './findings';

export * from './findings';

export const NEXT_SCAN_ACTIONS = ['rotate', 'deferred', 'blocked', 'already-running', 'skip', 'failed', 'nothing'] as const;
export type NextScanAction = (typeof NEXT_SCAN_ACTIONS)[number];

export interface NextScan {
  readonly action: NextScanAction;
  /** The scan's skip code when `action` is `skip` (protected, out-of-scope, being-offboarded, ...). */
  readonly code?: SkipCode;
  readonly accessKeyId?: string;
  readonly executionName?: string;
  readonly reason: string;
}

export interface UserRow {
  readonly userName: string;
  readonly path: string;
  readonly scope: 'managed' | 'protected' | 'out-of-scope';
  readonly scopeReason?: string;
  /** Phase recorded by a running or finished offboarding (its tag). */
  readonly offboarding?: string;
  readonly keys: readonly KeyRow[];
  readonly console: {
    /** Undefined when the credential report does not say. */
    readonly passwordEnabled?: boolean;
    readonly passwordLastUsedAt?: string;
    readonly mfaActive?: boolean;
  };
  readonly nextScan: NextScan;
  /** Expiry, inactivity and what the next scan does about them (./lifecycle). */
  readonly lifecycle: LifecycleRow;
  readonly workflows: readonly RunningWorkflow[];
  readonly findings: readonly Finding[];
}

export interface FleetReport {
  readonly generatedAt: string;
  /** IAM hands out a cached credential report up to four hours old. */
  readonly credentialReportGeneratedAt?: string;
  readonly settings: Pick<
    LifecycleConfig,
    'maxKeyAgeDays' | 'reportUnusedCredentialDays' | 'maxRotationsPerScan' | 'timeScale' | 'managedUsers'
  >;
  /** Every IAM user of the credential report, managed or not (the scope column says why not). */
  readonly users: readonly UserRow[];
  readonly summary: {
    readonly users: number;
    readonly managed: number;
    readonly protected: number;
    readonly outOfScope: number;
    readonly usersWithFindings: number;
    readonly findings: Readonly<Record<FindingCode, number>>;
    readonly nextScan: Readonly<Record<NextScanAction, number>>;
  };
  /** Users IAM lists but the credential report does not (created after it): the next scan misses them too. */
  readonly notInCredentialReport: readonly string[];
  /** Credential report rows that could not be read: those users are not in the report (nor in the scan). */
  readonly credentialReportProblems: readonly ReportProblem[];
}

export interface FleetFacts {
  readonly reportUsers: readonly ReportUser[];
  readonly reportProblems: readonly ReportProblem[];
  readonly reportGeneratedAt?: Date;
  /** Every IAM user with its path and tags (GetAccountAuthorizationDetails). */
  readonly iamUsers: readonly Pick<IamUser, 'userName' | 'path' | 'tags'>[];
  /** ListAccessKeys per user that has a key in the credential report. */
  readonly accessKeys: ReadonlyMap<string, readonly AccessKeyRecord[]>;
  readonly running: readonly RunningWorkflow[];
  /** The scan handler's dry-run answer for the same credential report, tags and keys. */
  readonly nextScan: Pick<ScanSummary, 'plan' | 'alreadyRunning' | 'blocked' | 'skipped' | 'failed' | 'signals'>;
  /** The automation's own IAM users (protected, as in the scan). */
  readonly automationUserNames: readonly string[];
}

/** What the scan's dry run says about this user, or `nothing` when it does not mention the user. */
export function nextScanOf(userName: string, scan: FleetFacts['nextScan']): NextScan {
  const plan = scan.plan.find((p) => p.userName === userName);
  if (plan) {
    return {
      action: 'rotate',
      accessKeyId: plan.accessKeyId,
      executionName: plan.executionName,
      reason: `rotates key ${plan.accessKeyId} (${plan.keyAgeDays} days old)`,
    };
  }
  const running = scan.alreadyRunning.find((r) => r.userName === userName);
  if (running) {
    return {
      action: 'already-running',
      accessKeyId: running.accessKeyId,
      executionName: running.executionName,
      reason: `rotation ${running.executionName} of key ${running.accessKeyId} is already running`,
    };
  }
  const blocked = scan.blocked.find((b) => b.userName === userName);
  if (blocked) return { action: 'blocked', accessKeyId: blocked.accessKeyId, reason: blocked.reason };
  const skipped = scan.skipped.find((s) => s.userName === userName);
  if (skipped) {
    return {
      action: skipped.code === 'deferred' ? 'deferred' : 'skip',
      ...(skipped.code === 'deferred' ? {} : { code: skipped.code }),
      ...(skipped.accessKeyId ? { accessKeyId: skipped.accessKeyId } : {}),
      ...(skipped.executionName ? { executionName: skipped.executionName } : {}),
      reason: skipped.reason,
    };
  }
  const failed = scan.failed.find((f) => f.userName === userName);
  if (failed) return { action: 'failed', reason: `${failed.errorName}: ${failed.message}` };
  return { action: 'nothing', reason: 'no active key older than maxKeyAgeDays' };
}

/**
 * The scan's first stage decides scope without tags (the report has none), so a protected user
 * outside the path is skipped as out-of-scope: same action, but the row names the full reason.
 */
function withScopeReason(next: NextScan, scope: ScopeDecision): NextScan {
  const scopeSkip = next.action === 'skip' && (next.code === 'protected' || next.code === 'out-of-scope');
  if (!scopeSkip || scope.kind === 'managed') return next;
  return { ...next, code: scope.kind, reason: scope.why };
}

const zeroes = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export function buildFleetReport(facts: FleetFacts, config: LifecycleConfig, now: Date): FleetReport {
  const iamByName = new Map(facts.iamUsers.map((u) => [u.userName, u]));
  const inReport = new Set(facts.reportUsers.map((u) => u.userName));
  const users: UserRow[] = facts.reportUsers.map((user) => {
    const iamUser = iamByName.get(user.userName);
    const tags = iamUser?.tags ?? {};
    const scope = decideScope({ userName: user.userName, path: user.path, tags }, config, facts.automationUserNames);
    const keys = keyRows(user, facts.accessKeys.get(user.userName) ?? [], config, now);
    const workflows = facts.running.filter((w) => w.userName === user.userName);
    const offboarding = offboardingPhaseOf(tags);
    const c = user.console;
    return {
      userName: user.userName,
      path: user.path,
      scope: scope.kind,
      ...(scope.kind !== 'managed' ? { scopeReason: scope.why } : {}),
      ...(offboarding !== undefined ? { offboarding } : {}),
      keys,
      console: {
        ...(c?.passwordEnabled !== undefined ? { passwordEnabled: c.passwordEnabled } : {}),
        ...(c?.passwordLastUsed ? { passwordLastUsedAt: c.passwordLastUsed.toISOString() } : {}),
        ...(c?.mfaActive !== undefined ? { mfaActive: c.mfaActive } : {}),
      },
      nextScan: withScopeReason(nextScanOf(user.userName, facts.nextScan), scope),
      lifecycle: lifecycleRow(user, tags, config, now, facts.automationUserNames, facts.nextScan.signals?.outcomes),
      workflows,
      findings: findingsOf(user, keys, workflows, config, now),
    };
  });
  users.sort((a, b) => a.userName.localeCompare(b.userName));

  const findings = zeroes(FINDING_CODES);
  const nextScan = zeroes(NEXT_SCAN_ACTIONS);
  for (const row of users) {
    for (const f of row.findings) findings[f.code]++;
    nextScan[row.nextScan.action]++;
  }
  return {
    generatedAt: now.toISOString(),
    ...(facts.reportGeneratedAt ? { credentialReportGeneratedAt: facts.reportGeneratedAt.toISOString() } : {}),
    settings: {
      maxKeyAgeDays: config.maxKeyAgeDays,
      reportUnusedCredentialDays: config.reportUnusedCredentialDays,
      maxRotationsPerScan: config.maxRotationsPerScan,
      timeScale: config.timeScale,
      managedUsers: config.managedUsers,
    },
    users,
    summary: {
      users: users.length,
      managed: users.filter((u) => u.scope === 'managed').length,
      protected: users.filter((u) => u.scope === 'protected').length,
      outOfScope: users.filter((u) => u.scope === 'out-of-scope').length,
      usersWithFindings: users.filter((u) => u.findings.length > 0).length,
      findings,
      nextScan,
    },
    notInCredentialReport: facts.iamUsers
      .map((u) => u.userName)
      .filter((name) => !inReport.has(name))
      .sort(),
    credentialReportProblems: facts.reportProblems,
  };
}
