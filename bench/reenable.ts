/**
 * (e, continued) The re-disable of reaction 1: the time from an UpdateAccessKey that re-activates an
 * offboarded user's key through the event tap to the local reactions having made it inactive again
 * (median, p95 over N runs), and the IAM requests one reaction makes. The offboarding runs at real
 * time (its observation checks are hours apart), so every IAM request counted is the reaction's.
 */
import { performance } from 'node:perf_hooks';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { startEventTap } from '../functions/local/event-tap';
import { createLocalEnvironment } from '../functions/local/environment';
import { startMoto } from '../functions/local/moto';
import { startOffboarding } from '../functions/offboarding/service';
import { localReactions } from '../functions/reactions/local';
import { LOCAL_CREDENTIALS, makeClients } from '../functions/shared/aws';
import { parseConfig } from '../functions/shared/config';
import { markdownTable, median, ms, percentile, progress, range, sleep } from './util';

export async function benchReenable({ runs }: { runs: number }): Promise<string> {
  const moto = await startMoto({ existingEndpoint: '' });
  const env = createLocalEnvironment({
    endpoint: moto.endpoint,
    config: parseConfig({ timeScale: 1, managedUsers: { pathPrefix: '/bench/' } }),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  let iamRequests = 0;
  env.clients.iam.middlewareStack.add(
    (next) => async (args) => {
      iamRequests++;
      return next(args);
    },
    { step: 'initialize', name: 'benchCountIam' },
  );
  const react = localReactions(env);
  const done = new Map<string, () => void>();
  const tap = await startEventTap({
    targetEndpoint: moto.endpoint,
    onEvent: async (event) => {
      await react(event);
      done.get(String(event.detail.requestParameters?.accessKeyId))?.();
    },
  });
  let execution: string | undefined;
  try {
    await env.ready();
    const admin = makeClients({ endpoint: moto.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    await admin.iam.send(new CreateUserCommand({ UserName: 'bench-operator', Path: '/humans/' }));
    await admin.iam.send(new CreateUserCommand({ UserName: 'bench-contractor', Path: '/bench/' }));
    const op = (await admin.iam.send(new CreateAccessKeyCommand({ UserName: 'bench-operator' }))).AccessKey!;
    const key = (await admin.iam.send(new CreateAccessKeyCommand({ UserName: 'bench-contractor' }))).AccessKey!;
    const started = await startOffboarding(env.offboardingService, {
      userName: 'bench-contractor',
      reason: 'bench',
      requestedBy: 'bench',
    });
    execution = started.executionName;
    for (let i = 0; i < 400; i++) {
      const tags = await env.iam.listTags('bench-contractor');
      const keys = await env.iam.listAccessKeys('bench-contractor');
      if (tags['iam-lifecycle:offboarding-execution'] && keys[0]?.status === 'Inactive') break;
      await sleep(25);
    }
    const viaTap = new IAMClient({
      region: 'us-east-1',
      endpoint: tap.url,
      credentials: { accessKeyId: op.AccessKeyId!, secretAccessKey: op.SecretAccessKey! },
    });

    progress(`(e) ${runs} re-enables of an offboarded user's key through the event tap`);
    const total: number[] = [];
    const afterAnswer: number[] = [];
    const perReaction: number[] = [];
    let stillActive = 0;
    for (const _ of range(runs)) {
      const redisabled = new Promise<number>((resolve) => done.set(key.AccessKeyId!, () => resolve(performance.now())));
      const before = iamRequests;
      const t0 = performance.now();
      await viaTap.send(
        new UpdateAccessKeyCommand({ UserName: 'bench-contractor', AccessKeyId: key.AccessKeyId, Status: 'Active' }),
      );
      const answered = performance.now();
      const at = await redisabled;
      total.push(at - t0);
      afterAnswer.push(Math.max(0, at - answered));
      perReaction.push(iamRequests - before);
      if ((await env.iam.listAccessKeys('bench-contractor'))[0]?.status !== 'Inactive') stillActive++;
    }
    viaTap.destroy();
    return [
      '### (e) Reaction 1: re-enabling call through the event tap → key inactive again (local reactions, moto)',
      '',
      markdownTable(
        [
          'runs',
          'call → re-disabled, median',
          'p95',
          'answer → re-disabled, median',
          'p95',
          'IAM requests per reaction (median)',
          'left active',
        ],
        [
          [
            runs,
            ms(median(total)),
            ms(percentile(total, 95)),
            ms(median(afterAnswer)),
            ms(percentile(afterAnswer, 95)),
            median(perReaction),
            stillActive,
          ],
        ],
      ),
    ].join('\n');
  } finally {
    if (execution)
      await env.workflows.stop('offboarding', execution, { error: 'BenchDone', cause: 'bench' }).catch(() => undefined);
    await tap.stop();
    await moto.stop();
  }
}
