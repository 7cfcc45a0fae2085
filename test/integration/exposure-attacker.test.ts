/**
 * Attacker with PowerUserAccess against the exposure response (states:* and lambda:* but no IAM):
 * StartExecution of the exposure state machine with forged input, and direct invokes of its steps
 * with forged state, are refused by the steps and change nothing: no key deactivated, created or
 * deleted, no policy attached. (The API route is refused without the `rotate` group:
 * test/infra/api-policy.test.ts.)
 */
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import { exposureExecutionName } from '../../functions/shared/execution-names';
import { NotInLiveExecutionError } from '../../functions/shared/execution-guard';
import { uniqueName } from '../support/aws';
import { exposureHarness, type ExposureHarness } from '../support/exposure-harness';

const PATH = '/exposure-attack/';
// A 7-day grace period lasts 7 seconds: a legitimate response stays live while the forgeries run.
const config = parseConfig({ timeScale: 86400, managedUsers: { pathPrefix: PATH } });

async function seeded(h: ExposureHarness, spec: { path?: string; tags?: Record<string, string> } = {}) {
  const user = await seedUser(
    { iam: h.clients.iam, secrets: h.secrets, config },
    { userName: uniqueName('atk'), path: spec.path ?? PATH, ...(spec.tags ? { tags: spec.tags } : {}) },
  );
  return { ...user, keyId: user.accessKeyIds[0]! };
}

/** What an attack could change: the user's keys (id, status) and attached policies. */
async function footprint(h: ExposureHarness, userName: string) {
  const keys = (await h.iam.listAccessKeys(userName)).map((k) => `${k.accessKeyId}:${k.status}`).sort();
  const policies = (await h.iam.listAttachedPolicies(userName)).map((p) => p.policyName).sort();
  return { keys, policies };
}

describe('attacker with PowerUserAccess against the exposure response', () => {
  it('StartExecution with a foreign key, a protected user or an unmanaged user: reported only, nothing changed', async () => {
    // Prepare
    const h = exposureHarness(config, { retryIntervalOverrides: { Assess: 10 } });
    const victim = await seeded(h);
    const other = await seeded(h);
    const protectedUser = await seeded(h, { tags: { 'iam-lifecycle:protected': 'true' } });
    const unmanaged = await seeded(h, { path: '/elsewhere/' });
    const users = [victim, other, protectedUser, unmanaged];
    const before = await Promise.all(users.map((u) => footprint(h, u.userName)));
    const forged = [
      { userName: victim.userName, accessKeyId: other.keyId }, // another user's key under the victim's name
      { userName: protectedUser.userName, accessKeyId: protectedUser.keyId },
      { userName: unmanaged.userName, accessKeyId: unmanaged.keyId },
    ];
    // Act: straight to Step Functions, past every starter's checks, with made-up timing as well
    const summaries = [];
    for (const input of forged) {
      const name = exposureExecutionName(input.userName, input.accessKeyId);
      await h.workflows.start('exposure', name, {
        ...input,
        reason: 'forged',
        source: 'api',
        timing: { gracePeriodSeconds: 0 },
      });
      summaries.push(await h.workflows.wait('exposure', name));
    }
    // Assess
    expect(summaries.map((s) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(await Promise.all(users.map((u) => footprint(h, u.userName)))).toEqual(before);
    expect(h.notifications.sent.map((n) => [n.type, n.action])).toEqual([
      ['key.exposed', 'notify-only'],
      ['key.exposed', 'notify-only'],
      ['key.exposed', 'notify-only'],
    ]);
  });

  it('direct invokes of Contain, Deactivate and Delete with forged state, even naming a live execution, change nothing', async () => {
    // Prepare: a legitimate response for the victim's key is live (in its grace period)
    const h = exposureHarness(config, { retryIntervalOverrides: { Assess: 10, Contain: 10, DeactivateExposedKey: 10 } });
    const victim = await seeded(h);
    const target = await seeded(h);
    const name = exposureExecutionName(victim.userName, victim.keyId);
    await h.workflows.start('exposure', name, {
      userName: victim.userName,
      accessKeyId: victim.keyId,
      reason: 'x',
      source: 'api',
    });
    while (!h.notifications.sent.some((n) => n.type === 'key.exposed')) await new Promise((r) => setTimeout(r, 20));
    const live = h.workflows.executionArn('exposure', name);
    const targetUserId = (await h.iam.getUser(target.userName)).userId;
    const base = {
      status: 'respond' as const,
      startedAt: new Date().toISOString(),
      reason: '',
      source: 'api',
      replace: false,
      note: '',
      quarantinePolicies: [],
      secretName: target.secretName!,
      timing: { gracePeriodSeconds: 0 },
    };
    const forgeries = [
      // the victim's live execution, another user
      {
        ...base,
        userName: target.userName,
        userId: targetUserId,
        accessKeyId: target.keyId,
        oldAccessKeyId: target.keyId,
        executionId: live,
        executionName: name,
      },
      // no execution at all
      {
        ...base,
        userName: target.userName,
        userId: targetUserId,
        accessKeyId: target.keyId,
        oldAccessKeyId: target.keyId,
        executionId: h.workflows.executionArn('exposure', 'made-up'),
        executionName: 'made-up',
      },
    ];
    const before = await footprint(h, target.userName);
    // Act
    const outcomes: string[] = [];
    for (const state of forgeries) {
      for (const step of ['contain', 'deactivateExposedKey', 'deleteExposedKey'] as const) {
        outcomes.push(
          await h.handlers[step](state).then(
            () => 'accepted',
            (e: Error) => e.name,
          ),
        );
      }
    }
    const after = await footprint(h, target.userName);
    await h.workflows.wait('exposure', name);
    // Assess
    expect(outcomes).toEqual(Array(6).fill(NotInLiveExecutionError.name));
    expect(after).toEqual(before);
    expect(before.keys).toEqual([`${target.keyId}:Active`]);
  });
});
