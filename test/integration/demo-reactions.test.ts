/**
 * The reactions scenes of `npm start` (functions/cli/demo-reactions.ts) against the suite's moto:
 * their checks pass when the product works and report the problem when it does not.
 */
import { localContext, loadCliConfig, type CliContext } from '../../functions/cli/context';
import { DEMO_CONFIG } from '../../functions/cli/demo';
import { runOffboardingDemo } from '../../functions/cli/demo-offboarding';
import { exposureScene, reenableScene, startDemoTap, type DemoTap } from '../../functions/cli/demo-reactions';
import { tapKeyActivity } from '../../functions/local/tap/activity';
import type { Notification } from '../../functions/shared/notifier';
import { motoEndpoint, uniqueName } from '../support/aws';

const config = loadCliConfig({}, DEMO_CONFIG);

async function demoSetup(withTapActivity: boolean) {
  const notifications: Notification[] = [];
  const lines: string[] = [];
  const ref: { tap?: DemoTap } = {};
  const ctx: CliContext = await localContext(
    { endpoint: motoEndpoint(), stack: 'local', json: false },
    {
      forwardNotifications: { publish: async (n) => void notifications.push(n) },
      ...(withTapActivity ? { keyActivity: tapKeyActivity(() => ref.tap?.tap) } : {}),
    },
    config,
  );
  await ctx.local!.ready();
  ref.tap = await startDemoTap(motoEndpoint(), ctx.local!, (l) => lines.push(l));
  const suffix = uniqueName('');
  const name = (base: string) => `${base}${suffix}`;
  const scene = { demoTap: ref.tap, iam: ctx.clients.iam, say: (l: string) => lines.push(l), name, notifications };
  const seedDeps = { iam: ctx.clients.iam, secrets: ctx.secrets, config: ctx.config };
  return { ctx, scene, seedDeps, lines, notifications, stop: () => ref.tap!.tap.stop() };
}

it('exposure scene: the workload keeps working on the replacement, and key.exposed carries its calls through the tap', async () => {
  // Prepare
  const d = await demoSetup(true);
  try {
    // Act
    const out = await exposureScene({ ...d.scene, local: d.ctx.local!, seedDeps: d.seedDeps });
    // Assess
    expect(out.problems).toEqual([]);
    expect(out.figures.failedOnReplacement).toBe(0);
    expect(out.figures.keysUsed).toHaveLength(2);
    expect(out.figures.activityEvents).toBeGreaterThan(0);
  } finally {
    await d.stop();
  }
});

it('exposure scene: without the tap as the activity source, the missing summary is reported as a problem', async () => {
  // Prepare
  const d = await demoSetup(false);
  try {
    // Act
    const out = await exposureScene({ ...d.scene, local: d.ctx.local!, seedDeps: d.seedDeps });
    // Assess
    expect(out.problems).toEqual(['key.exposed has no activity of the workload (GetCallerIdentity through the tap)']);
  } finally {
    await d.stop();
  }
});

it('re-enable scene: the AWS CLI re-activates the contractor’s key through the tap during the observation; it is the reaction re-disables it, naming who', async () => {
  // Prepare
  const d = await demoSetup(true);
  let reDisableMs: number | undefined;
  try {
    // Act
    const problems = await runOffboardingDemo({
      endpoint: motoEndpoint(),
      config: d.ctx.config,
      say: (l) => d.lines.push(l),
      print: () => undefined,
      name: d.scene.name,
      seedDeps: d.seedDeps,
      during: {
        observationDays: 20,
        run: async (userName, accessKeyId) => {
          // No timing assertion in a test (the figure is the demo's and the bench's): only that the reaction did it.
          const out = await reenableScene({ ...d.scene, userName, accessKeyId, iamUsers: d.ctx.iam, withinMs: 15_000 });
          reDisableMs = out.reDisableMs;
          return out.problems;
        },
      },
    });
    // Assess
    expect(problems).toEqual([]);
    expect(reDisableMs).toBeGreaterThan(0);
    const note = d.notifications.find((n) => n.type === 'offboarding.reenabled');
    expect((note?.by as { arn?: string }).arn).toMatch(new RegExp(`:user/humans/${d.scene.name('on-call-ops')}$`));
  } finally {
    await d.stop();
  }
}, 120_000);
