/**
 * Activity before deletion (issue 10) through the real offboarding.asl.json on the local runner,
 * against moto behind the event tap: the tap records every call with its caller (a session from
 * GetSessionToken as the user that asked for it) and answers CheckActivity's LookupEvents. The
 * steps' own IAM calls go through the tap too, signed as a "stack role" whose session carries the
 * user's name, so LookupEvents by Username returns them and CheckActivity must ignore them.
 *
 * Time: timeScale 86400 x 15: the 30-day observation lasts 2 s and a check interval 1 s.
 */
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, GetUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import type { ActivityState } from '../../functions/offboarding/activity';
import { recordKeys } from '../../functions/offboarding/domain';
import type { CompletedRecord, OffboardingState } from '../../functions/offboarding/handlers';
import { ensureLocalDenyPolicy, MotoIamGaps } from '../../functions/offboarding/local';
import { startOffboarding } from '../../functions/offboarding/service';
import { startEventTap, type EventTap } from '../../functions/local/event-tap';
import { recordedTrail } from '../../functions/local/tap/trail';
import { makeClients } from '../../functions/shared/aws';
import type { TrailEventSource } from '../../functions/shared/cloudtrail';
import { parseConfig } from '../../functions/shared/config';
import { NotInLiveExecutionError } from '../../functions/shared/execution-guard';
import { containsSecretLikeValue } from '../../functions/shared/notifier';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';
import { exists } from '../support/iam-fixtures';
import { offboardingHarness, type OffboardingHarness } from '../support/offboarding-harness';

jest.setTimeout(90_000);

const FAST = { timeScale: 86400 * 15, offboardingActivityPostponements: 5 };
const gaps = new MotoIamGaps();
let bucket: string;
let denyPolicyArn: string;
let tap: EventTap;
let stackRole: { arn: string; roleId: string };

beforeAll(async () => {
  bucket = uniqueName('offboarding-activity');
  await testClients().s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  denyPolicyArn = await ensureLocalDenyPolicy(testClients().iam);
  tap = await startEventTap({ targetEndpoint: motoEndpoint() });
  const role = await testClients().iam.send(
    new CreateRoleCommand({
      RoleName: uniqueName('stack-offboarding'),
      AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
    }),
  );
  stackRole = { arn: role.Role!.Arn!, roleId: role.Role!.RoleId! };
});

afterAll(async () => {
  await tap.stop();
});

/** The steps sign as the stack role, through the tap, in a session named like the user (LookupEvents' Username). */
async function harnessAsStack(userName: string, trail?: TrailEventSource): Promise<OffboardingHarness> {
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: motoEndpoint(),
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: stackRole.arn, RoleSessionName: userName }))).Credentials!;
  const clients = makeClients({
    endpoint: tap.url,
    region: 'us-east-1',
    credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! },
  });
  return offboardingHarness({
    bucket,
    denyPolicyArn,
    config: parseConfig(FAST),
    gaps,
    clients,
    trail: trail ?? recordedTrail(() => (input) => tap.lookupEvents(input)),
    ownPrincipals: [stackRole.roleId],
  });
}

