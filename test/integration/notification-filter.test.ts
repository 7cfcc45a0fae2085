/**
 * The README's subscription filter policy, end to end against moto: the production SnsNotifier
 * publishes with its message attributes, and moto's SNS applies each HTTP subscription's filter
 * policy before delivering to a local HTTP endpoint. A team subscribed to its own users' warnings
 * and critical notifications gets exactly those.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { SnsNotifier } from '../../functions/shared/notifier';
import { testClients, uniqueName } from '../support/aws';

interface Delivered {
  readonly path: string;
  readonly type: string;
  readonly userName?: string;
}

describe('SNS message attributes against moto', () => {
  let server: Server;
  let base: string;
  const delivered: Delivered[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const envelope = JSON.parse(body || '{}') as { Type?: string; Message?: string };
        if (envelope.Type === 'Notification' && envelope.Message) {
          const message = JSON.parse(envelope.Message) as { type: string; userName?: string };
          delivered.push({
            path: req.url ?? '',
            type: message.type,
            ...(message.userName ? { userName: message.userName } : {}),
          });
        }
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("a team's filter policy on owner and severity receives its own users' warnings and critical notifications only", async () => {
    // Prepare: one topic, the README's policy for team-payments, and the same for another team
    const { sns } = testClients();
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('lifecycle') }));
    const subscribe = (path: string, owner: string) =>
      sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'http',
          Endpoint: `${base}${path}`,
          Attributes: { FilterPolicy: JSON.stringify({ owner: [owner], severity: ['warning', 'critical'] }) },
        }),
      );
    await subscribe('/payments', 'team-payments');
    await subscribe('/identity', 'team-identity');
    const notifier = new SnsNotifier(sns, TopicArn!);
    // Act
    await notifier.publish({ type: 'rotation.blocked', userName: 'pay-batch', owner: 'team-payments', purpose: 'settlement' });
    await notifier.publish({ type: 'rotation.completed', userName: 'pay-batch', owner: 'team-payments' });
    await notifier.publish({ type: 'key.exposed', userName: 'pay-api', owner: 'team-payments' });
    await notifier.publish({ type: 'rotation.key-deactivated', userName: 'idp-sync', owner: 'team-identity', why: 'unused' });
    await notifier.publish({ type: 'rotation.blocked', userName: 'nobodys' });
    await notifier.publish({ type: 'scan.completed' });
    // Assess (moto delivers to HTTP subscribers synchronously inside Publish)
    expect(delivered.filter((d) => d.path === '/payments')).toEqual([
      { path: '/payments', type: 'rotation.blocked', userName: 'pay-batch' },
      { path: '/payments', type: 'key.exposed', userName: 'pay-api' },
    ]);
    expect(delivered.filter((d) => d.path === '/identity')).toEqual([
      { path: '/identity', type: 'rotation.key-deactivated', userName: 'idp-sync' },
    ]);
  });
});
