/**
 * Retire mode of statemachines/key-rotation.asl.json (an unused key: deactivate, grace period, delete,
 * no replacement), run by aws-local-stepfunctions with the real handlers against moto.
 * A week lasts a second: unusedKeyDays 7 is 1 s, the grace period 1 s.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateAccessKeyCommand } from '@aws-sdk/client-iam';
import { seedUser } from '../../functions/local/seed';
import { startWorkload } from '../../functions/local/workload';
import { clientConfig } from '../../functions/shared/aws';
import { parseConfig } from '../../functions/shared/config';
import { retirementExecutionName } from '../../functions/shared/execution-names';
import { rollbackRotation } from '../../functions/rotation/rollback';
import { startRetirement } from '../../functions/rotation/retire';
import { motoEndpoint, uniqueName } from '../support/aws';
import { rotationHarness, type RotationHarness } from '../support/rotation-harness';

const PATH = '/retire-sm/';
const config = parseConfig({ timeScale: 86400 * 7, managedUsers: { pathPrefix: PATH }, unusedKeyDays: 7 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function seed(h: RotationHarness, tags?: Record<string, string>) {
  return seedUser(
    { iam: h.clients.iam, secrets: h.secrets, config },
    { userName: uniqueName('ret'), path: PATH, keys: 1, storeFirstKey: false, ...(tags ? { tags } : {}) },
  );
}

function statesEntered(h: RotationHarness, name: string): string[] {
  return h.workflows
    .history('rotation', name)
    .filter((e) => e.type === 'StateEntered')
    .map((e) => e.stateName!);
}

describe('key-rotation.asl.json in retire mode', () => {
  it('deactivates an unused key, deletes it after the grace period, creates no key, leaves a live workload alone', async () => {
    // Prepare: an unused key older than unusedKeyDays; another user's workload calling all along
    const h = rotationHarness(config);
    const user = await seed(h, { Owner: 'team-payments', Purpose: 'reports' });
    const busy = await seedUser({ iam: h.clients.iam, secrets: h.secrets, config }, { userName: uniqueName('busy'), path: PATH });
    const workload = startWorkload({
      userName: busy.userName,
      secretName: busy.secretName!,
      endpoint: motoEndpoint(),
      secrets: h.secrets,
      iam: h.iam,
    });
    await sleep(1100);
    // Act
    const started = await startRetirement(h.workflows, {
      userName: user.userName,
      accessKeyId: user.accessKeyIds[0]!,
      requestedBy: 'test',
    });
    const summary = await h.workflows.wait('rotation', started.executionName);
    const stats = await workload.stop();
    // Assess
    expect(started.executionName).toBe(retirementExecutionName(user.userName, user.accessKeyIds[0]!));
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.output).toMatchObject({ status: 'completed', mode: 'retire', retiredAccessKeyId: user.accessKeyIds[0] });
    expect(await h.iam.listAccessKeys(user.userName)).toEqual([]);
    expect(statesEntered(h, summary.name)).toEqual([
      'Prepare',
      'IsReady',
      'ReadyMode',
      'DeactivateOldKey',
      'ObserveGracePeriod',
      'FinishRotation',
      'FinishedMode',
      'Retired',
    ]);
    const mine = h.notifications.sent.filter((n) => n.userName === user.userName);
    expect(mine).toEqual([
      expect.objectContaining({
        type: 'rotation.key-deactivated',
        why: 'unused',
        neverUsed: true,
        onlyActiveKey: true,
        note: expect.stringContaining('only active key'),
        owner: 'team-payments',
        purpose: 'reports',
      }),
      expect.objectContaining({ type: 'rotation.completed', why: 'unused', deletedAccessKeyId: user.accessKeyIds[0] }),
    ]);
    expect(stats.calls).toBeGreaterThan(0);
    expect(stats.failed).toBe(0);
    expect((await h.iam.listAccessKeys(busy.userName)).map((k) => [k.accessKeyId, k.status])).toEqual([
      [busy.accessKeyIds[0], 'Active'],
    ]);
  });

  it('rollback during the grace period reactivates the key and the retirement ends rolled back', async () => {
    // Prepare: a longer grace period so the rollback lands inside it
    const h = rotationHarness(config, { waitTimeOverrides: { ObserveGracePeriod: 3000 } });
    const user = await seed(h);
    await sleep(1100);
    const started = await startRetirement(h.workflows, {
      userName: user.userName,
      accessKeyId: user.accessKeyIds[0]!,
      requestedBy: 'test',
    });
    await h.nextNotification('rotation.key-deactivated');
    expect((await h.iam.listAccessKeys(user.userName))[0]?.status).toBe('Inactive');
    // Act
    const rollback = await rollbackRotation({ iam: h.iam, workflows: h.workflows }, user.userName);
    const summary = await h.workflows.wait('rotation', started.executionName);
    // Assess
    expect(rollback).toMatchObject({ executionName: started.executionName, reactivatedAccessKeyId: user.accessKeyIds[0] });
    expect(summary.output).toMatchObject({ status: 'rolled-back', mode: 'retire' });
    expect((await h.iam.listAccessKeys(user.userName)).map((k) => [k.accessKeyId, k.status])).toEqual([
      [user.accessKeyIds[0], 'Active'],
    ]);
    expect(h.notifications.sent.map((n) => n.type)).toContain('rotation.rolled-back');
  });

  it('a key used after the scan selected it is not deactivated (Prepare re-checks last use)', async () => {
    // Prepare: the key is old enough, then signs a request just before the workflow starts
    const h = rotationHarness(config);
    const userName = uniqueName('ret');
    await seedUser({ iam: h.clients.iam, secrets: h.secrets, config }, { userName, path: PATH, keys: 0 });
    const { AccessKey } = await h.clients.iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    await sleep(1100);
    const sts = new STSClient({
      ...clientConfig({ endpoint: motoEndpoint() }),
      credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! },
    });
    await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    // Act
    const started = await startRetirement(h.workflows, { userName, accessKeyId: AccessKey!.AccessKeyId!, requestedBy: 'test' });
    const summary = await h.workflows.wait('rotation', started.executionName);
    // Assess
    expect(summary.output).toMatchObject({ status: 'blocked', code: 'key-in-use' });
    expect((await h.iam.listAccessKeys(userName)).map((k) => k.status)).toEqual(['Active']);
    expect(h.notifications.sent.map((n) => n.type)).toEqual(['rotation.blocked']);
  });

  it('refuses retire mode under a rotation name, and when unusedKeyDays is off; nothing changes', async () => {
    // Prepare
    const off = rotationHarness(parseConfig({ timeScale: 86400 * 7, managedUsers: { pathPrefix: PATH } }));
    const user = await seed(off);
    await sleep(1100);
    const input = {
      userName: user.userName,
      accessKeyId: user.accessKeyIds[0]!,
      requestedBy: 'x',
      trigger: 'scheduled',
      mode: 'retire',
    };
    // Act
    await off.workflows.start('rotation', `rotate-${user.userName}-${user.accessKeyIds[0]}`, input);
    const forged = await off.workflows.wait('rotation', `rotate-${user.userName}-${user.accessKeyIds[0]}`);
    const started = await startRetirement(off.workflows, {
      userName: user.userName,
      accessKeyId: user.accessKeyIds[0]!,
      requestedBy: 'x',
    });
    const disabled = await off.workflows.wait('rotation', started.executionName);
    // Assess
    expect(forged.output).toMatchObject({ status: 'blocked', code: 'invalid-request' });
    expect(disabled.output).toMatchObject({ status: 'blocked', code: 'invalid-request', reason: expect.stringContaining('off') });
    expect((await off.iam.listAccessKeys(user.userName)).map((k) => k.status)).toEqual(['Active']);
  });
});
