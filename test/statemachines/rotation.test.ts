/**
 * One case per path of statemachines/key-rotation.asl.json, run by aws-local-stepfunctions with the
 * real handlers against moto. A week lasts a second: every wait is 1 s, the cutover deadline 2 s.
 */
import { CLOCK_SKEW_ALLOWANCE_MS } from '../../functions/rotation/domain';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { TagUserCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { seedUser } from '../../functions/local/seed';
import { clientConfig } from '../../functions/shared/aws';
import { parseConfig, type LifecycleConfig } from '../../functions/shared/config';
import { TransientAwsError } from '../../functions/shared/errors';
import { rollbackRotation, RollbackRefusedError } from '../../functions/rotation/rollback';
import { startOnDemandRotation } from '../../functions/rotation/on-demand';
import { startRotation } from '../../functions/rotation/start';
import type { RotationState } from '../../functions/rotation/handlers';
import { motoEndpoint, uniqueName } from '../support/aws';
import { rotationHarness, type RotationHarness } from '../support/rotation-harness';

const PATH = '/rotation-sm/';
const baseConfig = parseConfig({
  timeScale: 86400 * 7,
  managedUsers: { pathPrefix: PATH },
  protectedUsers: { userNames: ['sm-breakglass'] },
});

async function seed(
  h: RotationHarness,
  config: LifecycleConfig,
  spec: { keys?: number; path?: string; tags?: Record<string, string>; userName?: string },
) {
  const userName = spec.userName ?? uniqueName('sm');
  return seedUser(
    { iam: h.clients.iam, secrets: h.secrets, config },
    { userName, path: spec.path ?? PATH, keys: spec.keys ?? 1, ...(spec.tags ? { tags: spec.tags } : {}) },
  );
}

/** Signs one request with the key so IAM records it as used. */
async function useKey(accessKeyId: string, secretAccessKey: string) {
  const sts = new STSClient({ ...clientConfig({ endpoint: motoEndpoint() }), credentials: { accessKeyId, secretAccessKey } });
  await sts.send(new GetCallerIdentityCommand({}));
  sts.destroy();
}

async function run(h: RotationHarness, config: LifecycleConfig, userName: string, accessKeyId: string) {
  const started = await startRotation(h.workflows, config, { userName, accessKeyId, requestedBy: 'test', trigger: 'on-demand' });
  return { started, summary: await h.workflows.wait('rotation', started.executionName) };
}

describe('key-rotation.asl.json', () => {
  it('happy path: never-used key is replaced, stored, deactivated, deleted', async () => {
    // Prepare: a key older than the quiet period (1 s here), so "never used" can be trusted
    const h = rotationHarness(baseConfig);
    const user = await seed(h, baseConfig, {});
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Act
    const { summary } = await run(h, baseConfig, user.userName, user.accessKeyIds[0]!);
    // Assess
    expect(summary.status).toBe('SUCCEEDED');
    const keys = await h.iam.listAccessKeys(user.userName);
    const stored = await h.secrets.currentKey(user.secretName!);
    expect(keys.map((k) => k.accessKeyId)).toEqual([stored!.accessKeyId]);
    expect(h.notifications.sent.map((n) => n.type)).toEqual([
      'rotation.started',
      'rotation.key-deactivated',
      'rotation.completed',
    ]);
    // A key never used confirms at once: no wait before the first (and only) cutover check.
    const entered = h.workflows
      .history('rotation', summary.name)
      .filter((e) => e.type === 'StateEntered')
      .map((e) => e.stateName);
    expect(entered).toEqual([
      'Prepare',
      'IsReady',
      'ReadyMode',
      'CreateAndStoreKey',
      'NotifyStarted',
      'CheckCutover',
      'CutoverDecision',
      'DeactivateOldKey',
      'ObserveGracePeriod',
      'FinishRotation',
      'FinishedMode',
      'Done',
    ]);
  });

  it('a duplicate start of the same rotation is refused, not run twice', async () => {
    // Prepare
    const h = rotationHarness(baseConfig);
    const user = await seed(h, baseConfig, {});
    // Act
    const first = await startRotation(h.workflows, baseConfig, {
      userName: user.userName,
      accessKeyId: user.accessKeyIds[0]!,
      requestedBy: 'a',
      trigger: 'on-demand',
    });
    const second = await startRotation(h.workflows, baseConfig, {
      userName: user.userName,
      accessKeyId: user.accessKeyIds[0]!,
      requestedBy: 'b',
      trigger: 'on-demand',
    });
    await h.workflows.wait('rotation', first.executionName);
    // Assess
    expect(first.started).toBe(true);
    expect(second).toMatchObject({ started: false, executionName: first.executionName });
    expect(h.notifications.sent.filter((n) => n.type === 'rotation.started')).toHaveLength(1);
  });

  it('two active keys: refused with a reason, nothing changed', async () => {
    // Prepare
    const h = rotationHarness(baseConfig);
    const user = await seed(h, baseConfig, { keys: 2 });
    // Act
    const { summary } = await run(h, baseConfig, user.userName, user.accessKeyIds[0]!);
    // Assess
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.output).toMatchObject({ status: 'blocked', code: 'two-active-keys' });
    expect(h.notifications.sent).toEqual([
      expect.objectContaining({ type: 'rotation.blocked', code: 'two-active-keys', userName: user.userName }),
    ]);
    const keys = await h.iam.listAccessKeys(user.userName);
    expect(keys.map((k) => [k.accessKeyId, k.status]).sort()).toEqual(user.accessKeyIds.map((id) => [id, 'Active']).sort());
    expect((await h.secrets.currentKey(user.secretName!))!.accessKeyId).toBe(user.accessKeyIds[0]);
  });

  it.each([
    ['unknown user', 'unknown-user'],
    ['protected by name', 'protected-user'],
    ['protected by tag', 'protected-user'],
    ['outside the managed path', 'out-of-scope'],
    ['being offboarded', 'being-offboarded'],
  ] as const)('%s: refused, nothing changed', async (label, code) => {
    // Prepare
    const seeding = rotationHarness(baseConfig);
    const user =
      label === 'unknown user'
        ? undefined
        : await seed(seeding, baseConfig, {
            ...(label === 'protected by tag' ? { tags: { 'iam-lifecycle:protected': 'true' } } : {}),
            ...(label === 'outside the managed path' ? { path: '/humans/' } : {}),
            ...(label === 'being offboarded' ? { tags: { 'iam-lifecycle:offboarding': 'disabled' } } : {}),
          });
    const config =
      label === 'protected by name'
        ? parseConfig({ ...baseConfig, protectedUsers: { userNames: [user!.userName] } })
        : baseConfig;
    const h = rotationHarness(config);
    const userName = user?.userName ?? uniqueName('sm-does-not-exist');
    const accessKeyId = user?.accessKeyIds[0] ?? 'AKIAEXAMPLEEXAMPLE12';
    // Act
    const { summary } = await run(h, config, userName, accessKeyId);
    // Assess
    expect(summary.output).toMatchObject({ status: 'blocked', code });
    expect(h.notifications.sent.map((n) => n.type)).toEqual(['rotation.blocked']);
    if (user) {
      expect(await h.iam.listAccessKeys(user.userName)).toEqual([expect.objectContaining({ accessKeyId, status: 'Active' })]);
      expect((await h.secrets.currentKey(user.secretName!))!.accessKeyId).toBe(accessKeyId);
    }
  });

  it('an execution input carrying timing is refused before anything changes (durations come from the deployed config)', async () => {
    // Prepare: a StartExecution by someone who may start executions, asking for a one-second grace period
    const h = rotationHarness(baseConfig);
    const user = await seed(h, baseConfig, {});
    const accessKeyId = user.accessKeyIds[0]!;
    const name = `rotate-${user.userName}-${accessKeyId}`;
    const timing = {
      checkIntervalSeconds: 1,
      quietPeriodSeconds: 1,
      deadlineSeconds: 1,
      gracePeriodSeconds: 1,
      deadlineAction: 'deactivate',
    };
    // Act
    await h.workflows.start('rotation', name, {
      userName: user.userName,
      accessKeyId,
      requestedBy: 'x',
      trigger: 'on-demand',
      timing,
    });
    const summary = await h.workflows.wait('rotation', name);
    // Assess
    expect(summary.output).toMatchObject({ status: 'blocked', code: 'invalid-request' });
    expect(await h.iam.listAccessKeys(user.userName)).toEqual([expect.objectContaining({ accessKeyId, status: 'Active' })]);
    expect(h.notifications.sent.map((n) => n.type)).toEqual(['rotation.blocked']);
  });

  it('an inactive second key is removed to make room, then the rotation completes', async () => {
    // Prepare
    const h = rotationHarness(baseConfig);
    const user = await seed(h, baseConfig, { keys: 2 });
    const [oldKey, inactiveKey] = user.accessKeyIds as [string, string];
    await h.clients.iam.send(
      new UpdateAccessKeyCommand({ UserName: user.userName, AccessKeyId: inactiveKey, Status: 'Inactive' }),
    );
    // Act
    const { summary } = await run(h, baseConfig, user.userName, oldKey);
    // Assess
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.output).toMatchObject({ status: 'completed', retiredAccessKeyId: oldKey });
    const keys = await h.iam.listAccessKeys(user.userName);
    expect(keys).toHaveLength(1);
    expect([oldKey, inactiveKey]).not.toContain(keys[0]!.accessKeyId);
    // Deleting a key is never silent (issue #6): the removal is announced before it happens.
    expect(h.notifications.sent.map((n) => n.type)).toEqual([
      'rotation.key-removed',
      'rotation.started',
      'rotation.key-deactivated',
      'rotation.completed',
    ]);
    expect(h.notifications.sent[0]).toMatchObject({ userName: user.userName, accessKeyId: inactiveKey, why: 'make-room' });
  });

  it('cutover overdue under "notify": escalates and keeps waiting with the old key active', async () => {
    // Prepare: the old key was in use and the new key is never picked up
    const h = rotationHarness(baseConfig);
    const user = await seed(h, baseConfig, {});
    const creds = (await h.secrets.readCredentials(user.secretName!))!.credentials;
    await useKey(creds.accessKeyId, creds.secretAccessKey);
    // Act
    const started = await startRotation(h.workflows, baseConfig, {
      userName: user.userName,
      accessKeyId: creds.accessKeyId,
      requestedBy: 'test',
      trigger: 'on-demand',
    });
    const overdue = await h.nextNotification('rotation.cutover-overdue');
    const running = await h.workflows.describe('rotation', started.executionName);
    await h.workflows.stop('rotation', started.executionName, { error: 'TestDone', cause: 'observed' });
    // Assess
    expect(running!.status).toBe('RUNNING');
    expect(overdue).toMatchObject({
      userName: user.userName,
      oldAccessKeyId: creds.accessKeyId,
      action: 'waiting; a person should look',
    });
    const keys = await h.iam.listAccessKeys(user.userName);
    expect(keys.find((k) => k.accessKeyId === creds.accessKeyId)!.status).toBe('Active');
    expect(h.notifications.sent.map((n) => n.type)).not.toContain('rotation.key-deactivated');
  });

  it('cutover overdue under "deactivate": notifies and proceeds', async () => {
    // Prepare
    const config = parseConfig({ ...baseConfig, cutoverDeadlineAction: 'deactivate' });
    const h = rotationHarness(config);
    const user = await seed(h, config, {});
    const creds = (await h.secrets.readCredentials(user.secretName!))!.credentials;
    await useKey(creds.accessKeyId, creds.secretAccessKey);
    // Act
    const { summary } = await run(h, config, user.userName, creds.accessKeyId);
    // Assess
    expect(summary.output).toMatchObject({ status: 'completed' });
    expect(h.notifications.sent.map((n) => n.type)).toEqual([
      'rotation.started',
      'rotation.cutover-overdue',
      'rotation.key-deactivated',
      'rotation.completed',
    ]);
    expect((await h.iam.listAccessKeys(user.userName)).map((k) => k.accessKeyId)).not.toContain(creds.accessKeyId);
  });

  it('rollback: an old key reactivated during the grace period is kept', async () => {
    // Prepare
    const h = rotationHarness(baseConfig);
    const user = await seed(h, baseConfig, {});
    const oldKey = user.accessKeyIds[0]!;
    // Act
    const started = await startRotation(h.workflows, baseConfig, {
      userName: user.userName,
      accessKeyId: oldKey,
      requestedBy: 'test',
      trigger: 'on-demand',
    });
    await h.nextNotification('rotation.key-deactivated');
    await h.clients.iam.send(new UpdateAccessKeyCommand({ UserName: user.userName, AccessKeyId: oldKey, Status: 'Active' }));
    const summary = await h.workflows.wait('rotation', started.executionName);
    // Assess
    expect(summary.output).toMatchObject({ status: 'rolled-back', retiredAccessKeyId: oldKey });
    expect(h.notifications.sent.map((n) => n.type)).toEqual([
      'rotation.started',
      'rotation.key-deactivated',
      'rotation.rolled-back',
    ]);
    const keys = await h.iam.listAccessKeys(user.userName);
    expect(keys.find((k) => k.accessKeyId === oldKey)?.status).toBe('Active');
    expect(keys).toHaveLength(2);
  });

  it('crash between create and store: the retry deletes the unstored key and never makes a third', async () => {
    // Prepare: the first attempt creates a key and dies before storing it
    let attempts = 0;
    const orphans: string[] = [];
    const h = rotationHarness(baseConfig, {
      retryIntervalOverrides: { CreateAndStoreKey: 10 },
      wrap: (real) => ({
        ...real,
        createAndStore: async (state: RotationState) => {
          attempts += 1;
          if (attempts === 1) {
            const orphan = await h.iam.createAccessKey(state.userName);
            orphans.push(orphan.accessKeyId);
            throw new TransientAwsError('simulated crash after CreateAccessKey', 'Crash');
          }
          return real.createAndStore(state);
        },
      }),
    });
    const user = await seed(h, baseConfig, {});
    // Act
    const { summary } = await run(h, baseConfig, user.userName, user.accessKeyIds[0]!);
    // Assess
    expect(attempts).toBe(2);
    expect(summary.output).toMatchObject({ status: 'completed' });
    const keys = await h.iam.listAccessKeys(user.userName);
    const stored = await h.secrets.currentKey(user.secretName!);
    expect(keys.map((k) => k.accessKeyId)).toEqual([stored!.accessKeyId]);
    expect(stored!.accessKeyId).not.toBe(orphans[0]);
    const retried = h.workflows.history('rotation', summary.name).filter((e) => e.type === 'StateRetried');
    expect(retried.map((e) => e.stateName)).toEqual(['CreateAndStoreKey']);
  });

  it('crash after store, before the step returned: the retry reuses the stored key', async () => {
    // Prepare
    let attempts = 0;
    let created = 0;
    const h = rotationHarness(baseConfig, {
      retryIntervalOverrides: { CreateAndStoreKey: 10 },
      wrap: (real) => ({
        ...real,
        createAndStore: async (state: RotationState) => {
          attempts += 1;
          const result = await real.createAndStore(state);
          if (!result.reused) created += 1;
          if (attempts === 1) throw new TransientAwsError('simulated crash after PutSecretValue', 'Crash');
          return result;
        },
      }),
    });
    const user = await seed(h, baseConfig, {});
    // Act
    const { summary } = await run(h, baseConfig, user.userName, user.accessKeyIds[0]!);
    // Assess
    expect(summary.output).toMatchObject({ status: 'completed' });
    expect(created).toBe(1);
    expect(await h.iam.listAccessKeys(user.userName)).toHaveLength(1);
  });

  it('stops waiting for cutover when the user is being offboarded, leaving its keys to the offboarding', async () => {
    // Prepare: the old key is in use, so the rotation waits for the new key
    const h = rotationHarness(baseConfig);
    const user = await seed(h, baseConfig, {});
    const creds = (await h.secrets.readCredentials(user.secretName!))!.credentials;
    await useKey(creds.accessKeyId, creds.secretAccessKey);
    const started = await startRotation(h.workflows, baseConfig, {
      userName: user.userName,
      accessKeyId: creds.accessKeyId,
      requestedBy: 'test',
      trigger: 'on-demand',
    });
    await h.nextNotification('rotation.started');
    // Act: an offboarding disables the user
    await h.clients.iam.send(
      new TagUserCommand({ UserName: user.userName, Tags: [{ Key: 'iam-lifecycle:offboarding', Value: 'disabled' }] }),
    );
    const summary = await h.workflows.wait('rotation', started.executionName);
    // Assess
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.output).toMatchObject({ cutover: { decision: 'abandoned' } });
    expect(h.notifications.sent.map((n) => n.type)).toEqual(['rotation.started', 'rotation.abandoned']);
    expect(await h.iam.listAccessKeys(user.userName)).toHaveLength(2); // nothing deleted by the rotation
  });

  it('a failing step is caught: rotation.failed is sent and the user keeps a stored, active key', async () => {
    // Prepare: someone deactivates the new key while the rotation waits for cutover
    const h = rotationHarness(baseConfig);
    const user = await seed(h, baseConfig, {});
    const creds = (await h.secrets.readCredentials(user.secretName!))!.credentials;
    await useKey(creds.accessKeyId, creds.secretAccessKey); // keeps the rotation waiting for the new key
    const started = await startRotation(h.workflows, baseConfig, {
      userName: user.userName,
      accessKeyId: creds.accessKeyId,
      requestedBy: 'test',
      trigger: 'on-demand',
    });
    const notice = await h.nextNotification('rotation.started');
    await h.clients.iam.send(
      new UpdateAccessKeyCommand({ UserName: user.userName, AccessKeyId: notice.newAccessKeyId as string, Status: 'Inactive' }),
    );
    const fresh = (await h.secrets.readCredentials(user.secretName!))!.credentials;
    await useKey(fresh.accessKeyId, fresh.secretAccessKey);
    // Act
    const summary = await h.workflows.wait('rotation', started.executionName);
    // Assess
    expect(summary).toMatchObject({ status: 'FAILED', error: 'RotationFailed' });
    const failed = h.notifications.sent.find((n) => n.type === 'rotation.failed');
    expect(failed).toMatchObject({ userName: user.userName, errorName: 'SafetyCheckError' });
    expect(String(failed!.errorMessage)).toContain('is not active');
    const keys = await h.iam.listAccessKeys(user.userName);
    expect(keys.find((k) => k.accessKeyId === creds.accessKeyId)?.status).toBe('Active');
  });
});

