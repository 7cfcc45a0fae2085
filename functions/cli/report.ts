/**
 * `iam-lifecycle report`: every IAM user with its keys (ids, status, ages, last use), console and MFA
 * status, what the next scan would do, running workflows, and the findings auditors ask for. Read
 * only, in both modes: locally against the endpoint, deployed with the operator's own credentials.
 */
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { automationUserNamesFromEnv } from '../shared/scope';
import type { WorkflowKind } from '../shared/workflows';
import { IamCredentialReportSource } from '../scan/credential-report';
import {
  buildFleetReport,
  FINDING_CODES,
  NEXT_SCAN_ACTIONS,
  type FleetReport,
  type KeyRow,
  type UserRow,
} from '../report/domain';
import { readFleet } from '../report/source';
import { csvText } from '../report/csv-out';
import { lifecycleCells } from '../report/lifecycle';
import type { CliContext } from './context';

export type ReportFormat = 'table' | 'json' | 'csv';

/** Reads the fleet and builds the report (no output). */
export async function collectFleetReport(ctx: CliContext, now: Date = new Date()): Promise<FleetReport> {
  const kinds: WorkflowKind[] =
    ctx.mode === 'local' || ctx.stackOutputs?.OffboardingStateMachineArn ? ['rotation', 'offboarding'] : ['rotation'];
  const facts = await readFleet({
    credentialReport: new IamCredentialReportSource(ctx.clients.iam, ctx.mode === 'local' ? { pollIntervalMs: 200 } : {}),
    iam: ctx.iam,
    workflows: ctx.workflows,
    kinds,
    config: ctx.config,
    now,
    automationUserNames: await automationUserNames(ctx),
  });
  return buildFleetReport(facts, ctx.config, now);
}

/** The report in the requested format. */
export async function runReport(ctx: CliContext, options: { format: ReportFormat }): Promise<string> {
  const report = await collectFleetReport(ctx);
  if (options.format === 'json') return formatReportJson(report);
  if (options.format === 'csv') return formatReportCsv(report);
  return formatReportTable(report);
}

/** Deployed, the scan protects the automation's own users (its AUTOMATION_USER_NAMES): so does the report. */
async function automationUserNames(ctx: CliContext): Promise<string[]> {
  const scanFunction = ctx.stackOutputs?.ScanFunctionName;
  if (ctx.mode !== 'deployed' || !ctx.lambda || !scanFunction) return [];
  const fn = await ctx.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: scanFunction }));
  return automationUserNamesFromEnv(fn.Environment?.Variables ?? {});
}

export function formatReportJson(report: FleetReport): string {
  return JSON.stringify(report, null, 2);
}

const date = (iso: string | undefined) => (iso ? iso.slice(0, 10) : 'never');
const yesNo = (value: boolean | undefined) => (value === undefined ? '?' : value ? 'yes' : 'no');

function nextScanCell(row: UserRow, maxRotationsPerScan: number): string {
  const n = row.nextScan;
  switch (n.action) {
    case 'rotate':
      return `rotate ${n.accessKeyId ?? ''}`;
    case 'deferred':
      return `deferred ${n.accessKeyId ?? ''} (cap ${maxRotationsPerScan})`;
    case 'skip':
      return `skip (${n.code ?? ''})`;
    case 'nothing':
      return '-';
    default:
      return n.action;
  }
}

function keyCells(key: KeyRow | undefined): string[] {
  if (!key) return ['-', '', '', ''];
  return [
    key.accessKeyId ?? `slot ${key.slot ?? '?'} (gone)`,
    key.status,
    key.ageDays === undefined ? '?' : String(Math.floor(key.ageDays)),
    key.lastUsedAt ? date(key.lastUsedAt) : key.slot === undefined ? '?' : 'never',
  ];
}

function aligned(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
}