/** A user with one active key, created directly in moto (not through the tap). */
async function createUser(prefix: string) {
  const iam = testClients().iam;
  const userName = uniqueName(prefix);
  await iam.send(new CreateUserCommand({ UserName: userName, Path: '/staff/' }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  return { userName, accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
}

/** A session from GetSessionToken, obtained through the tap with the user's own key (before the disable). */
async function sessionOf(user: { accessKeyId: string; secretAccessKey: string }) {
  const sts = new STSClient({ region: 'us-east-1', endpoint: tap.url, credentials: user });
  const c = (await sts.send(new GetSessionTokenCommand({}))).Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

/** Calls IAM through the tap with the session every 100 ms until stopped (AWS would refuse them: AccessDenied, still logged). */
function keepCalling(session: { accessKeyId: string; secretAccessKey: string; sessionToken: string }, userName: string) {
  const iam = new IAMClient({ region: 'us-east-1', endpoint: tap.url, credentials: session });
  let running = true;
  const loop = (async () => {
    while (running) {
      await iam.send(new GetUserCommand({ UserName: userName })).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

const activityOutputs = (h: OffboardingHarness, executionName: string): ActivityState[] =>
  h.workflows
    .history('offboarding', executionName)
    // A caught failure exits the state too, with the input and $.error: not a check's answer.
    .filter((e) => e.type === 'StateExited' && e.stateName === 'CheckActivity' && !('error' in (e.output as object)))
    .map((e) => (e.output as { activity: ActivityState }).activity);

describe('offboarding: activity before deletion', () => {
  it('postpones the deletion of a user whose earlier session keeps calling, notifies, and deletes once the calls stop', async () => {
    // Prepare: the session is obtained before the disable; it keeps calling during observation
    const user = await createUser('offb-active');
    const h = await harnessAsStack(user.userName);
    const session = await sessionOf(user);
    const stop = keepCalling(session, user.userName);

    // Act
    const started = await startOffboarding(h.service, { userName: user.userName, reason: 'left', requestedBy: 'test' });
    await waitForNotification(h, user.userName, 'offboarding.activity-seen');
    const stillThere = await userExists(user.userName);
    await stop();
    const result = await h.workflows.wait('offboarding', started.executionName);

    // Assess: not deleted at the first deadline, postponed with a summary; deleted after the calls stopped
    expect(stillThere).toBe(true);
    expect(result.status).toBe('SUCCEEDED');
    expect(await userExists(user.userName)).toBe(false);
    const checks = activityOutputs(h, started.executionName);
    expect(checks[0]).toMatchObject({ decision: 'postpone', postponements: 1, waitSeconds: 1 });
    expect(checks.at(-1)!.decision).toBe('delete');
    const seen = h.notifications.sent.find((n) => n.type === 'offboarding.activity-seen' && n.userName === user.userName)!;
    // The session's own GetSessionToken may fall in the disable's second, which the window keeps (safe side).
    expect(seen).toMatchObject({
      decision: 'postpone',
      sourceIps: ['127.0.0.1'],
      eventNames: expect.arrayContaining([expect.objectContaining({ name: 'GetUser' })]),
    });
    const everything = JSON.stringify([h.notifications.sent, h.workflows.history('offboarding', started.executionName)]);
    expect(everything).not.toContain(session.secretAccessKey);
    expect(everything).not.toContain(session.sessionToken);
    expect(containsSecretLikeValue(everything)).toBe(false);
    // the final record lists every check: lookups by name and by key, windows, what was found
    const record = await h.records.get<CompletedRecord>(recordKeys(user.userName, started.executionName).finalRecord);
    const activity = record!.activityBeforeDeletion!;
    expect(activity.postponements).toBe(checks.at(-1)!.postponements);
    expect(activity.checks.length).toBe(activity.postponements + 1);
    expect(activity.checks[0]).toMatchObject({ outcome: 'activity', decision: 'postpone' });
    expect(activity.checks[0]!.found).toBeGreaterThan(0);
    expect(activity.checks.at(-1)).toMatchObject({ outcome: 'clear', decision: 'delete', found: 0 });
    expect(activity.checks[0]!.lookups.map((l) => [l.attribute, l.value])).toEqual([
      ['Username', user.userName],
      ['AccessKeyId', user.accessKeyId],
    ]);
  });

  it("deletes a user without activity on time, ignoring the stack's own calls that name the user", async () => {
    // Prepare: the user obtained a session but never uses it after the disable
    const user = await createUser('offb-quiet');
    const h = await harnessAsStack(user.userName);
    await sessionOf(user);
    await new Promise((r) => setTimeout(r, 1100)); // its GetSessionToken falls in an earlier second than the disable

    // Act
    const started = await startOffboarding(h.service, { userName: user.userName, reason: 'left', requestedBy: 'test' });
    const result = await h.workflows.wait('offboarding', started.executionName);

    // Assess: deleted at the first deadline; the Disable step's calls were returned by the lookup and ignored
    expect(result.status).toBe('SUCCEEDED');
    expect(await userExists(user.userName)).toBe(false);
    const [only, ...more] = activityOutputs(h, started.executionName);
    expect(more).toEqual([]);
    expect(only).toMatchObject({ decision: 'delete', postponements: 0 });
    expect(only!.checks[0]!.ignoredStackEvents).toBeGreaterThan(0);
    expect(h.notifications.sent.filter((n) => n.userName === user.userName).map((n) => n.type)).not.toContain(
      'offboarding.activity-seen',
    );
  });

  it('does not delete when CloudTrail cannot be read: postpones, then holds the user disabled for a person', async () => {
    // Prepare: every lookup is throttled
    const user = await createUser('offb-blind');
    const failing: TrailEventSource = {
      lookup: () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })),
    };
    const h = await harnessAsStack(user.userName, failing);

    // Act
    const started = await startOffboarding(h.service, { userName: user.userName, reason: 'left', requestedBy: 'test' });
    const result = await h.workflows.wait('offboarding', started.executionName);

    // Assess: never deleted; every allowed postponement used; offboarding.failed names the hold
    expect(result.status).toBe('FAILED');
    expect(await userExists(user.userName)).toBe(true);
    const checks = activityOutputs(h, started.executionName);
    expect(checks.map((c) => [c.decision, c.postponements])).toEqual([
      ['postpone', 1],
      ['postpone', 2],
      ['postpone', 3],
      ['postpone', 4],
      ['postpone', 5],
    ]);
    expect(checks[0]!.checks[0]!.lookups[0]).toMatchObject({ error: 'TransientAwsError' });
    const failed = h.notifications.sent.find((n) => n.type === 'offboarding.failed' && n.userName === user.userName);
    expect(JSON.stringify(failed)).toMatch(/OffboardingHeldError/);
    expect(h.workflows.history('offboarding', started.executionName).some((e) => e.stateName === 'DeleteUser')).toBe(false);
  });
});

describe('offboarding: activity before deletion (attacker paths)', () => {
  it('refuses a DeleteUser invoked in a live execution while its deletion is postponed for activity, changing nothing', async () => {
    // Prepare: the execution waits in PostponeDeletion (the observation is over, activity was seen)
    const user = await createUser('offb-early');
    const h = await harnessAsStack(user.userName);
    const stop = keepCalling(await sessionOf(user), user.userName);
    const started = await startOffboarding(h.service, { userName: user.userName, reason: 'left', requestedBy: 'test' });
    await waitForNotification(h, user.userName, 'offboarding.activity-seen');
    const entered = h.workflows
      .history('offboarding', started.executionName)
      .filter((e) => e.type === 'StateEntered' && e.stateName === 'CheckActivity')
      .at(-1)!;
    // a state claiming the check cleared the deletion
    const state = { ...(entered.input as OffboardingState), activity: { decision: 'delete' } } as unknown as OffboardingState;

    // Act
    const attempt = h.handlers.deleteUser({ state, executionId: started.executionArn });

    // Assess: the decision is read from the execution's own history, not from the input
    await expect(attempt).rejects.toThrow(/activity check of .* has not cleared the deletion/);
    expect(await userExists(user.userName)).toBe(true);
    expect(await h.records.get(recordKeys(user.userName, started.executionName).decision)).toBeUndefined();
    await stop();
    await h.workflows.stop('offboarding', started.executionName, { error: 'TestDone', cause: 'end of test' });
  });

  it('refuses CheckActivity outside a live execution of the offboarding, looking nothing up and notifying nothing', async () => {
    // Prepare
    const user = await createUser('offb-forged');
    const lookups: string[] = [];
    const spy: TrailEventSource = {
      lookup: async (attribute, value) => {
        lookups.push(`${attribute}=${value}`);
        return { events: [], pages: 1, truncated: false };
      },
    };
    const h = await harnessAsStack(user.userName, spy);
    const state = {
      status: 'ready',
      action: 'offboard',
      userName: user.userName,
      userId: 'AIDAFORGED',
      executionName: `offboard-${user.userName}-forged`,
    } as unknown as OffboardingState;

    // Act
    const forged = h.handlers.checkActivity({
      state,
      executionId: `arn:aws:states:us-east-1:123456789012:execution:other:${state.executionName}`,
    });

    // Assess
    await expect(forged).rejects.toBeInstanceOf(NotInLiveExecutionError);
    expect(lookups).toEqual([]);
    expect(h.notifications.sent).toEqual([]);
  });
});

const userExists = (userName: string) => exists(() => testClients().iam.send(new GetUserCommand({ UserName: userName })));

async function waitForNotification(h: OffboardingHarness, userName: string, type: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!h.notifications.sent.some((n) => n.type === type && n.userName === userName)) {
    if (Date.now() > deadline) throw new Error(`no ${type} for ${userName}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