describe('key-rotation.asl.json: a rotation that may wait forever ends cleanly and is resumed', () => {
  // Two checks per execution (a tiny stand-in for the computed limit), notify at the deadline.
  const config = parseConfig({ ...baseConfig, cutoverChecksPerExecution: 2 });

  it('ends `continued` after its checks, then a new attempt resumes the same keys without a new key', async () => {
    // Prepare: the old key is in use and the new key is not picked up yet
    const h = rotationHarness(config);
    const user = await seed(h, config, {});
    const creds = (await h.secrets.readCredentials(user.secretName!))!.credentials;
    await useKey(creds.accessKeyId, creds.secretAccessKey);
    // Act 1: the first attempt runs its two checks and ends
    const first = await startRotation(h.workflows, config, {
      userName: user.userName,
      accessKeyId: creds.accessKeyId,
      requestedBy: 'test',
      trigger: 'scheduled',
    });
    const firstSummary = await h.workflows.wait('rotation', first.executionName);
    // Assess 1
    expect(firstSummary.status).toBe('SUCCEEDED');
    const output = firstSummary.output as { status: string; newAccessKeyId: string; startedAt: string; deadlineAt: string };
    expect(output).toMatchObject({ status: 'continued', oldAccessKeyId: creds.accessKeyId, trigger: 'scheduled' });
    const checks = h.workflows
      .history('rotation', first.executionName)
      .filter((e) => e.type === 'StateEntered' && e.stateName === 'CheckCutover');
    expect(checks).toHaveLength(2);
    expect(h.notifications.sent.map((n) => n.type)).toEqual(['rotation.started', 'rotation.continued']);
    const keysBetween = await h.iam.listAccessKeys(user.userName);
    expect(keysBetween.map((k) => [k.accessKeyId, k.status]).sort()).toEqual(
      [
        [creds.accessKeyId, 'Active'],
        [output.newAccessKeyId, 'Active'],
      ].sort(),
    );

    // Act 2: the workload moves to the new key; an on-demand rotate resumes the rotation
    const fresh = (await h.secrets.readCredentials(user.secretName!))!.credentials;
    expect(fresh.accessKeyId).toBe(output.newAccessKeyId);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the old key's quiet period
    await useKey(fresh.accessKeyId, fresh.secretAccessKey);
    // (on-demand, no key named: of the two active keys it picks the one whose rotation continued)
    const second = await startOnDemandRotation(
      { iam: h.iam, workflows: h.workflows, config },
      { userName: user.userName, requestedBy: 'test' },
    );
    const secondSummary = await h.workflows.wait('rotation', second.executionName);
    // Assess 2: a new numbered attempt for the same exact keys, the original start and deadline
    expect(second).toMatchObject({ executionName: `${first.executionName}-2`, accessKeyId: creds.accessKeyId });
    expect(secondSummary.output).toMatchObject({
      status: 'completed',
      retiredAccessKeyId: creds.accessKeyId,
      currentAccessKeyId: output.newAccessKeyId,
    });
    const prepared = h.workflows
      .history('rotation', second.executionName)
      .find((e) => e.type === 'StateExited' && e.stateName === 'Prepare')!.output as {
      status: string;
      startedAt: string;
      deadlineAt: string;
      resumedFrom: string;
    };
    expect(prepared).toMatchObject({
      status: 'resumed',
      startedAt: output.startedAt,
      deadlineAt: output.deadlineAt,
      resumedFrom: first.executionName,
    });
    const entered = h.workflows
      .history('rotation', second.executionName)
      .filter((e) => e.type === 'StateEntered')
      .map((e) => e.stateName);
    expect(entered).not.toContain('CreateAndStoreKey');
    expect((await h.iam.listAccessKeys(user.userName)).map((k) => k.accessKeyId)).toEqual([output.newAccessKeyId]);
    expect(h.notifications.sent.filter((n) => n.type === 'rotation.started')).toHaveLength(1);
  });

  it('a continued rotation is not resumed when the secret no longer holds its new key', async () => {
    // Prepare: attempt 1 ends continued, then someone puts the old key back as AWSCURRENT
    const h = rotationHarness(config);
    const user = await seed(h, config, {});
    const creds = (await h.secrets.readCredentials(user.secretName!))!.credentials;
    await useKey(creds.accessKeyId, creds.secretAccessKey);
    const first = await run(h, config, user.userName, creds.accessKeyId);
    expect(first.summary.output).toMatchObject({ status: 'continued' });
    await h.secrets.storeKey(
      user.secretName!,
      user.userName,
      { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, createdAt: new Date() },
      'put-back-old-key-0000000000000000',
    );
    // Act
    const again = await run(h, config, user.userName, creds.accessKeyId);
    // Assess
    expect(again.summary.output).toMatchObject({ status: 'blocked', code: 'two-active-keys' });
    expect((await h.iam.listAccessKeys(user.userName)).map((k) => k.status)).toEqual(['Active', 'Active']);
  });

  it('two active keys are still refused when the previous attempt did not end `continued`', async () => {
    // Prepare: an attempt that ended another way (blocked), and a second active key nobody stored
    const h = rotationHarness(config);
    const user = await seed(h, config, { keys: 2 });
    // Created clearly before the first attempt: not mistaken for a key that attempt created and lost.
    await new Promise((resolve) => setTimeout(resolve, CLOCK_SKEW_ALLOWANCE_MS + 200));
    const oldKey = user.accessKeyIds[0]!;
    const first = await run(h, config, user.userName, oldKey);
    expect(first.summary.output).toMatchObject({ status: 'blocked', code: 'two-active-keys' });
    // Act
    const again = await run(h, config, user.userName, oldKey);
    // Assess
    expect(again.started.executionName).toBe(`${first.started.executionName}-2`);
    expect(again.summary.output).toMatchObject({ status: 'blocked', code: 'two-active-keys' });
    expect((await h.iam.listAccessKeys(user.userName)).map((k) => k.status)).toEqual(['Active', 'Active']);
  });
});

