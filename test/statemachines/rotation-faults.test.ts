/**
 * No key is lost silently (issue #6, section 6): faults injected into the real SDK clients of a
 * rotation running the real ASL against moto. The SDK retries for real; an "answer lost" fault lets
 * the call take effect in moto and then drops the answer, exactly what a reset connection does.
 */
import { parseConfig, type LifecycleConfig } from '../../functions/shared/config';
import { seedUser } from '../../functions/local/seed';
import { startRotation } from '../../functions/rotation/start';
import { uniqueName, useKey } from '../support/aws';
import { CreateAccessKeyCommand, DeleteAccessKeyCommand } from '@aws-sdk/client-iam';
import { KeyStateError } from '../../functions/shared/errors';
import type { RotationState } from '../../functions/rotation/handlers';
import { FAULT_KINDS, FaultInjector, type Fault } from '../support/faults';
import { rotationHarness, type RotationHarness } from '../support/rotation-harness';

const PATH = '/rotation-faults/';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const config = parseConfig({ timeScale: 86400 * 7, managedUsers: { pathPrefix: PATH } });

async function seeded(h: RotationHarness, cfg: LifecycleConfig) {
  const user = await seedUser(
    { iam: h.clients.iam, secrets: h.secrets, config: cfg },
    { userName: uniqueName('flt'), path: PATH },
  );
  return { ...user, oldKeyId: user.accessKeyIds[0]!, secretName: user.secretName! };
}

const RETRY_FAST = { Prepare: 10, CreateAndStoreKey: 10, CheckCutover: 10, DeactivateOldKey: 10, FinishRotation: 10 };

/** A harness with every client call counted, and a seeded user (its key is the one to rotate). */
async function prepareRun(options: { waitTimeOverrides?: Record<string, number> } = {}) {
  const h = rotationHarness(config, { retryIntervalOverrides: RETRY_FAST, ...options });
  const injector = new FaultInjector().install(h.clients.iam, h.clients.secrets);
  const user = await seeded(h, config);
  return { h, injector, user };
}

/** Runs one rotation of a prepared user with the fault armed from its first call. */
async function runWithFault(run: Awaited<ReturnType<typeof prepareRun>>, fault: Fault | undefined) {
  const { h, injector, user } = run;
  injector.calls.length = 0;
  injector.arm(fault);
  const started = await startRotation(h.workflows, config, {
    userName: user.userName,
    accessKeyId: user.oldKeyId,
    requestedBy: 'test',
    trigger: 'on-demand',
  });
  const summary = await h.workflows.wait('rotation', started.executionName);
  injector.arm(undefined);
  return { ...run, summary };
}

async function rotateWithFault(fault: Fault | undefined) {
  return runWithFault(await prepareRun(), fault);
}

