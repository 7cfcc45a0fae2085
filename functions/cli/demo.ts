/**
 * `npm start`: the whole rotation story on this machine in under a minute. Starts moto on a free
 * loopback port, seeds a small account, runs a workload per user that keeps calling AWS with the key
 * from its secret, runs the daily scan and every rotation to the end with time scaled (a day lasts a
 * second), then checks the result and prints a summary. Stops moto.
 */
import { randomBytes } from 'node:crypto';
import { startMoto } from '../local/moto';
import { seedUser, type SeededUser } from '../local/seed';
import { startWorkload, type RunningWorkload } from '../local/workload';
import type { Notification } from '../shared/notifier';
import { localContext, loadCliConfig } from './context';
import { formatScan, runScan } from './scan';
import { runOffboardingDemo } from './demo-offboarding';
import { describeNotification } from './notifications';
import { exposureScene, reenableScene, startDemoTap, type DemoTap } from './demo-reactions';
import { tapKeyActivity } from '../local/tap/activity';

/** The demo's configuration: the production defaults, scaled, with a short grace period. */
export const DEMO_CONFIG = {
  timeScale: 86400,
  maxKeyAgeDays: 1,
  deactivatedGracePeriodDays: 3,
  managedUsers: { pathPrefix: '/demo/' },
  protectedUsers: { userNames: ['break-glass-admin'], tagKey: 'iam-lifecycle:protected' },
  offboardingObservationDays: 3,
} as const;

export interface DemoOptions {
  readonly print: (line: string) => void;
  readonly configFile?: string;
}

