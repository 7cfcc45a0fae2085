/** `iam-lifecycle scan`: locally the real scan handler in-process; deployed, the stack's scan Lambda. */
import { Logger } from '@aws-lambda-powertools/logger';
import { countApiCalls } from '../scan/api-calls';
import { IamCredentialReportSource } from '../scan/credential-report';
import { makeScanHandler, type ScanSummary } from '../scan/handler';
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
  if (s.unusedKeys) lines.push(...formatUnusedKeys(s.dryRun, s.unusedKeys));
  return lines.join('\n');
}
