/**
 * The exposed-key response end to end: the real exposure.asl.json and handlers against moto, with a
 * live workload reading its secret. Contain, replace, deactivate at once, report, delete after grace.
 */
import {
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  GetPolicyVersionCommand,
  GetPolicyCommand,
  ListUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { startExposureResponse } from '../../functions/exposure/start';
import { CONTAINMENT_POLICY_NAME, CONTAINMENT_STATEMENT } from '../../functions/exposure/domain';
import { seedUser } from '../../functions/local/seed';
import { startWorkload } from '../../functions/local/workload';
import { parseConfig } from '../../functions/shared/config';
import { NotInLiveExecutionError } from '../../functions/shared/execution-guard';
import { containsSecretLikeValue } from '../../functions/shared/notifier';
import { motoEndpoint, uniqueName, useKey } from '../support/aws';
import { exposureHarness, type ExposureHarness } from '../support/exposure-harness';
import { FaultInjector } from '../support/faults';

const PATH = '/exposure-it/';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// A 7-day grace period lasts one second.
const config = parseConfig({ timeScale: 86400 * 7, managedUsers: { pathPrefix: PATH } });
const RETRY_FAST = { Assess: 10, Contain: 10, CreateAndStoreKey: 10, DeactivateExposedKey: 10, DeleteExposedKey: 10 };

async function seeded(h: ExposureHarness, spec: { keys?: number; tags?: Record<string, string> } = {}) {
  const user = await seedUser(
    { iam: h.clients.iam, secrets: h.secrets, config },
    { userName: uniqueName('exp'), path: PATH, ...spec },
  );
  return { ...user, exposedKeyId: user.accessKeyIds[0]!, secretName: user.secretName! };
}

async function respond(h: ExposureHarness, accessKeyId: string) {
  const started = await startExposureResponse(
    { iam: h.iam, workflows: h.workflows },
    { accessKeyId, reason: 'found in a public repository', source: 'api' },
  );
  return { started, summary: await h.workflows.wait('exposure', started.executionName) };
}

async function inlinePolicies(h: ExposureHarness, userName: string): Promise<string[]> {
  return (await h.clients.iam.send(new ListUserPoliciesCommand({ UserName: userName }))).PolicyNames ?? [];
}

async function attachedPolicyNames(h: ExposureHarness, userName: string): Promise<string[]> {
  return (await h.iam.listAttachedPolicies(userName)).map((p) => p.policyName).sort();
}

async function policyDocument(h: ExposureHarness, policyArn: string): Promise<unknown> {
  const policy = await h.clients.iam.send(new GetPolicyCommand({ PolicyArn: policyArn }));
  const version = await h.clients.iam.send(
    new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: policy.Policy!.DefaultVersionId! }),
  );
  return JSON.parse(decodeURIComponent(version.PolicyVersion!.Document!));
}

