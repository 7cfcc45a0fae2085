/**
 * The real scan handler against moto: real credential report, real IAM calls, rotations started on
 * the in-process runner executing the real ASL. Every assertion concerns this file's own users (a
 * unique path prefix), because all test files share one moto server.
 */
import { CreateAccessKeyCommand, CreateUserCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { createLocalEnvironment, type LocalEnvironment } from '../../functions/local/environment';
import { parseConfig } from '../../functions/shared/config';
import { rotationExecutionName } from '../../functions/shared/execution-names';
import { IamUsers } from '../../functions/shared/iam/users';
import { containsSecretLikeValue, RecordingNotifier } from '../../functions/shared/notifier';
import { countApiCalls, type ApiCallCounter } from '../../functions/scan/api-calls';
import { IamCredentialReportSource } from '../../functions/scan/credential-report';
import { makeScanHandler, type ScanHandler, type ScanSummary } from '../../functions/scan/handler';
import { motoEndpoint, testClients, uniqueName, useKey } from '../support/aws';

const { iam } = testClients();
const run = uniqueName('scan');
const prefix = `/${run}/`;
const name = (role: string) => `${run}-${role}`;

const users = {
  rotate: name('rotate'), // one stale active key
  makeRoom: name('make-room'), // stale active key + inactive key
  protectedByName: name('protected-name'),
  protectedByTag: name('protected-tag'),
  outside: name('outside'), // sibling path that merely starts with the same characters
  twoActive: name('two-active'), // two stale active keys: blocked
  fresh: name('fresh'), // key younger than the maximum age
  noKeys: name('no-keys'),
};
const mine = new Set<string>(Object.values(users));
const onlyMine = <T extends { userName: string }>(items: readonly T[]) => items.filter((i) => mine.has(i.userName));

// timeScale 86400*7: maxKeyAgeDays 7 lasts one second, and so does every wait of the rotation.
const config = parseConfig({
  timeScale: 86400 * 7,
  maxKeyAgeDays: 7,
  managedUsers: { pathPrefix: prefix },
  protectedUsers: { userNames: [users.protectedByName] },
});

async function createUser(userName: string, path = prefix, tags: Record<string, string> = {}): Promise<void> {
  await iam.send(
    new CreateUserCommand({ UserName: userName, Path: path, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }),
  );
}

const secretKeys = new Map<string, string>();

async function createKey(userName: string): Promise<string> {
  const out = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  secretKeys.set(out.AccessKey!.AccessKeyId!, out.AccessKey!.SecretAccessKey!);
  return out.AccessKey!.AccessKeyId!;
}

describe('daily scan against moto', () => {
  const keys: Record<string, string> = {};
  let env: LocalEnvironment;
  let scan: ScanHandler;
  let calls: ApiCallCounter;
  let notes: RecordingNotifier;

  beforeAll(async () => {
    await createUser(users.rotate);
    keys.rotate = await createKey(users.rotate);
    await createUser(users.makeRoom);
    keys.makeRoomInactive = await createKey(users.makeRoom);
    keys.makeRoom = await createKey(users.makeRoom);
    await iam.send(
      new UpdateAccessKeyCommand({ UserName: users.makeRoom, AccessKeyId: keys.makeRoomInactive, Status: 'Inactive' }),
    );
    await createUser(users.protectedByName);
    await createKey(users.protectedByName);
    await createUser(users.protectedByTag, prefix, { 'iam-lifecycle:protected': 'break-glass' });
    await createKey(users.protectedByTag);
    await createUser(users.outside, `/${run}-other/`);
    await createKey(users.outside);
    await createUser(users.twoActive);
    keys.twoActiveFirst = await createKey(users.twoActive);
    keys.twoActiveSecond = await createKey(users.twoActive);
    await createUser(users.noKeys);

    // Let the keys above grow older than the (scaled) maximum age of one second.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const scanNow = new Date();
    await createUser(users.fresh);
    keys.fresh = await createKey(users.fresh);

    env = createLocalEnvironment({
      endpoint: motoEndpoint(),
      config,
      // Keep rotations waiting for cutover long enough to observe them running.
      waitTimeOverrides: { WaitForCutover: 4000 },
    });
    const scanClients = testClients();
    calls = countApiCalls(scanClients.iam);
    notes = new RecordingNotifier();
    scan = makeScanHandler({
      credentialReport: new IamCredentialReportSource(scanClients.iam, { pollIntervalMs: 50 }),
      iam: new IamUsers(scanClients.iam),
      workflows: env.workflows,
      config,
      // Fixed "now": keys created after it (fresh ones, rotated ones) never count as old.
      clock: () => scanNow,
      notifier: notes,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      iamCalls: calls,
    });
  });

  afterAll(async () => {
    await env?.workflows.waitForAll();
  });

  const reportCalls = () => (calls.byOperation().GenerateCredentialReport ?? 0) + (calls.byOperation().GetCredentialReport ?? 0);

  let dryRun: ScanSummary;

  it('plans exact key ids in a dry run, starts nothing, and costs the report plus one or two calls per candidate', async () => {
    // Act
    calls.reset();
    dryRun = await scan({ dryRun: true });

    // Assess
    expect(dryRun.dryRun).toBe(true);
    expect(onlyMine(dryRun.plan)).toEqual([
      expect.objectContaining({
        userName: users.makeRoom,
        accessKeyId: keys.makeRoom,
        removesInactiveKeyId: keys.makeRoomInactive,
      }),
      expect.objectContaining({ userName: users.rotate, accessKeyId: keys.rotate }),
    ]);
    expect(dryRun.started).toEqual([]);
    expect(await env.workflows.list('rotation')).toEqual([]);
    expect(notes.sent).toEqual([]);

    expect(onlyMine(dryRun.blocked)).toEqual([
      expect.objectContaining({ userName: users.twoActive, accessKeyId: keys.twoActiveFirst, code: 'two-active-keys' }),
    ]);
    expect(onlyMine(dryRun.skipped).map(({ userName, code, reason }) => ({ userName, code, reason }))).toEqual([
      { userName: users.outside, code: 'out-of-scope', reason: `path /${run}-other/ is outside ${prefix}` },
      { userName: users.protectedByName, code: 'protected', reason: 'listed in protectedUsers.userNames' },
      { userName: users.protectedByTag, code: 'protected', reason: 'tagged iam-lifecycle:protected' },
    ]);
    const listed = [...dryRun.plan, ...dryRun.blocked, ...dryRun.skipped, ...dryRun.alreadyRunning, ...dryRun.failed];
    expect(listed.map((i) => i.userName)).not.toEqual(expect.arrayContaining([users.fresh]));
    expect(listed.map((i) => i.userName)).not.toEqual(expect.arrayContaining([users.noKeys]));

    // Candidates: rotate, makeRoom, twoActive, protectedByTag (the report cannot see tags).
    // ListUserTags for each; ListAccessKeys for those the tags allow.
    expect(dryRun.candidates).toBe(4);
    expect(calls.byOperation()).toEqual({
      GenerateCredentialReport: expect.any(Number),
      GetCredentialReport: expect.any(Number),
      ListUserTags: 4,
      ListAccessKeys: 3,
    });
    expect(reportCalls()).toBeLessThanOrEqual(4);
    expect(dryRun.iamCalls).toBe(reportCalls() + 4 + 3);
  });

  it('makes no more IAM calls when the account holds many more users that are not candidates', async () => {
    // Prepare: 30 more users in scope with young keys or none, 10 outside with (soon old) keys.
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const userName = name(`filler-${i}`);
        await createUser(userName, i < 30 ? prefix : `/${run}-filler/`);
        if (i % 2 === 0) await createKey(userName);
      }),
    );

    // Act
    calls.reset();
    const bigger = await scan({ dryRun: true });

    // Assess
    expect(bigger.scannedUsers).toBeGreaterThanOrEqual(dryRun.scannedUsers + 40);
    expect(bigger.candidates).toBe(4);
    expect(calls.byOperation()).toMatchObject({ ListUserTags: 4, ListAccessKeys: 3 });
    expect(bigger.iamCalls).toBe(reportCalls() + 7);
  });

  /** Resolves once the execution waits for cutover: the new key exists and is stored by then. */
  async function waitingForCutover(executionName: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    const entered = () =>
      env.workflows.history('rotation', executionName).some((e) => e.type === 'StateEntered' && e.stateName === 'WaitForCutover');
    while (!entered()) {
      if (Date.now() > deadline) throw new Error(`${executionName} never reached WaitForCutover`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('starts one rotation per stale user, then reports them as already running', async () => {
    // Prepare: the stale keys are in use, so each rotation waits until its workload uses the new key
    await useKey(keys.rotate!, secretKeys.get(keys.rotate!)!);
    await useKey(keys.makeRoom!, secretKeys.get(keys.makeRoom!)!);
    // Act
    const first = await scan({});
    await Promise.all(first.started.filter((s) => mine.has(s.userName)).map((s) => waitingForCutover(s.executionName)));
    const second = await scan({});

    // Assess
    const rotateRef = {
      userName: users.rotate,
      accessKeyId: keys.rotate,
      executionName: rotationExecutionName(users.rotate, keys.rotate!),
    };
    const makeRoomRef = {
      userName: users.makeRoom,
      accessKeyId: keys.makeRoom,
      executionName: rotationExecutionName(users.makeRoom, keys.makeRoom!),
    };
    expect(onlyMine(first.started)).toEqual([makeRoomRef, rotateRef]);
    expect(onlyMine(first.alreadyRunning)).toEqual([]);
    const execution = await env.workflows.describe('rotation', rotateRef.executionName);
    expect(execution?.input).toMatchObject({ userName: users.rotate, accessKeyId: keys.rotate, requestedBy: 'scan' });

    // Mid-rotation the users hold two active keys; that is progress, not "blocked".
    const midway = await new IamUsers(iam).listAccessKeys(users.rotate);
    expect(midway.filter((k) => k.status === 'Active')).toHaveLength(2);
    expect(onlyMine(second.started)).toEqual([]);
    expect(onlyMine(second.alreadyRunning)).toEqual([makeRoomRef, rotateRef]);
    expect(onlyMine(second.blocked).map((b) => b.userName)).toEqual([users.twoActive]);

    const blockedNotes = notes.sent.filter((n) => n.type === 'rotation.blocked' && mine.has(n.userName ?? ''));
    expect(blockedNotes).toEqual([
      expect.objectContaining({ userName: users.twoActive, code: 'two-active-keys' }),
      expect.objectContaining({ userName: users.twoActive, code: 'two-active-keys' }),
    ]);
    expect(notes.sent.filter((n) => n.type === 'scan.completed')).toHaveLength(2);
    expect(containsSecretLikeValue(JSON.stringify([first, second, notes.sent]))).toBe(false);
  });

  it('finds nothing left to rotate once the rotations have finished', async () => {
    // Prepare: the workloads move to their new keys, so cutover is confirmed
    for (const userName of [users.rotate, users.makeRoom]) {
      const current = (await env.secrets.readCredentials(`${config.secretPrefix}/${userName}`))!.credentials;
      await useKey(current.accessKeyId, current.secretAccessKey);
    }
    const finished = await env.workflows.waitForAll();
    expect(finished.map((e) => [e.name, e.status])).toEqual(
      expect.arrayContaining([
        [rotationExecutionName(users.rotate, keys.rotate!), 'SUCCEEDED'],
        [rotationExecutionName(users.makeRoom, keys.makeRoom!), 'SUCCEEDED'],
      ]),
    );

    // Act
    const after = await scan({ dryRun: true });

    // Assess
    const listed = [...after.plan, ...after.alreadyRunning, ...after.skipped, ...after.blocked].map((i) => i.userName);
    expect(listed).not.toContain(users.rotate);
    expect(listed).not.toContain(users.makeRoom);
    expect(listed).toContain(users.twoActive);
  });
});
