/** The unused-key lines of `iam-lifecycle scan` (and `scan --dry-run`: the planned retirements). */
import type { UnusedKeysSummary } from '../scan/unused-keys';

export function formatUnusedKeys(dryRun: boolean, u: UnusedKeysSummary): string[] {
  const lines: string[] = [];
  for (const p of u.plan) {
    const running = u.alreadyRunning.some((r) => r.executionName === p.executionName);
    const verb = dryRun ? 'would retire unused' : running ? 'already retiring unused' : 'retiring unused';
    const since = p.neverUsed ? `never used, created ${p.unusedSince}` : `last used ${p.unusedSince}`;
    const only = p.onlyActiveKey ? "; it is the user's only active key" : '';
    lines.push(`${verb} ${p.userName} key ${p.accessKeyId} (${since}, ${p.unusedDays} days unused${only}) as ${p.executionName}`);
  }
  for (const r of u.alreadyRunning.filter((r) => !u.plan.some((p) => p.executionName === r.executionName))) {
    lines.push(`already retiring unused ${r.userName} key ${r.accessKeyId} as ${r.executionName}`);
  }
  for (const k of u.skipped) lines.push(`skipped ${k.userName}: ${k.reason}`);
  for (const f of u.failed) lines.push(`FAILED ${f.userName} (unused key): ${f.errorName}: ${f.message}`);
  return lines;
}