describe('rotation under injected faults (real SDK retries against moto)', () => {
  it('CreateAccessKey answer lost: the SDK retry hits LimitExceeded, the step reconciles and the rotation completes', async () => {
    // Prepare + Act
    const { h, injector, user, summary } = await rotateWithFault({ kind: 'answer-lost', command: 'CreateAccessKeyCommand' });
    // Assess: the fault really happened, and the SDK's own retry hit the two-key limit
    expect(injector.injected).toEqual([expect.stringContaining('CreateAccessKeyCommand answer-lost')]);
    expect(injector.calls.filter((c) => c === 'CreateAccessKeyCommand').length).toBeGreaterThanOrEqual(3);
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.output).toMatchObject({ status: 'completed', retiredAccessKeyId: user.oldKeyId });
    const keys = await h.iam.listAccessKeys(user.userName);
    const stored = await h.secrets.currentKey(user.secretName);
    expect(keys).toEqual([expect.objectContaining({ accessKeyId: stored!.accessKeyId, status: 'Active' })]);
    expect(h.notifications.sent.map((n) => n.type)).toEqual([
      'rotation.started',
      'rotation.key-deactivated',
      'rotation.completed',
    ]);
  });

  it('a key somebody else created and used during the rotation is reported and never deleted', async () => {
    // Prepare: between Prepare and CreateAndStoreKey a person creates a second key and uses it
    let foreign: { accessKeyId: string; secretAccessKey: string } | undefined;
    const h = rotationHarness(config, {
      wrap: (real) => ({
        ...real,
        createAndStore: async (state: RotationState) => {
          if (!foreign) {
            const { AccessKey } = await h.clients.iam.send(new CreateAccessKeyCommand({ UserName: state.userName }));
            foreign = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
            await useKey(foreign.accessKeyId, foreign.secretAccessKey);
          }
          return real.createAndStore(state);
        },
      }),
    });
    const user = await seeded(h, config);
    // Act
    const { summary } = await runOnce(h, user);
    // Assess
    expect(summary.status).toBe('FAILED');
    expect(h.notifications.sent).toContainEqual(
      expect.objectContaining({ type: 'rotation.foreign-key', userName: user.userName, accessKeyId: foreign!.accessKeyId }),
    );
    expect(h.notifications.sent.find((n) => n.type === 'rotation.failed')).toMatchObject({ errorName: 'KeyStateError' });
    const keys = await h.iam.listAccessKeys(user.userName);
    expect(keys.map((k) => [k.accessKeyId, k.status]).sort()).toEqual(
      [
        [user.oldKeyId, 'Active'],
        [foreign!.accessKeyId, 'Active'],
      ].sort(),
    );
    expect((await h.secrets.currentKey(user.secretName))!.accessKeyId).toBe(user.oldKeyId);
    expect(JSON.stringify(h.notifications.sent)).not.toContain(foreign!.secretAccessKey);
  });

  describe('a key an earlier attempt created and lost', () => {
    /** Attempt 1 creates a key and then fails for good before storing it (the answer never came back). */
    async function failedFirstAttempt() {
      let lost: string | undefined;
      const h = rotationHarness(config, {
        wrap: (real) => ({
          ...real,
          createAndStore: async (state: RotationState) => {
            if (lost === undefined) {
              lost = (await h.iam.createAccessKey(state.userName)).accessKeyId;
              throw new KeyStateError('simulated: the CreateAccessKey answer was lost and the step gave up');
            }
            return real.createAndStore(state);
          },
        }),
      });
      const user = await seeded(h, config);
      const first = await startRotation(h.workflows, config, {
        userName: user.userName,
        accessKeyId: user.oldKeyId,
        requestedBy: 'test',
        trigger: 'on-demand',
      });
      const firstSummary = await h.workflows.wait('rotation', first.executionName);
      return { h, user, lostKeyId: lost!, firstSummary };
    }

    it('a later attempt recognises it (never used, not stored, created inside attempt 1), removes it with a notification and rotates', async () => {
      // Prepare
      const { h, user, lostKeyId, firstSummary } = await failedFirstAttempt();
      expect(firstSummary.status).toBe('FAILED');
      expect((await h.iam.listAccessKeys(user.userName)).filter((k) => k.status === 'Active')).toHaveLength(2);
      // Act
      const second = await startRotation(h.workflows, config, {
        userName: user.userName,
        accessKeyId: user.oldKeyId,
        requestedBy: 'scan',
        trigger: 'on-demand',
      });
      const summary = await h.workflows.wait('rotation', second.executionName);
      // Assess
      expect(second.executionName).toMatch(/-2$/);
      expect(summary.output).toMatchObject({ status: 'completed', retiredAccessKeyId: user.oldKeyId });
      expect(h.notifications.sent).toContainEqual(
        expect.objectContaining({ type: 'rotation.key-removed', accessKeyId: lostKeyId, why: 'orphan-of-earlier-attempt' }),
      );
      const keys = await h.iam.listAccessKeys(user.userName);
      const stored = await h.secrets.currentKey(user.secretName);
      expect(keys.map((k) => k.accessKeyId)).toEqual([stored!.accessKeyId]);
      expect([user.oldKeyId, lostKeyId]).not.toContain(stored!.accessKeyId);
    });

    it('is kept and the rotation refused when that key has been used since (somebody holds its secret)', async () => {
      // Prepare
      const { h, user, lostKeyId } = await failedFirstAttempt();
      await h.clients.iam.send(new DeleteAccessKeyCommand({ UserName: user.userName, AccessKeyId: lostKeyId }));
      const { AccessKey } = await h.clients.iam.send(new CreateAccessKeyCommand({ UserName: user.userName }));
      // Created after attempt 1 ended: outside its window, whatever its use.
      await useKey(AccessKey!.AccessKeyId!, AccessKey!.SecretAccessKey!);
      // Act
      const { summary } = await runOnce(h, user);
      // Assess
      expect(summary.output).toMatchObject({ status: 'blocked', code: 'two-active-keys' });
      expect((await h.iam.listAccessKeys(user.userName)).map((k) => k.accessKeyId).sort()).toEqual(
        [user.oldKeyId, AccessKey!.AccessKeyId!].sort(),
      );
    });

    it('is kept when it was used, even though it was created inside attempt 1', async () => {
      // Prepare: attempt 1 "lost" a key, but somebody does hold its secret and used it
      let lost: { accessKeyId: string; secretAccessKey: string } | undefined;
      const h = rotationHarness(config, {
        wrap: (real) => ({
          ...real,
          createAndStore: async (state: RotationState) => {
            if (lost === undefined) {
              lost = await h.iam.createAccessKey(state.userName);
              throw new KeyStateError('simulated failure after create');
            }
            return real.createAndStore(state);
          },
        }),
      });
      const user = await seeded(h, config);
      await runOnce(h, user);
      await useKey(lost!.accessKeyId, lost!.secretAccessKey);
      // Act
      const { summary } = await runOnce(h, user);
      // Assess
      expect(summary.output).toMatchObject({ status: 'blocked', code: 'two-active-keys' });
      expect((await h.iam.listAccessKeys(user.userName)).map((k) => k.accessKeyId)).toContain(lost!.accessKeyId);
      expect(h.notifications.sent.map((n) => n.type)).not.toContain('rotation.key-removed');
    });
  });
});

