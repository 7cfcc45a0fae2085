/**
 * The reactions part of `npm start` (issue 8, "Locally"): the event tap in front of the demo's moto,
 * its CloudTrail events fed to the local reactions; someone re-activates the departing contractor's
 * key with the AWS CLI through the tap during the observation period (re-disabled within a second,
 * the notification names who did it); and one exposed key, replaced under a live workload whose
 * calls through the tap are the activity summary of the `key.exposed` notification.
 */
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { startExposureResponse } from '../exposure/start';
import { startEventTap, type CloudTrailEvent, type EventTap } from '../local/event-tap';
import type { LocalEnvironment } from '../local/environment';
import { seedUser } from '../local/seed';
import { startWorkload } from '../local/workload';
import { localReactions } from '../reactions/local';
import type { Notification } from '../shared/notifier';
import type { SecretStore } from '../shared/secret-store';
import type { LifecycleConfig } from '../shared/config';
import type { IamUsers } from '../shared/iam/users';

export interface DemoTap {
  readonly tap: EventTap;
  /** performance.now() of each reaction's start and end, by CloudTrail eventID. */
  readonly reactions: Map<string, { readonly event: CloudTrailEvent; readonly startedAt: number; endedAt?: number }>;
}

/** The tap with the local reactions behind it, as `iam-lifecycle local up` wires it. */
export async function startDemoTap(endpoint: string, local: LocalEnvironment, say: (line: string) => void): Promise<DemoTap> {
  const react = localReactions(local);
  const reactions: DemoTap['reactions'] = new Map();
  const tap = await startEventTap({
    targetEndpoint: endpoint,
    onEvent: async (event) => {
      const entry: { event: CloudTrailEvent; startedAt: number; endedAt?: number } = { event, startedAt: performance.now() };
      reactions.set(event.detail.eventID, entry);
      await react(event);
      entry.endedAt = performance.now();
    },
    onError: (error) => say(`event tap: ${error.name}: ${error.message}`),
  });
  return { tap, reactions };
}

interface SceneArgs {
  readonly demoTap: DemoTap;
  readonly iam: IAMClient;
  readonly say: (line: string) => void;
  readonly name: (base: string) => string;
  readonly notifications: readonly Notification[];
}

/** Runs the AWS CLI (or, when it is not installed, the SDK) through the tap as another principal. */
function awsCli(args: string[], credentials: { accessKeyId: string; secretAccessKey: string }): Promise<'cli' | 'missing'> {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_DEFAULT_REGION: 'us-east-1' };
  for (const v of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL']) delete env[v];
  env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  return new Promise((resolve, reject) => {
    execFile('aws', args, { env, timeout: 60_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve('cli');
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return resolve('missing');
      reject(new Error(`aws ${args.slice(0, 2).join(' ')} failed: ${stderr.trim().split('\n').pop() ?? error.message}`));
    });
  });
}

/**
 * Scene (a), run while the contractor is in its observation period: on-call re-activates the
 * contractor's key through the tap. Answers the problems found and the figures printed.
 */
export async function reenableScene(
  args: SceneArgs & {
    readonly userName: string;
    readonly accessKeyId: string;
    readonly iamUsers: Pick<IamUsers, 'listAccessKeys'>;
    /** The issue's promise: inactive again within a second (tests on a loaded machine pass more). @default 1000 */
    readonly withinMs?: number;
  },
) {
  const withinMs = args.withinMs ?? 1000;
  const { demoTap, iam, say, userName, accessKeyId } = args;
  const problems: string[] = [];
  const operator = args.name('on-call-ops');
  await iam.send(new CreateUserCommand({ UserName: operator, Path: '/humans/' }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: operator }))).AccessKey!;
  const credentials = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  const command = [
    'iam',
    'update-access-key',
    '--user-name',
    userName,
    '--access-key-id',
    accessKeyId,
    '--status',
    'Active',
    '--endpoint-url',
    demoTap.tap.url,
  ];
  say(`re-enable: ${operator} runs $ aws ${command.join(' ')}`);
  const how = await awsCli(command, credentials);
  if (how === 'missing') {
    say('re-enable: the AWS CLI is not installed; the same call is made with the SDK through the tap');
    const sdk = new IAMClient({ region: 'us-east-1', endpoint: demoTap.tap.url, credentials });
    await sdk.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: 'Active' }));
    sdk.destroy();
  }
  const entry = [...demoTap.reactions.values()].find(
    (r) => r.event.detail.eventName === 'UpdateAccessKey' && r.event.detail.requestParameters?.accessKeyId === accessKeyId,
  );
  const deadline = Date.now() + 5000;
  while (entry && entry.endedAt === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const ms = entry?.endedAt !== undefined ? entry.endedAt - entry.startedAt : undefined;
  const keys = await args.iamUsers.listAccessKeys(userName).catch(() => []);
  const status = keys.find((k) => k.accessKeyId === accessKeyId)?.status ?? 'deleted';
  const note = args.notifications.find((n) => n.type === 'offboarding.reenabled' && n.userName === userName);
  const by = (note?.by as { arn?: string } | undefined)?.arn ?? '';
  say(
    `check re-enable: ${accessKeyId} is ${status} again ${ms !== undefined ? `${Math.round(ms)} ms after the CloudTrail event` : '(no event seen)'}; ` +
      `offboarding.reenabled names ${by || 'nobody'}`,
  );
  if (!entry) problems.push('the re-enabling call produced no CloudTrail event at the tap');
  if (status === 'Active') problems.push(`${accessKeyId} is still Active after the re-enable`);
  if (ms === undefined || ms > withinMs)
    problems.push(`re-disable took ${ms === undefined ? 'forever' : `${Math.round(ms)} ms`} (over ${withinMs} ms)`);
  if (!by.endsWith(`/${operator}`)) problems.push(`offboarding.reenabled does not name ${operator} (it names ${by || 'nobody'})`);
  return { problems, reDisableMs: ms, via: how === 'missing' ? 'the SDK (no AWS CLI)' : 'the AWS CLI' };
}

