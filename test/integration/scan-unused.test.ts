/**
 * Unused keys end to end against moto: the real scan handler reads moto's credential report and
 * starts a retirement on the in-process runner executing the real ASL; the unused key is deactivated
 * and, after the grace period, deleted, while another user's workload keeps calling untouched.
 * timeScale 86400*7: unusedKeyDays 7 and the grace period last one second each.
 */
import { startWorkload } from '../../functions/local/workload';
import { createLocalEnvironment } from '../../functions/local/environment';
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import { retirementExecutionName } from '../../functions/shared/execution-names';
import { IamUsers } from '../../functions/shared/iam/users';
import { RecordingNotifier } from '../../functions/shared/notifier';
import { IamCredentialReportSource } from '../../functions/scan/credential-report';
import { makeScanHandler } from '../../functions/scan/handler';
import { formatScan } from '../../functions/cli/scan';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';

const run = uniqueName('unused');
const prefix = `/${run}/`;
const config = parseConfig({
  timeScale: 86400 * 7,
  maxKeyAgeDays: 700,
  unusedKeyDays: 7,
  managedUsers: { pathPrefix: prefix },
});
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('scan: unused keys against moto', () => {
  it('an unused key is planned in a dry run, then deactivated and deleted; a busy user is untouched', async () => {
    // Prepare: an idle user with one never-used key; a busy user whose workload calls all along
    const env = createLocalEnvironment({ endpoint: motoEndpoint(), config });
    const clients = testClients();
    const iam = new IamUsers(clients.iam);
    const deps = { iam: clients.iam, secrets: env.secrets, config };
    const idle = await seedUser(deps, { userName: `${run}-idle`, path: prefix, storeFirstKey: false });
    const busy = await seedUser(deps, { userName: `${run}-busy`, path: prefix });
    const workload = startWorkload({
      userName: busy.userName,
      secretName: busy.secretName!,
      endpoint: motoEndpoint(),
      secrets: env.secrets,
      iam,
    });
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const scan = makeScanHandler({
      credentialReport: new IamCredentialReportSource(clients.iam, { pollIntervalMs: 50 }),
      iam,
      workflows: env.workflows,
      config,
      clock: () => new Date(),
      notifier: new RecordingNotifier(),
      logger: silent,
    });
    const idleKey = idle.accessKeyIds[0]!;
    const executionName = retirementExecutionName(idle.userName, idleKey);
    // Act
    const dry = await scan({ dryRun: true });
    const real = await scan({});
    const summary = await env.workflows.wait('rotation', executionName);
    const stats = await workload.stop();
    // Assess
    const mine = (u: { userName: string }) => u.userName.startsWith(run);
    expect(dry.unusedKeys!.plan.filter(mine)).toEqual([
      expect.objectContaining({
        userName: idle.userName,
        accessKeyId: idleKey,
        neverUsed: true,
        onlyActiveKey: true,
        executionName,
      }),
    ]);
    expect(formatScan(dry)).toContain(`would retire unused ${idle.userName} key ${idleKey}`);
    expect(real.unusedKeys!.started.filter(mine)).toContainEqual({
      userName: idle.userName,
      accessKeyId: idleKey,
      executionName,
    });
    // The report can show the busy key unused (IAM's last-used data lags): then Prepare's fresh
    // GetAccessKeyLastUsed refuses it and nothing changes.
    for (const other of real.unusedKeys!.started.filter((s) => s.userName === busy.userName)) {
      const blocked = await env.workflows.wait('rotation', other.executionName);
      expect(blocked.output).toMatchObject({ status: 'blocked', code: 'key-in-use' });
    }
    expect(summary.output).toMatchObject({ status: 'completed', mode: 'retire' });
    expect(await iam.listAccessKeys(idle.userName)).toEqual([]);
    expect(env.notifications.sent.filter((n) => n.userName === idle.userName).map((n) => [n.type, n.why])).toEqual([
      ['rotation.key-deactivated', 'unused'],
      ['rotation.completed', 'unused'],
    ]);
    expect(stats.calls).toBeGreaterThan(0);
    expect(stats.failed).toBe(0);
    expect((await iam.listAccessKeys(busy.userName)).map((k) => [k.accessKeyId, k.status])).toEqual([
      [busy.accessKeyIds[0], 'Active'],
    ]);
    expect(env.notifications.sent.filter((n) => n.userName === busy.userName && n.type !== 'rotation.blocked')).toEqual([]);
  });
});