async function runOnce(h: RotationHarness, user: { userName: string; oldKeyId: string }) {
  const started = await startRotation(h.workflows, config, {
    userName: user.userName,
    accessKeyId: user.oldKeyId,
    requestedBy: 'test',
    trigger: 'on-demand',
  });
  return { started, summary: await h.workflows.wait('rotation', started.executionName) };
}

/**
 * One fault per run, aimed at call number N of the rotation (IAM and Secrets Manager calls counted
 * together, SDK retries included), for each fault kind. Every run must end either completed, with
 * exactly one key that is the secret's AWSCURRENT, or failed cleanly: the old key still active and
 * stored, and no other key left behind.
 */
describe('fault-injection matrix: one fault per call of a rotation, four kinds (sampled)', () => {
  const BATCH = 12;
  // No waiting for the grace period: the matrix is about the calls, not the clock.
  const fast = { waitTimeOverrides: { ObserveGracePeriod: 0, WaitForCutover: 100 } };

  it('every run ends completed with one stored key, or failed with the old key active and stored and nothing left over', async () => {
    // Prepare: the calls of an undisturbed rotation, then one seeded user per (call, kind)
    const baselineRun = await prepareRun(fast);
    await sleep(1100); // older than the quiet period: a never-used key confirms at the first check
    const baseline = await runWithFault(baselineRun, undefined);
    expect(baseline.summary.status).toBe('SUCCEEDED');
    const callCount = baseline.injector.calls.length;
    expect(callCount).toBeGreaterThan(12);
    const faults: Fault[] = [];
    // Sampled to keep the runtime modest: a lost answer at every call (the fault retries cannot
    // simply absorb), and each of the three faults before the call at every third call in turn.
    const before = FAULT_KINDS.filter((k) => k !== 'answer-lost');
    for (let callIndex = 0; callIndex < callCount; callIndex++) {
      faults.push({ kind: 'answer-lost', callIndex }, { kind: before[callIndex % before.length]!, callIndex });
    }
    const runs: Awaited<ReturnType<typeof prepareRun>>[] = [];
    for (let i = 0; i < faults.length; i += BATCH)
      runs.push(...(await Promise.all(faults.slice(i, i + BATCH).map(() => prepareRun(fast)))));
    await sleep(1100);
    // Act
    const results = [];
    for (let i = 0; i < faults.length; i += BATCH) {
      const batch = faults.slice(i, i + BATCH).map(async (fault, j) => {
        const r = await runWithFault(runs[i + j]!, fault);
        const keys = await r.h.iam.listAccessKeys(r.user.userName);
        const stored = await r.h.secrets.currentKey(r.user.secretName);
        return { ...r, fault, keys, stored };
      });
      results.push(...(await Promise.all(batch)));
    }
    // Assess
    const bad = results
      .map((r) => {
        const label = `${r.fault.kind} at call ${r.fault.callIndex} (${r.injector.injected.join(', ') || 'not reached'})`;
        const active = r.keys.filter((k) => k.status === 'Active');
        if (r.summary.status === 'SUCCEEDED') {
          const ok = r.keys.length === 1 && active.length === 1 && active[0]!.accessKeyId === r.stored?.accessKeyId;
          return ok ? undefined : `${label}: completed but keys ${JSON.stringify(r.keys)} vs stored ${r.stored?.accessKeyId}`;
        }
        const clean =
          r.keys.length === 1 && active[0]?.accessKeyId === r.user.oldKeyId && r.stored?.accessKeyId === r.user.oldKeyId;
        return clean
          ? undefined
          : `${label}: ${r.summary.status}, keys ${JSON.stringify(r.keys)}, stored ${r.stored?.accessKeyId}`;
      })
      .filter((x): x is string => x !== undefined);
    expect(bad).toEqual([]);
    // Every fault really hit its call (the runs make the same calls as the baseline).
    expect(results.filter((r) => r.injector.injected.length !== 1).map((r) => `${r.fault.kind}@${r.fault.callIndex}`)).toEqual(
      [],
    );
    expect(new Set(results.map((r) => r.injector.injected[0]?.split(' ')[1])).size).toBeGreaterThanOrEqual(10);
  }, 90_000);
});