export async function runDemo({ print, configFile }: DemoOptions): Promise<number> {
  const t0 = Date.now();
  const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;
  const say = (line: string) => print(`${stamp()} ${line}`);

  const moto = await startMoto();
  say(moto.owned ? `moto server started at ${moto.endpoint}` : `using the AWS endpoint ${moto.endpoint}`);
  // Against a shared endpoint, suffix names so repeated runs do not collide.
  const suffix = moto.owned ? '' : `-${randomBytes(3).toString('hex')}`;
  const name = (base: string) => `${base}${suffix}`;
  const workloads: RunningWorkload[] = [];
  let demoTap: DemoTap | undefined;
  try {
    const config = loadCliConfig(configFile ? { configFile } : {}, {
      ...DEMO_CONFIG,
      protectedUsers: { ...DEMO_CONFIG.protectedUsers, userNames: [name('break-glass-admin')] },
    });
    const notifications: Notification[] = [];
    const ctx = await localContext(
      { endpoint: moto.endpoint, stack: 'local', json: false },
      {
        forwardNotifications: {
          publish: async (n) => {
            notifications.push(n);
            say(describeNotification(n));
          },
        },
        // The exposure response reads a key's activity from the calls the event tap recorded.
        keyActivity: tapKeyActivity(() => demoTap?.tap),
      },
      config,
    );
    const local = ctx.local!;
    const seedDeps = { iam: ctx.clients.iam, secrets: ctx.secrets, config: ctx.config };

    say('seeding the demo account');
    const managed: SeededUser[] = [];
    for (const base of ['ci-deployer', 'legacy-etl', 'reporting-bot']) {
      managed.push(await seedUser(seedDeps, { userName: name(base), path: '/demo/bots/' }));
    }
    const dual = await seedUser(seedDeps, { userName: name('dual-key-svc'), path: '/demo/bots/', keys: 2 });
    await seedUser(seedDeps, { userName: name('break-glass-admin'), path: '/demo/admins/', storeFirstKey: false });
    await seedUser(seedDeps, {
      userName: name('partner-sftp'),
      path: '/demo/partners/',
      tags: { 'iam-lifecycle:protected': 'vendor contract' },
      storeFirstKey: false,
    });
    await seedUser(seedDeps, { userName: name('alice'), path: '/humans/', storeFirstKey: false });
    for (const user of [...managed, dual]) {
      workloads.push(
        startWorkload({
          userName: user.userName,
          secretName: user.secretName!,
          endpoint: moto.endpoint,
          secrets: ctx.secrets,
          iam: ctx.iam,
        }),
      );
    }
    say(`workloads running for ${workloads.map((w) => w.stats.userName).join(', ')}`);

    // maxKeyAgeDays 1 at timeScale 86400: keys older than one second are due.
    await new Promise((r) => setTimeout(r, 1500));
    await seedUser(seedDeps, { userName: name('new-hire-bot'), path: '/demo/bots/' });
    say('a day has passed; new-hire-bot just got its first key');

    say('running the daily scan');
    const scan = await runScan(ctx, { dryRun: false });
    for (const line of formatScan(scan).split('\n')) say(`  ${line}`);

    await local.workflows.waitForAll();
    const stats = await Promise.all(workloads.splice(0).map((w) => w.stop()));
    say('every rotation has ended');

    // Check the outcome against IAM and Secrets Manager, not against what the workflow said.
    const problems: string[] = [];
    for (const user of managed) {
      const keys = await ctx.iam.listAccessKeys(user.userName);
      const current = await ctx.secrets.currentKey(user.secretName!);
      const ok =
        keys.length === 1 &&
        keys[0]!.status === 'Active' &&
        keys[0]!.accessKeyId === current?.accessKeyId &&
        keys[0]!.accessKeyId !== user.accessKeyIds[0];
      if (!ok) problems.push(`${user.userName}: expected exactly one new active key equal to the secret's AWSCURRENT`);
      say(
        `check ${user.userName}: keys ${keys.map((k) => `${k.accessKeyId}(${k.status})`).join(', ')}; secret AWSCURRENT ${current?.accessKeyId} ${ok ? 'OK' : 'MISMATCH'}`,
      );
    }
    const dualKeys = await ctx.iam.listAccessKeys(dual.userName);
    if (dualKeys.length !== 2 || dualKeys.some((k) => k.status !== 'Active'))
      problems.push(`${dual.userName}: its two keys must be untouched`);

    const count = (type: string) => notifications.filter((n) => n.type === type).length;
    const calls = stats.reduce((sum, s) => sum + s.calls, 0);
    const failed = stats.reduce((sum, s) => sum + s.failed, 0);
    if (failed > 0) problems.push(`${failed} workload calls failed`);

    print('');
    print('Rotation summary');
    print(`  keys created:      ${count('rotation.started')}`);
    print(`  keys deactivated:  ${count('rotation.key-deactivated')}`);
    print(`  keys deleted:      ${count('rotation.completed')}`);
    print(`  users refused:`);
    // rotation.blocked comes from the scan (it checks first) or from a workflow's Prepare step.
    const refused = new Map<string, string>();
    for (const n of notifications.filter((x) => x.type === 'rotation.blocked')) refused.set(String(n.userName), String(n.reason));
    for (const s of scan.skipped) refused.set(s.userName, s.reason);
    for (const [userName, reason] of [...refused].sort()) print(`    ${userName}: ${reason}`);
    print(`  workload calls:    ${calls} made, ${failed} failed`);
    for (const s of stats) print(`    ${s.userName}: ${s.calls} calls, ${s.failed} failed, keys used ${s.keysUsed.join(' -> ')}`);

    await local.ready(); // the offboarding deny policy the reactions re-attach
    demoTap = await startDemoTap(moto.endpoint, local, say);
    const tap = demoTap;
    const scene = { demoTap: tap, iam: ctx.clients.iam, say, name, notifications };
    let reenable: Awaited<ReturnType<typeof reenableScene>> | undefined;
    const offboardingProblems = await runOffboardingDemo({
      endpoint: moto.endpoint,
      config: ctx.config,
      say,
      print,
      name,
      seedDeps,
      during: {
        observationDays: 20,
        run: async (userName, accessKeyId) => {
          say(`event tap at ${tap.tap.url}: calls through it emit CloudTrail events to the local reactions`);
          reenable = await reenableScene({ ...scene, userName, accessKeyId, iamUsers: ctx.iam });
          return reenable.problems;
        },
      },
    });
    problems.push(...offboardingProblems);

    print('');
    const exposure = await exposureScene({ ...scene, local, seedDeps });
    problems.push(...exposure.problems);
    const f = exposure.figures;
    print('');
    print('Reactions summary');
    print(
      `  re-enabled key re-disabled in: ${reenable?.reDisableMs !== undefined ? `${Math.round(reenable.reDisableMs)} ms` : 'n/a'} after the CloudTrail event (call made with ${reenable?.via ?? 'nothing'})`,
    );
    print(
      `  exposed key's workload:        ${f.calls} calls, ${f.failedOnReplacement} failed on the replacement key, keys used ${f.keysUsed.join(' -> ')}`,
    );
    print(`                                 ${f.refusedOnExposed} calls refused on the exposed key once it was deactivated`);
    print(`  key.exposed activity summary:  ${f.activityEvents} events`);

    print('');
    print(
      problems.length === 0
        ? `Demo finished in ${((Date.now() - t0) / 1000).toFixed(1)} s: all checks passed.`
        : `Demo found problems:\n  ${problems.join('\n  ')}`,
    );
    return problems.length === 0 ? 0 : 1;
  } finally {
    await Promise.all(workloads.map((w) => w.stop()));
    await demoTap?.tap.stop();
    await moto.stop();
  }
}