describe('exposure response (exposure.asl.json against moto)', () => {
  it('with a live workload: contained, replaced, the exposed key inactive at once, reported, then deleted', async () => {
    // Prepare: a workload using the key; AWS's quarantine policy attached; CloudTrail saw the key
    const h = exposureHarness(config, { retryIntervalOverrides: RETRY_FAST });
    const user = await seeded(h);
    const quarantine = await h.clients.iam.send(
      new CreatePolicyCommand({
        PolicyName: uniqueName('AWSCompromisedKeyQuarantineV3'),
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' }],
        }),
      }),
    );
    await h.clients.iam.send(new AttachUserPolicyCommand({ UserName: user.userName, PolicyArn: quarantine.Policy!.Arn! }));
    h.recorded.push(
      {
        accessKeyId: user.exposedKeyId,
        eventName: 'ListBuckets',
        eventTime: new Date(Date.now() - 3_600_000),
        sourceIPAddress: '203.0.113.9',
        awsRegion: 'eu-west-1',
      },
      {
        accessKeyId: user.exposedKeyId,
        eventName: 'GetCallerIdentity',
        eventTime: new Date(Date.now() - 60_000),
        sourceIPAddress: '198.51.100.7',
        awsRegion: 'us-east-1',
      },
      { accessKeyId: 'AKIAANOTHERKEY000001', eventName: 'DeleteBucket', eventTime: new Date(), sourceIPAddress: '192.0.2.1' },
    );
    const workload = startWorkload({
      userName: user.userName,
      secretName: user.secretName,
      endpoint: motoEndpoint(),
      secrets: h.secrets,
      iam: h.iam,
      callIntervalMs: 50,
      reloadIntervalMs: 100,
    });
    while (workload.stats.calls < 3) await sleep(25);

    // Act
    const started = await startExposureResponse(
      { iam: h.iam, workflows: h.workflows },
      {
        accessKeyId: user.exposedKeyId,
        reason: 'found in a public repository',
        source: 'health',
        eventId: 'arn:aws:health:global::event/RISK/X/1',
      },
    );
    while (!h.notifications.sent.some((n) => n.type === 'key.exposed')) await sleep(20);
    const duringGrace = await h.iam.listAccessKeys(user.userName);
    const summary = await h.workflows.wait('exposure', started.executionName);
    await sleep(400); // the workload reloads and keeps calling on the replacement
    const stats = await workload.stop();

    // Assess: the workflow, the keys, the secret, the policies
    expect(summary.status).toBe('SUCCEEDED');
    const stored = await h.secrets.currentKey(user.secretName);
    expect(stored!.accessKeyId).not.toBe(user.exposedKeyId);
    expect(duringGrace).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ accessKeyId: user.exposedKeyId, status: 'Inactive' }),
        expect.objectContaining({ accessKeyId: stored!.accessKeyId, status: 'Active' }),
      ]),
    );
    expect(await h.iam.listAccessKeys(user.userName)).toEqual([
      expect.objectContaining({ accessKeyId: stored!.accessKeyId, status: 'Active' }),
    ]);
    // contained by the stack's managed policy (no inline policy), kept attached next to AWS's quarantine
    expect(await inlinePolicies(h, user.userName)).toEqual([]);
    const attached = await h.iam.listAttachedPolicies(user.userName);
    expect(attached.map((p) => p.policyName).sort()).toEqual([CONTAINMENT_POLICY_NAME, quarantine.Policy!.PolicyName!].sort());
    const containment = attached.find((p) => p.policyName === CONTAINMENT_POLICY_NAME)!;
    expect(await policyDocument(h, containment.policyArn)).toEqual({ Version: '2012-10-17', Statement: [CONTAINMENT_STATEMENT] });
    // the workload: it moved to the replacement and no call on it failed
    expect(stats.keysUsed).toEqual([user.exposedKeyId, stored!.accessKeyId]);
    expect(stats.failures.filter((f) => f.accessKeyId === stored!.accessKeyId)).toEqual([]);
    expect(stats.calls).toBeGreaterThan(stats.failed);
    // the notification: what was done and the key's activity, never a secret
    const exposed = h.notifications.sent.find((n) => n.type === 'key.exposed')!;
    expect(exposed).toMatchObject({
      userName: user.userName,
      accessKeyId: user.exposedKeyId,
      action: 'contained',
      source: 'health',
      replacementAccessKeyId: stored!.accessKeyId,
      deactivated: true,
      quarantinePoliciesLeftInPlace: [quarantine.Policy!.PolicyName],
      containmentPolicy: { policyArn: containment.policyArn, keptAttached: true },
      activity: {
        eventCount: 2,
        eventNames: [
          { name: 'GetCallerIdentity', count: 1 },
          { name: 'ListBuckets', count: 1 },
        ],
        sourceIps: ['198.51.100.7', '203.0.113.9'],
        regions: ['eu-west-1', 'us-east-1'],
        truncated: false,
      },
    });
    expect(h.notifications.sent.map((n) => n.type)).toEqual(['key.exposed', 'exposure.completed']);
    expect(h.notifications.sent.some((n) => containsSecretLikeValue(JSON.stringify(n)))).toBe(false);
    // the execution history holds key ids, never the replacement's secret
    const secret = (await h.secrets.readCredentials(user.secretName))!.credentials.secretAccessKey;
    const history = JSON.stringify(h.workflows.history('exposure', started.executionName));
    expect(history).toContain(stored!.accessKeyId);
    expect(history).not.toContain(secret);
    expect(containsSecretLikeValue(history)).toBe(false);
  });

  it('a protected user: key.exposed only, nothing changed', async () => {
    // Prepare
    const h = exposureHarness(config, { retryIntervalOverrides: RETRY_FAST });
    const user = await seeded(h, { tags: { 'iam-lifecycle:protected': 'true' } });
    // Act
    const { summary } = await respond(h, user.exposedKeyId);
    // Assess
    expect(summary.status).toBe('SUCCEEDED');
    expect(await h.iam.listAccessKeys(user.userName)).toEqual([
      expect.objectContaining({ accessKeyId: user.exposedKeyId, status: 'Active' }),
    ]);
    expect(await inlinePolicies(h, user.userName)).toEqual([]);
    expect(await attachedPolicyNames(h, user.userName)).toEqual([]);
    expect(h.notifications.sent).toEqual([
      expect.objectContaining({ type: 'key.exposed', action: 'notify-only', accessKeyId: user.exposedKeyId, deactivated: false }),
    ]);
  });

  it('a user with two keys: contained and deactivated without a replacement, and the notification says so', async () => {
    // Prepare
    const h = exposureHarness(config, { retryIntervalOverrides: RETRY_FAST });
    const user = await seeded(h, { keys: 2 });
    const otherKeyId = user.accessKeyIds[1]!;
    await sleep(2500); // both keys older than the start (a key of the start's second is taken for the response's own)
    // Act
    const { summary } = await respond(h, user.exposedKeyId);
    // Assess
    expect(summary.status).toBe('SUCCEEDED');
    expect(await h.iam.listAccessKeys(user.userName)).toEqual([
      expect.objectContaining({ accessKeyId: otherKeyId, status: 'Active' }),
    ]);
    expect((await h.secrets.currentKey(user.secretName))!.accessKeyId).toBe(user.exposedKeyId);
    expect(await attachedPolicyNames(h, user.userName)).toEqual([CONTAINMENT_POLICY_NAME]);
    const exposed = h.notifications.sent.find((n) => n.type === 'key.exposed');
    expect(exposed).toMatchObject({ replacementAccessKeyId: null, deactivated: true });
    expect(String(exposed!.note)).toContain(`no replacement: the user already has a second key (${otherKeyId})`);
  });

  it('a second report of the same key joins the response already started', async () => {
    // Prepare
    const h = exposureHarness(config, { retryIntervalOverrides: RETRY_FAST });
    const user = await seeded(h);
    const request = { accessKeyId: user.exposedKeyId, reason: 'reported twice', source: 'health' as const };
    // Act
    const first = await startExposureResponse({ iam: h.iam, workflows: h.workflows }, request);
    const second = await startExposureResponse({ iam: h.iam, workflows: h.workflows }, request);
    await h.workflows.wait('exposure', first.executionName);
    // Assess
    expect(first).toEqual({
      executionName: `expose-${user.userName}-${user.exposedKeyId}`,
      started: true,
      userName: user.userName,
    });
    expect(second).toEqual({ ...first, started: false });
    expect((await h.workflows.list('exposure')).length).toBe(1);
    expect(h.notifications.sent.filter((n) => n.type === 'key.exposed')).toHaveLength(1);
  });

  it('CreateAccessKey answer lost: the key it made is reconciled, one replacement stored, no third key', async () => {
    // Prepare
    const h = exposureHarness(config, { retryIntervalOverrides: RETRY_FAST });
    const injector = new FaultInjector().install(h.clients.iam, h.clients.secrets);
    const user = await seeded(h);
    injector.arm({ kind: 'answer-lost', command: 'CreateAccessKeyCommand' });
    // Act
    const { summary } = await respond(h, user.exposedKeyId);
    injector.arm(undefined);
    // Assess
    expect(injector.injected).toEqual([expect.stringContaining('CreateAccessKeyCommand answer-lost')]);
    expect(summary.status).toBe('SUCCEEDED');
    const stored = await h.secrets.currentKey(user.secretName);
    expect(await h.iam.listAccessKeys(user.userName)).toEqual([
      expect.objectContaining({ accessKeyId: stored!.accessKeyId, status: 'Active' }),
    ]);
    expect(stored!.accessKeyId).not.toBe(user.exposedKeyId);
  });

  it('a step invoked outside a live exposure execution is refused and changes nothing', async () => {
    // Prepare
    const h = exposureHarness(config);
    const user = await seeded(h);
    const forged = {
      status: 'respond' as const,
      userName: user.userName,
      userId: 'x',
      accessKeyId: user.exposedKeyId,
      oldAccessKeyId: user.exposedKeyId,
      executionId: h.workflows.executionArn('exposure', 'forged'),
      executionName: 'forged',
      startedAt: new Date().toISOString(),
      reason: '',
      source: 'api',
      replace: false,
      note: '',
      quarantinePolicies: [],
      secretName: user.secretName,
      timing: { gracePeriodSeconds: 1 },
    };
    // Act + Assess
    await expect(h.handlers.deactivateExposedKey(forged)).rejects.toThrow(NotInLiveExecutionError);
    expect(await h.iam.listAccessKeys(user.userName)).toEqual([expect.objectContaining({ status: 'Active' })]);
  });
});

