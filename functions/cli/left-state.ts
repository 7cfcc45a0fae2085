/**
 * After Ctrl-C or a failed workflow: ONE paragraph saying what state the user is left in (read from
 * the account: keys and their status, which key is in the secret, the offboarding phase) and the
 * exact command that continues or undoes it.
 */
import { userView } from '../api/user-view';
import { offboardingStatus } from '../offboarding/service';
import type { ExecutionSummary, WorkflowKind } from '../shared/workflows';
import type { CliContext } from './context';
import { offboardingDeps } from './offboard';
import { exposureLeftState } from './exposure-left';

export interface LeftWorkflow {
  readonly kind: WorkflowKind;
  readonly userName: string;
  readonly executionName: string;
  /** Rotation: the key it retires; exposure: the exposed key. */
  readonly oldAccessKeyId?: string;
}

export interface LeftHow {
  readonly interrupted: boolean;
  /** How the workflow ended (failure), when it did. */
  readonly final?: ExecutionSummary;
  /** Flags that repeat this command's target (`--endpoint URL --config FILE`), for the commands given. */
  readonly target: string;
  /** Local mode: the endpoint, for `aws --endpoint-url` commands. */
  readonly endpoint?: string;
}

function opening(ctx: CliContext, w: LeftWorkflow, how: LeftHow, noun: string): string {
  if (how.final) {
    const why = how.final.error ? `: ${how.final.error}${how.final.cause ? ` (${oneLine(how.final.cause)})` : ''}` : '';
    return `The ${noun} ${w.executionName} ended ${how.final.status}${why}.`;
  }
  if (ctx.mode === 'deployed') {
    return `Interrupted: this command stopped waiting, but the ${noun} ${w.executionName} continues in AWS; watch it with \`iam-lifecycle status ${w.userName}\`.`;
  }
  return `Interrupted: the ${noun} ${w.executionName} stopped with this process (local workflows run inside the CLI; nothing continues it).`;
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').slice(0, 300);

export async function leftStateParagraph(ctx: CliContext, w: LeftWorkflow, how: LeftHow): Promise<string> {
  try {
    if (w.kind === 'exposure') {
      const opening_ = opening(ctx, w, how, 'exposure response');
      const accessKeyId = w.oldAccessKeyId ?? '';
      return await exposureLeftState(ctx, { ...w, accessKeyId }, { ...how, opening: opening_ });
    }
    return w.kind === 'rotation' ? await rotationLeft(ctx, w, how) : await offboardingLeft(ctx, w, how);
  } catch (error) {
    return `${opening(ctx, w, how, w.kind)} Its state could not be read (${(error as Error).message}); \`iam-lifecycle status ${w.userName}${how.target}\` shows it.`;
  }
}

async function rotationLeft(ctx: CliContext, w: LeftWorkflow, how: LeftHow): Promise<string> {
  const view = await userView(
    {
      iam: ctx.iam,
      secrets: ctx.secrets,
      workflows: ctx.workflows,
      config: ctx.config,
      clock: () => new Date(),
      ...(ctx.accountId !== undefined ? { accountId: ctx.accountId } : {}),
    },
    w.userName,
  );
  const keys = view.accessKeys;
  const listed = keys.map((k) => `${k.accessKeyId} ${k.status}${k.isSecretCurrent ? ' (in the secret)' : ''}`).join(', ');
  const state = `${w.userName} is left with ${keys.length === 0 ? 'no access key' : `key${keys.length > 1 ? 's' : ''} ${listed}`}.`;
  const old = keys.find((k) => k.accessKeyId === w.oldAccessKeyId);
  const others = keys.filter((k) => k.accessKeyId !== w.oldAccessKeyId && k.status === 'Active');
  const aws = `aws ${how.endpoint ? `--endpoint-url ${how.endpoint} ` : ''}iam`;
  const inSecret = keys.find((k) => k.isSecretCurrent)?.accessKeyId;
  let advice: string;
  if (how.interrupted && ctx.mode === 'deployed') {
    advice =
      old?.status === 'Inactive'
        ? `During its grace period \`iam-lifecycle rollback ${w.userName}\` reactivates ${old.accessKeyId}.`
        : `Once it has deactivated ${w.oldAccessKeyId}, \`iam-lifecycle rollback ${w.userName}\` reactivates it during the grace period.`;
  } else if (!old) {
    advice = `The old key ${w.oldAccessKeyId} is deleted: the rotation's work is done.`;
  } else if (old.status === 'Active' && others.length > 0) {
    // No command resumes it: a new rotation of OLD sees two active keys and no earlier attempt
    // (a local workflow's history dies with its process) and is blocked.
    advice =
      `Both keys work and the secret holds ${inSecret ?? 'neither'}; no command resumes this rotation. ` +
      `To finish it by hand once nothing uses ${old.accessKeyId}: \`${aws} update-access-key --user-name ${w.userName} --access-key-id ${old.accessKeyId} --status Inactive\`, ` +
      `then \`${aws} delete-access-key --user-name ${w.userName} --access-key-id ${old.accessKeyId}\`.`;
  } else if (old.status === 'Active') {
    advice = `Nothing was changed; to try again: \`iam-lifecycle rotate ${w.userName}${how.target}\`.`;
  } else {
    advice =
      `${old.accessKeyId} is deactivated${inSecret ? ` and the secret holds ${inSecret}` : ''}. To undo: ` +
      `\`${aws} update-access-key --user-name ${w.userName} --access-key-id ${old.accessKeyId} --status Active\`; ` +
      `to finish: \`${aws} delete-access-key --user-name ${w.userName} --access-key-id ${old.accessKeyId}\`.`;
  }
  return `${opening(ctx, w, how, 'rotation')} ${state} ${advice}`;
}

async function offboardingLeft(ctx: CliContext, w: LeftWorkflow, how: LeftHow): Promise<string> {
  const s = await offboardingStatus(offboardingDeps(ctx), w.userName);
  if (!s.userExists) return `${opening(ctx, w, how, 'offboarding')} ${w.userName} is deleted (phase ${s.phase}).`;
  const d = s.disabled;
  const disabled = d
    ? [
        ...(d.consolePasswordDeleted ? ['console password deleted'] : []),
        ...(d.accessKeyIds.length > 0 ? [`access keys ${d.accessKeyIds.join(', ')} deactivated`] : []),
        `deny policy ${d.denyPolicyArn} attached`,
      ].join(', ')
    : undefined;
  const state = `${w.userName} is in phase ${s.phase}${disabled ? `: ${disabled}` : ''}.`;
  const aws = `aws ${how.endpoint ? `--endpoint-url ${how.endpoint} ` : ''}iam`;
  let advice: string;
  if (how.interrupted && ctx.mode === 'deployed') {
    advice = `While it is disabled or observed, \`iam-lifecycle cancel-offboarding ${w.userName}\` restores it.`;
  } else if (d) {
    advice =
      `It will not be deleted now. To restore it by hand: \`${aws} detach-user-policy --user-name ${w.userName} --policy-arn ${d.denyPolicyArn}\`` +
      (d.accessKeyIds.length > 0
        ? ` and \`${aws} update-access-key --user-name ${w.userName} --access-key-id KEY --status Active\` for each key above`
        : '') +
      `; to offboard it again: \`iam-lifecycle offboard ${w.userName} --reason TEXT${how.target}\`.`;
  } else {
    advice = `Nothing was disabled yet; to try again: \`iam-lifecycle offboard ${w.userName} --reason TEXT${how.target}\`.`;
  }
  return `${opening(ctx, w, how, 'offboarding')} ${state} ${advice}`;
}
