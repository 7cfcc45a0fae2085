/**
 * (c) What one rotation costs: AWS API calls by service and operation, and state transitions, for a
 * real rotation of a never-used key through the local runner (real handlers, real ASL, moto).
 */
import { performance } from 'node:perf_hooks';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { createLocalEnvironment } from '../functions/local/environment';
import { startMoto } from '../functions/local/moto';
import { LOCAL_CREDENTIALS, makeClients } from '../functions/shared/aws';
import { parseConfig } from '../functions/shared/config';
import { SnsNotifier } from '../functions/shared/notifier';
import { startRotation } from '../functions/rotation/start';
import { countApiCalls } from '../functions/scan/api-calls';
import { markdownTable, progress, seconds, silentLogger } from './util';

export async function benchRotation(): Promise<string> {
  const moto = await startMoto({ existingEndpoint: '' });
  try {
    const admin = makeClients({ endpoint: moto.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    const topic = await admin.sns.send(new CreateTopicCommand({ Name: 'bench-notifications' }));
    await admin.iam.send(new CreateUserCommand({ UserName: 'bench-rotation', Path: '/workloads/' }));
    const old = await admin.iam.send(new CreateAccessKeyCommand({ UserName: 'bench-rotation' }));

    // timeScale 86400*7: every wait of the workflow lasts one second.
    const config = parseConfig({ timeScale: 86400 * 7, managedUsers: { pathPrefix: '/workloads/' } });
    const snsClients = makeClients({ endpoint: moto.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    const env = createLocalEnvironment({
      endpoint: moto.endpoint,
      config,
      logger: silentLogger,
      forwardNotifications: new SnsNotifier(snsClients.sns, topic.TopicArn!),
    });
    const counters = {
      IAM: countApiCalls(env.clients.iam),
      'Secrets Manager': countApiCalls(env.clients.secrets),
      SNS: countApiCalls(snsClients.sns),
    };

    progress('(c) running one rotation through the local runner');
    const t0 = performance.now();
    const started = await startRotation(env.workflows, config, {
      userName: 'bench-rotation',
      accessKeyId: old.AccessKey!.AccessKeyId!,
      requestedBy: 'bench',
      trigger: 'on-demand',
    });
    const result = await env.workflows.wait('rotation', started.executionName);
    const wallMs = performance.now() - t0;
    if (result.status !== 'SUCCEEDED')
      throw new Error(`rotation ended ${result.status}: ${result.error ?? ''} ${result.cause ?? ''}`);

    const history = env.workflows.history('rotation', started.executionName);
    const entered = history.filter((e) => e.type === 'StateEntered');
    const rows: (string | number)[][] = [];
    let total = 0;
    for (const [service, counter] of Object.entries(counters)) {
      const by = counter.byOperation();
      const detail = Object.entries(by)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([op, n]) => `${op} ${n}`)
        .join(', ');
      rows.push([service, counter.total(), detail || '-']);
      total += counter.total();
    }
    rows.push(['**all services**', total, '']);
    const path = entered.map((e) => e.stateName).join(' → ');
    return [
      '### (c) One rotation of a never-used key (real handlers and ASL on the local runner, moto)',
      '',
      markdownTable(['service', 'API calls', 'by operation'], rows),
      '',
      markdownTable(
        ['state transitions (StateEntered)', 'history events', 'notifications', 'wall time (timeScale 604800)'],
        [[entered.length, history.length, env.notifications.sent.length, seconds(wallMs)]],
      ),
      '',
      `Path: ${path}`,
    ].join('\n');
  } finally {
    await moto.stop();
  }
}