describe('exposure response when the replacement cannot be made', () => {
  it('a key somebody created and used during the response: the exposed key is still deactivated, the failure reported', async () => {
    // Prepare: between Contain and CreateAndStoreKey someone (the attacker?) creates a key and uses it
    const h = exposureHarness(config, {
      retryIntervalOverrides: RETRY_FAST,
      wrap: (real) => ({
        ...real,
        contain: async (state) => {
          const out = await real.contain(state);
          const created = await h.iam.createAccessKey(state.userName);
          foreignKeyId = created.accessKeyId;
          await useKey(created.accessKeyId, created.secretAccessKey);
          return out;
        },
      }),
    });
    let foreignKeyId = '';
    const user = await seeded(h);
    // Act
    const { summary } = await respond(h, user.exposedKeyId);
    // Assess: refused to touch the foreign key, yet the exposed key is gone; the secret still names it
    expect(summary.status).toBe('SUCCEEDED');
    expect(await h.iam.listAccessKeys(user.userName)).toEqual([
      expect.objectContaining({ accessKeyId: foreignKeyId, status: 'Active' }),
    ]);
    const exposed = h.notifications.sent.find((n) => n.type === 'key.exposed');
    expect(exposed).toMatchObject({
      replacementAccessKeyId: null,
      deactivated: true,
      replacementFailed: { errorName: 'KeyStateError' },
    });
    expect(h.notifications.sent.map((n) => n.type)).toEqual(['rotation.foreign-key', 'key.exposed', 'exposure.completed']);
  });
});
