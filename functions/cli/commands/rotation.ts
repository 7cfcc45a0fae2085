/** `rotate` and `rollback`: local in-process (waits, with progress) or through the deployed API. */
import { rollbackRotation } from '../../rotation/rollback';
import { startOnDemandRotation } from '../../rotation/on-demand';
import { ValidationError } from '../../shared/errors';
import { rollbackViaApi, rotateViaApi } from '../api-verbs';
import { deployedWaitHooks } from '../deployed-wait';
import { EXIT } from '../exit-codes';
import type { LeftWorkflow } from '../left-state';
import { awaitWorkflow, checkFinal, openContext, type Session } from '../session';
import { cliCaller } from './common';

export async function rotateCommand(session: Session, userName: string, opts: { key?: string; wait?: boolean }): Promise<number> {
  const { print, options } = session;
  const ctx = await openContext(session);
  if (ctx.mode === 'deployed') {
    if (opts.key)
      throw new ValidationError('--key is for local mode (--endpoint) only; deployed, the API rotates the user’s one active key');
    return rotateViaApi(ctx, userName, {
      json: options.json,
      print,
      wait: opts.wait ?? false,
      ...deployedWaitHooks(session, ctx, userName),
    });
  }
  // Local mode: the workflow runs in this process, so the command waits for it.
  const started = await startOnDemandRotation(ctx, {
    userName,
    ...(opts.key ? { accessKeyId: opts.key } : {}),
    requestedBy: await cliCaller(ctx),
  });
  if (!options.json) {
    print(`${started.started ? 'started' : 'already running'}: ${started.executionName} (retiring ${started.accessKeyId})`);
  }
  const w: LeftWorkflow = {
    kind: 'rotation',
    userName,
    executionName: started.executionName,
    oldAccessKeyId: started.accessKeyId,
  };
  const final = await awaitWorkflow(session, ctx, w, () => ctx.local!.workflows.wait('rotation', started.executionName));
  if (options.json) {
    const outcome = { executionName: started.executionName, started: started.started, accessKeyId: started.accessKeyId, final };
    print(JSON.stringify(outcome, null, 2));
  } else {
    print(`finished ${final.status}: ${JSON.stringify(final.output ?? { error: final.error, cause: final.cause })}`);
  }
  await checkFinal(session, ctx, w, final);
  return EXIT.done;
}

export async function rollbackCommand(session: Session, userName: string): Promise<number> {
  const { print, options } = session;
  const ctx = await openContext(session, { quiet: true });
  if (ctx.mode === 'deployed') return rollbackViaApi(ctx, userName, { json: options.json, print });
  const result = await rollbackRotation(ctx, userName, ctx.accountId);
  print(
    options.json
      ? JSON.stringify(result, null, 2)
      : `reactivated ${result.reactivatedAccessKeyId} of ${userName}: ${result.note}`,
  );
  return EXIT.done;
}