/** Scene (b): one exposed key under a live workload that calls AWS through the tap. */
export async function exposureScene(
  args: SceneArgs & {
    readonly local: LocalEnvironment;
    readonly seedDeps: { iam: IAMClient; secrets: SecretStore; config: LifecycleConfig };
  },
) {
  const { demoTap, say, local } = args;
  const problems: string[] = [];
  const user = await seedUser(args.seedDeps, { userName: args.name('payments-api'), path: '/demo/bots/' });
  const exposed = user.accessKeyIds[0]!;
  const workload = startWorkload({
    userName: user.userName,
    secretName: user.secretName!,
    endpoint: demoTap.tap.url,
    secrets: local.secrets,
    iam: local.iam,
  });
  say(`exposure: ${user.userName}'s workload calls AWS through the event tap with ${exposed}`);
  await new Promise((r) => setTimeout(r, 1000));
  say(`exposure: ${exposed} is reported exposed (what POST /exposures, \`iam-lifecycle expose\` and AWS Health events start)`);
  let stats;
  try {
    const started = await startExposureResponse(
      { iam: local.iam, workflows: local.workflows },
      { accessKeyId: exposed, reason: 'demo: key pasted in a public issue', source: 'cli', requestedBy: 'cli:npm start' },
    );
    const final = await local.workflows.wait('exposure', started.executionName);
    if (final.status !== 'SUCCEEDED') problems.push(`the exposure response ended ${final.status}: ${final.error ?? ''}`);
  } finally {
    stats = await workload.stop();
  }
  const keys = await local.iam.listAccessKeys(user.userName);
  const current = await local.secrets.currentKey(user.secretName!);
  const replacement = keys.find((k) => k.accessKeyId !== exposed);
  const onReplacement = stats.failures.filter((f) => f.accessKeyId !== exposed).length;
  const refusedExposed = stats.failures.filter((f) => f.accessKeyId === exposed).length;
  const note = args.notifications.find((n) => n.type === 'key.exposed' && n.accessKeyId === exposed);
  const activity = (note?.activity ?? {}) as { eventCount?: number; eventNames?: { name: string; count: number }[] };
  say(
    `check exposure: ${exposed} ${keys.some((k) => k.accessKeyId === exposed) ? 'still there' : 'deleted after its grace period'}; ` +
      `replacement ${replacement?.accessKeyId ?? 'none'} (${replacement?.status ?? '-'}) is the secret's AWSCURRENT: ${current?.accessKeyId === replacement?.accessKeyId ? 'yes' : 'NO'}; ` +
      `key.exposed activity: ${activity.eventCount ?? 0} events`,
  );
  if (keys.some((k) => k.accessKeyId === exposed && k.status === 'Active')) problems.push(`${exposed} is still Active`);
  if (!replacement || replacement.status !== 'Active' || current?.accessKeyId !== replacement.accessKeyId)
    problems.push(`${user.userName}: no active replacement key in the secret`);
  if (onReplacement > 0) problems.push(`${onReplacement} workload calls failed on the replacement key`);
  if (!activity.eventNames?.some((e) => e.name === 'GetCallerIdentity'))
    problems.push('key.exposed has no activity of the workload (GetCallerIdentity through the tap)');
  return {
    problems,
    figures: {
      calls: stats.calls,
      keysUsed: stats.keysUsed,
      failedOnReplacement: onReplacement,
      refusedOnExposed: refusedExposed,
      activityEvents: activity.eventCount ?? 0,
    },
  };
}
