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
import { FaultInjector, type Fault } from '../support/faults';
import { rotationHarness, type RotationHarness } from '../support/rotation-harness';

const PATH = '/rotation-faults/';
const config = parseConfig({ timeScale: 86400 * 7, managedUsers: { pathPrefix: PATH } });

async function seeded(h: RotationHarness, cfg: LifecycleConfig) {
  const user = await seedUser(
    { iam: h.clients.iam, secrets: h.secrets, config: cfg },
    { userName: uniqueName('flt'), path: PATH },
  );
  return { ...user, oldKeyId: user.accessKeyIds[0]!, secretName: user.secretName! };
}

/** Runs one rotation with the fault armed once the user is seeded. */
async function rotateWithFault(fault: Fault | undefined) {
  const h = rotationHarness(config, { retryIntervalOverrides: { Prepare: 10, CreateAndStoreKey: 10, DeactivateOldKey: 10 } });
  const injector = new FaultInjector().install(h.clients.iam, h.clients.secrets);
  const user = await seeded(h, config);
  injector.calls.length = 0;
  injector.arm(fault);
  const started = await startRotation(h.workflows, config, {
    userName: user.userName,
    accessKeyId: user.oldKeyId,
    requestedBy: 'test',
  });
  const summary = await h.workflows.wait('rotation', started.executionName);
  injector.arm(undefined);
  return { h, injector, user, summary };
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
  });
  return { started, summary: await h.workflows.wait('rotation', started.executionName) };
}
