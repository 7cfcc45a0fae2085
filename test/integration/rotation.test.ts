/**
 * A full rotation against moto while a simulated workload keeps using the key from its secret:
 * the production handlers and the real ASL, with only the endpoint changed.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { createLocalEnvironment } from '../../functions/local/environment';
import { seedUser } from '../../functions/local/seed';
import { startWorkload } from '../../functions/local/workload';
import { parseConfig } from '../../functions/shared/config';
import { containsSecretLikeValue } from '../../functions/shared/notifier';
import { startRotation } from '../../functions/rotation/start';
import { motoEndpoint, uniqueName } from '../support/aws';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Captures every line the process writes (Powertools logs go to stdout). */
function captureOutput(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(chunk.toString());
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(chunk.toString());
    return true;
  });
  return {
    lines,
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

describe('key rotation against moto with a live workload', () => {
  // A day lasts a second: check every 1 s, quiet period 1 s, grace period 7 s.
  const config = parseConfig({ timeScale: 86400, managedUsers: { pathPrefix: '/rotation-it/' } });

  it('rotates without a single failed workload call and leaves exactly the stored key', async () => {
    // Prepare
    const logger = new Logger({ serviceName: 'rotation-it', logLevel: 'INFO' });
    const env = createLocalEnvironment({ endpoint: motoEndpoint(), config, logger });
    const userName = uniqueName('ci-bot');
    const seeded = await seedUser({ iam: env.clients.iam, secrets: env.secrets, config }, { userName, path: '/rotation-it/' });
    const oldKeyId = seeded.accessKeyIds[0]!;
    const oldSecret = (await env.secrets.readCredentials(seeded.secretName!))!.credentials.secretAccessKey;
    const workload = startWorkload({
      userName,
      secretName: seeded.secretName!,
      endpoint: motoEndpoint(),
      secrets: env.secrets,
      iam: env.iam,
    });
    while (workload.stats.calls < 3) await sleep(50); // the old key is in use before the rotation starts
    const output = captureOutput();

    // Act
    let summary;
    try {
      const started = await startRotation(env.workflows, config, {
        userName,
        accessKeyId: oldKeyId,
        requestedBy: 'test',
        trigger: 'on-demand',
      });
      summary = await env.workflows.wait('rotation', started.executionName);
    } finally {
      output.restore();
    }
    const stats = await workload.stop();

    // Assess: the workflow and the workload
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.output).toMatchObject({ status: 'completed', retiredAccessKeyId: oldKeyId });
    expect(stats.failed).toBe(0);
    expect(stats.failures).toEqual([]);
    expect(stats.calls).toBeGreaterThan(20);
    const keys = await env.iam.listAccessKeys(userName);
    expect(keys).toHaveLength(1);
    const current = await env.secrets.readCredentials(seeded.secretName!, 'AWSCURRENT');
    const previous = await env.secrets.readCredentials(seeded.secretName!, 'AWSPREVIOUS');
    expect(keys[0]).toMatchObject({ accessKeyId: current!.credentials.accessKeyId, status: 'Active' });
    expect(keys[0]!.accessKeyId).not.toBe(oldKeyId);
    expect(previous!.credentials.accessKeyId).toBe(oldKeyId);
    // Readers without decrypt permission (the API's user view) see the same key id in the tag.
    expect(await env.secrets.currentKeyIdFromTags(seeded.secretName!)).toBe(current!.credentials.accessKeyId);
    expect(stats.keysUsed).toEqual([oldKeyId, current!.credentials.accessKeyId]);
    expect(env.notifications.sent.map((n) => n.type)).toEqual([
      'rotation.started',
      'rotation.key-deactivated',
      'rotation.completed',
    ]);

    // Assess: no secret anywhere but Secrets Manager
    const newSecret = current!.credentials.secretAccessKey;
    const everything = [
      ...output.lines,
      ...env.notifications.sent.map((n) => JSON.stringify(n)),
      JSON.stringify(env.workflows.history('rotation', summary.name)),
      JSON.stringify(summary),
    ];
    expect(output.lines.some((l) => l.includes('rotation prepared'))).toBe(true); // logs were captured
    for (const text of everything) {
      expect(text).not.toContain(oldSecret);
      expect(text).not.toContain(newSecret);
      expect(containsSecretLikeValue(text)).toBe(false);
    }
  });

  it('the workload simulation does count calls made with a key that is no longer active', async () => {
    // Prepare: a workload that never reloads, and a key deactivated under it (no rotation)
    const env = createLocalEnvironment({ endpoint: motoEndpoint(), config });
    const userName = uniqueName('victim');
    const seeded = await seedUser({ iam: env.clients.iam, secrets: env.secrets, config }, { userName, path: '/rotation-it/' });
    const workload = startWorkload({
      userName,
      secretName: seeded.secretName!,
      endpoint: motoEndpoint(),
      secrets: env.secrets,
      iam: env.iam,
      reloadIntervalMs: 60_000,
    });
    while (workload.stats.calls < 3) await sleep(50);

    // Act
    await env.clients.iam.send(
      new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: seeded.accessKeyIds[0]!, Status: 'Inactive' }),
    );
    await sleep(500);
    const stats = await workload.stop();

    // Assess
    expect(stats.failed).toBeGreaterThan(0);
    expect(stats.failures[0]).toMatchObject({ accessKeyId: seeded.accessKeyIds[0], why: 'key was Inactive' });
  });
});
