/** `scan`, `status` and `report`. */
import type { Command } from 'commander';
import { ValidationError } from '../../shared/errors';
import { EXIT } from '../exit-codes';
import { formatStatus } from '../format';
import { userStatus } from '../offboard';
import { runReport } from '../report';
import { formatScan, runScan } from '../scan';
import { readOnlyContext } from './stack';
import { openContext, untilInterrupted, InterruptedError, type Session } from '../session';

export async function scanCommand(session: Session, opts: { dryRun?: boolean }): Promise<number> {
  // `--dry-run` here is the scan's own preview (nothing started). The rotate/offboard previews
  // (functions/cli/preview.ts) are wired by the verbs that own them.
  const { print, options } = session;
  const ctx = await openContext(session);
  const result = await runScan(ctx, { dryRun: opts.dryRun ?? false });
  print(options.json ? JSON.stringify(result, null, 2) : formatScan(result));
  if (ctx.local && result.started.length > 0) {
    ctx.progress?.start();
    try {
      const done = await untilInterrupted(ctx.local.workflows.waitForAll(), session.signals);
      if (done === 'interrupted') {
        throw new InterruptedError(
          `Interrupted: the ${result.started.length} rotation(s) this scan started stopped with this process (local workflows run inside the CLI); ` +
            `\`iam-lifecycle status USER${options.endpoint ? ` --endpoint ${options.endpoint}` : ''}\` shows each user's keys, and ` +
            '`iam-lifecycle rotate USER --key OLDKEY` resumes one that left two active keys.',
        );
      }
    } finally {
      ctx.progress?.stop();
    }
  }
  return EXIT.done;
}

export async function statusCommand(session: Session, userName: string): Promise<number> {
  const { print, options } = session;
  const ctx = await openContext(session, { quiet: true, verb: 'status' });
  await ctx.local?.ready();
  const status = await userStatus(ctx, userName);
  print(options.json ? JSON.stringify(status, null, 2) : formatStatus(status));
  return EXIT.done;
}

/** `report`: read-only, from the running local stack, the endpoint or the deployed account. */
export async function reportCommand(session: Session, cmd: Command, opts: { csv?: boolean }): Promise<number> {
  if (session.options.json && opts.csv) throw new ValidationError('report takes --json or --csv, not both');
  const ctx = await readOnlyContext(session, cmd, 'report');
  session.print(await runReport(ctx, { format: session.options.json ? 'json' : opts.csv ? 'csv' : 'table' }));
  return EXIT.done;
}