describe('rollback of a rotation started because its key was exposed', () => {
  it.each([
    ['exposure', 'refused'],
    ['on-demand', 'allowed'],
  ] as const)('trigger %s: rollback is %s', async (trigger, expected) => {
    // Prepare: a rotation in its grace period (old key deactivated)
    const h = rotationHarness(baseConfig);
    const user = await seed(h, baseConfig, {});
    const oldKey = user.accessKeyIds[0]!;
    const started = await startRotation(h.workflows, baseConfig, {
      userName: user.userName,
      accessKeyId: oldKey,
      requestedBy: 'test',
      trigger,
    });
    await h.nextNotification('rotation.key-deactivated');
    // Act
    const outcome = await rollbackRotation({ iam: h.iam, workflows: h.workflows }, user.userName).catch((e: Error) => e);
    const keysAfter = await h.iam.listAccessKeys(user.userName);
    await h.workflows.wait('rotation', started.executionName);
    // Assess
    if (expected === 'refused') {
      expect(outcome).toBeInstanceOf(RollbackRefusedError);
      expect((outcome as Error).message).toContain('exposed key');
      expect(keysAfter.find((k) => k.accessKeyId === oldKey)?.status).toBe('Inactive');
    } else {
      expect(outcome).toMatchObject({ reactivatedAccessKeyId: oldKey });
      expect(keysAfter.find((k) => k.accessKeyId === oldKey)?.status).toBe('Active');
    }
  });
});