/** A table, one line per key (a user's other columns on its first line), then details and totals. */
export function formatReportTable(report: FleetReport): string {
  const s = report.settings;
  const lines = [
    `Fleet report at ${report.generatedAt} (credential report generated ${report.credentialReportGeneratedAt ?? 'unknown'})`,
    `maxKeyAgeDays ${s.maxKeyAgeDays}, reportUnusedCredentialDays ${s.reportUnusedCredentialDays}, maxRotationsPerScan ${s.maxRotationsPerScan}` +
      `${s.timeScale !== 1 ? `, timeScale ${s.timeScale} (ages in scaled days)` : ''}, managed path ${s.managedUsers.pathPrefix}`,
    '',
  ];
  const header = [
    'USER',
    'SCOPE',
    'KEY',
    'STATUS',
    'AGE',
    'LAST USED',
    'CONSOLE',
    'MFA',
    'NEXT SCAN',
    'WORKFLOW',
    'FINDINGS',
    'EXPIRY',
    'IDLE',
    'SIGNALS',
  ];
  const rows: string[][] = [header];
  for (const u of report.users) {
    const keys = u.keys.length > 0 ? u.keys : [undefined];
    keys.forEach((key, i) => {
      const userCells =
        i === 0
          ? [
              u.userName,
              u.scope,
              ...keyCells(key),
              yesNo(u.console.passwordEnabled),
              yesNo(u.console.mfaActive),
              nextScanCell(u, s.maxRotationsPerScan),
              u.workflows.map((w) => w.executionName).join(' ') || '-',
              [...new Set(u.findings.map((f) => f.code))].join(' ') || '-',
              ...lifecycleCells(u.lifecycle),
            ]
          : ['', '', ...keyCells(key), '', '', '', '', '', '', '', ''];
      rows.push(userCells);
    });
  }
  lines.push(...aligned(rows), '');

  const notManaged = report.users.filter((u) => u.scope !== 'managed');
  if (notManaged.length > 0) {
    lines.push('Not managed by the automation:');
    for (const u of notManaged) lines.push(`  ${u.userName}: ${u.scope}, ${u.scopeReason ?? ''}`);
  }
  const told = report.users.filter((u) => u.nextScan.action !== 'nothing');
  if (told.length > 0) {
    lines.push('Next scan:');
    for (const u of told) lines.push(`  ${u.userName}: ${u.nextScan.action}: ${u.nextScan.reason}`);
  }
  const signalled = report.users.filter((u) => u.lifecycle.action !== 'nothing' || u.lifecycle.expiryMalformed);
  if (signalled.length > 0) {
    lines.push('Lifecycle signals (expiry, inactivity):');
    for (const u of signalled) lines.push(`  ${u.userName}: ${u.lifecycle.action}: ${u.lifecycle.reason}`);
  }
  const flagged = report.users.filter((u) => u.findings.length > 0);
  if (flagged.length > 0) {
    lines.push('Findings:');
    for (const u of flagged) for (const f of u.findings) lines.push(`  ${u.userName}: ${f.code}: ${f.detail}`);
  }
  for (const p of report.credentialReportProblems) {
    lines.push(`Unreadable credential report line ${p.line}${p.userName ? ` (${p.userName})` : ''}: ${p.problem}`);
  }
  if (report.notInCredentialReport.length > 0) {
    lines.push(`Not in the credential report yet (created after it): ${report.notInCredentialReport.join(', ')}`);
  }
  const sum = report.summary;
  const counts = (record: Readonly<Record<string, number>>, keys: readonly string[]) =>
    keys.map((k) => `${record[k] ?? 0} ${k}`).join(', ');
  lines.push(
    '',
    `${sum.users} users: ${sum.managed} managed, ${sum.protected} protected, ${sum.outOfScope} out of scope; ${sum.usersWithFindings} with findings`,
    `findings: ${counts(sum.findings, FINDING_CODES)}`,
    `next scan: ${counts(sum.nextScan, NEXT_SCAN_ACTIONS)}`,
  );
  return lines.join('\n');
}

/** One record per user; key columns for as many keys as the user with most keys has (at least two). */
export function formatReportCsv(report: FleetReport): string {
  const keyCount = Math.max(2, ...report.users.map((u) => u.keys.length));
  const keyHeader = Array.from({ length: keyCount }, (_, i) =>
    ['id', 'status', 'created', 'age_days', 'last_used'].map((f) => `key_${i + 1}_${f}`),
  ).flat();
  const header = [
    'user',
    'path',
    'scope',
    'scope_reason',
    'offboarding',
    ...keyHeader,
    'password_enabled',
    'password_last_used',
    'mfa_active',
    'next_scan',
    'next_scan_key',
    'next_scan_execution',
    'next_scan_reason',
    'running_workflows',
    'findings',
    'finding_details',
    'expiry',
    'expiry_malformed',
    'days_to_expiry',
    'last_activity',
    'idle_days',
    'inactive',
    'signal_action',
    'signal_reason',
  ];
  const records = report.users.map((u) => [
    u.userName,
    u.path,
    u.scope,
    u.scopeReason,
    u.offboarding,
    ...Array.from({ length: keyCount }, (_, i) => {
      const k = u.keys[i];
      return [k?.accessKeyId, k?.status, k?.createdAt, k?.ageDays, k ? (k.lastUsedAt ?? (k.slot ? 'never' : '')) : undefined];
    }).flat(),
    u.console.passwordEnabled,
    u.console.passwordLastUsedAt,
    u.console.mfaActive,
    u.nextScan.action,
    u.nextScan.accessKeyId,
    u.nextScan.executionName,
    u.nextScan.reason,
    u.workflows.map((w) => `${w.kind}:${w.executionName}`).join(' '),
    [...new Set(u.findings.map((f) => f.code))].join(' '),
    u.findings.map((f) => f.detail).join('; '),
    u.lifecycle.expiry,
    u.lifecycle.expiryMalformed,
    u.lifecycle.daysToExpiry,
    u.lifecycle.lastActivityAt,
    u.lifecycle.idleDays,
    u.lifecycle.inactive,
    u.lifecycle.action,
    u.lifecycle.reason,
  ]);
  return csvText([header, ...records]);
}
