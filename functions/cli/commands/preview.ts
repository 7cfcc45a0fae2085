/** `rotate --dry-run` and `offboard --dry-run`: the exact plan, read-only, in every mode. */
import type { Command } from 'commander';
import { ValidationError } from '../../shared/errors';
import { previewOffboarding, previewRotation, printPlan, refuseWithDryRun } from '../preview';
import type { Session } from '../session';
import { readOnlyContext } from './stack';

export async function rotatePreviewCommand(
  session: Session,
  cmd: Command,
  userName: string,
  opts: { key?: string; wait?: boolean },
): Promise<number> {
  refuseWithDryRun({ wait: opts.wait });
  const ctx = await readOnlyContext(session, cmd, 'rotate');
  if (ctx.mode === 'deployed' && opts.key)
    throw new ValidationError('--key is for local mode (--endpoint) only; deployed, the API rotates the user’s one active key');
  const plan = await previewRotation(ctx, userName, opts.key ? { key: opts.key } : {});
  return printPlan(plan, session.options.json, session.print);
}

export async function offboardPreviewCommand(
  session: Session,
  cmd: Command,
  userName: string,
  opts: { reason?: string; observationDays?: number; wait?: boolean; as?: string },
): Promise<number> {
  refuseWithDryRun({ wait: opts.wait, as: opts.as });
  if (!opts.reason) throw new ValidationError('offboard needs --reason TEXT (it is recorded with the snapshot)');
  const ctx = await readOnlyContext(session, cmd, 'offboard');
  const plan = await previewOffboarding(ctx, userName, {
    reason: opts.reason,
    stack: session.options.stack,
    ...(opts.observationDays !== undefined ? { observationDays: opts.observationDays } : {}),
  });
  return printPlan(plan, session.options.json, session.print);
}
