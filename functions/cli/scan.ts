/** `iam-lifecycle scan`: locally the real scan handler in-process; deployed, the stack's scan Lambda. */
import { Logger } from '@aws-lambda-powertools/logger';
import { countApiCalls } from '../scan/api-calls';
import { IamCredentialReportSource } from '../scan/credential-report';
import { makeScanHandler, type ScanSummary } from '../scan/handler';
import type { SignalOutcome, SignalsSummary } from '../scan/signals-phase';
import { invokeDeployed, type CliContext } from './context';
import { formatUnusedKeys } from './scan-unused';

export async function runScan(ctx: CliContext, options: { dryRun: boolean }): Promise<ScanSummary> {
  if (ctx.mode === 'deployed') return (await invokeDeployed(ctx, 'ScanFunctionName', { dryRun: options.dryRun })) as ScanSummary;
  const local = ctx.local!;
  const handler = makeScanHandler({
    credentialReport: new IamCredentialReportSource(ctx.clients.iam, { pollIntervalMs: 200 }),
    iam: ctx.iam,
    workflows: ctx.workflows,
    config: ctx.config,
    clock: () => new Date(),
    notifier: local.notifications,
    logger: new Logger({ serviceName: 'scan-local', logLevel: 'ERROR' }),
    iamCalls: countApiCalls(ctx.clients.iam),
    signals: {
      listAllUsers: () => ctx.iam.listAllUsers(),
      marks: local.offboardingService.records,
      offboarding: local.offboardingService,
    },
  });
  return handler({ dryRun: options.dryRun });
}

export function formatScan(s: ScanSummary): string {
  const lines = [
    `${s.dryRun ? 'DRY RUN: ' : ''}${s.scannedUsers} users in the credential report, ${s.upToDate} up to date, ${s.candidates} candidates` +
      (s.iamCalls !== undefined ? `, ${s.iamCalls} IAM calls` : ''),
  ];
  for (const p of s.plan) {
    const verb = s.dryRun
      ? 'would rotate'
      : s.alreadyRunning.some((r) => r.executionName === p.executionName)
        ? 'already rotating'
        : 'rotating';
    lines.push(`${verb} ${p.userName} key ${p.accessKeyId} (${p.keyAgeDays} days old) as ${p.executionName}`);
  }
  for (const b of s.blocked) lines.push(`blocked ${b.userName} key ${b.accessKeyId}: ${b.reason}`);
  for (const k of s.skipped) lines.push(`skipped ${k.userName}: ${k.reason}`);
  for (const f of s.failed) lines.push(`FAILED ${f.userName}: ${f.errorName}: ${f.message}`);
  if (s.signals) lines.push(...formatSignals(s.signals, s.dryRun));
  if (s.unusedKeys) lines.push(...formatUnusedKeys(s.dryRun, s.unusedKeys));
  return lines.join('\n');
}

/** Per user with an expiry tag or inactive: the facts and what the scan does (or would do) and why. */
function signalFacts(o: SignalOutcome): string {
  const facts: string[] = [];
  if (o.expiryMalformed) facts.push(`expiry ${JSON.stringify(o.expiry)} MALFORMED`);
  else if (o.expiry !== undefined) facts.push(`expiry ${o.expiry} (${o.daysLeft} days)`);
  if (o.idleDays !== undefined) facts.push(`inactive ${o.idleDays} days, last used ${o.lastUsedAt ?? 'never'}`);
  if (o.owner !== undefined) facts.push(`owner ${o.owner}`);
  return facts.join(', ');
}

export function formatSignals(signals: SignalsSummary, dryRun: boolean): string[] {
  const lines = [`lifecycle signals: ${signals.usersWithSignals} users with an expiry tag or inactive`];
  if (signals.failed) lines.push(`FAILED lifecycle signals: ${signals.failed}`);
  for (const o of signals.outcomes) {
    const what = o.action === 'notify-inactive' ? 'notify' : o.action;
    const result = dryRun && o.result === 'planned' ? 'would ' + what : `${what} ${o.result}`;
    const ref = o.executionName ? ` as ${o.executionName}` : o.approvalId ? ` (approval ${o.approvalId})` : '';
    lines.push(`${result} ${o.userName}${ref}: ${o.reason} [${signalFacts(o)}]`);
  }
  return lines;
}
