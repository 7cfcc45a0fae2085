/**
 * (e) Local reactions: the time from an IAM call through the event tap to its CloudTrail event
 * delivered to the reaction sink (median, p95 over N calls), and the requests the tap makes to moto
 * per event (the call itself, plus one identity lookup per new signing key). The re-disable done by
 * the reactions handler is added to this section once the handler is linked to the sink.
 */
import { performance } from 'node:perf_hooks';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { startEventTap, type CloudTrailEvent } from '../functions/local/event-tap';
import { startMoto } from '../functions/local/moto';
import { LOCAL_CREDENTIALS, makeClients } from '../functions/shared/aws';
import { markdownTable, median, ms, percentile, progress, range } from './util';

export async function benchReactions({ calls }: { calls: number }): Promise<string> {
  const moto = await startMoto({ existingEndpoint: '' });
  let waiting: ((e: CloudTrailEvent) => void) | undefined;
  const tap = await startEventTap({ targetEndpoint: moto.endpoint, onEvent: (e) => waiting?.(e) });
  try {
    const admin = makeClients({ endpoint: moto.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    await admin.iam.send(new CreateUserCommand({ UserName: 'bench-operator' }));
    await admin.iam.send(new CreateUserCommand({ UserName: 'bench-contractor' }));
    const op = (await admin.iam.send(new CreateAccessKeyCommand({ UserName: 'bench-operator' }))).AccessKey!;
    const key = (await admin.iam.send(new CreateAccessKeyCommand({ UserName: 'bench-contractor' }))).AccessKey!;
    const viaTap = new IAMClient({
      region: 'us-east-1',
      endpoint: tap.url,
      credentials: { accessKeyId: op.AccessKeyId!, secretAccessKey: op.SecretAccessKey! },
    });

    progress(`(e) ${calls} UpdateAccessKey calls through the event tap`);
    const toEvent: number[] = [];
    const afterAnswer: number[] = [];
    for (const i of range(calls)) {
      const delivered = new Promise<number>((resolve) => (waiting = () => resolve(performance.now())));
      const t0 = performance.now();
      await viaTap.send(
        new UpdateAccessKeyCommand({
          UserName: 'bench-contractor',
          AccessKeyId: key.AccessKeyId,
          Status: i % 2 ? 'Active' : 'Inactive',
        }),
      );
      const answered = performance.now();
      const at = await delivered;
      toEvent.push(at - t0);
      afterAnswer.push(Math.max(0, at - answered));
    }
    viaTap.destroy();
    const counted = tap.targetCalls();
    const events = tap.events().length;
    return [
      '### (e) Local reactions: IAM call through the event tap → CloudTrail event at the reaction sink (moto)',
      '',
      markdownTable(
        ['calls', 'call → event delivered, median', 'p95', 'answer → event, median', 'events', 'requests to moto per event'],
        [
          [
            calls,
            ms(median(toEvent)),
            ms(percentile(toEvent, 95)),
            ms(median(afterAnswer)),
            events,
            `${((counted.forwarded + counted.identityLookups) / events).toFixed(2)} (${counted.forwarded} forwarded + ${counted.identityLookups} identity lookup)`,
          ],
        ],
      ),
    ].join('\n');
  } finally {
    await tap.stop();
    await moto.stop();
  }
}
