/**
 * Issue 8, reactions 1-5 against moto: fixture CloudTrail events (AWS's documented shape) fed to
 * the real handler over the real IAM and S3 adapters. Every kind in scope, out of scope and on a
 * protected user; a duplicate eventID acted on once; an event of the stack's own role ignored
 * without one IAM call; a re-enable during an offboarding's observation re-disabled and in the
 * final record.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateGroupCommand,
  CreateUserCommand,
  ListAccessKeysCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  PutUserPolicyCommand,
  TagUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { recordKeys } from '../../functions/offboarding/domain';
import type { FinalRecord } from '../../functions/offboarding/handlers';
import { ensureLocalDenyPolicy } from '../../functions/offboarding/local';
import { startOffboarding } from '../../functions/offboarding/service';
import { makeReactionHandler } from '../../functions/reactions/handler';
import { localReactions } from '../../functions/reactions/local';
import { createLocalEnvironment } from '../../functions/local/environment';
import { parseConfig, type LifecycleConfig } from '../../functions/shared/config';
import { IamUsers } from '../../functions/shared/iam/users';
import { RecordingNotifier } from '../../functions/shared/notifier';
import { SnapshotStore } from '../../functions/shared/snapshot-store';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';
import { waitFor } from '../support/iam-fixtures';
import { offboardingHarness, recordCalls } from '../support/offboarding-harness';

jest.setTimeout(90_000);

const STACK_ROLE = 'arn:aws:iam::123456789012:role/iam-lifecycle-DisableUserRole';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A fixture with the user, request parameters and a fresh eventID (unless given). */
function event(
  name: string,
  params: Record<string, unknown>,
  extra: { eventID?: string; issuer?: string; response?: unknown } = {},
) {
  const raw = JSON.parse(readFileSync(join(__dirname, '../fixtures/events', `${name}.json`), 'utf8'));
  raw.detail.requestParameters = { ...raw.detail.requestParameters, ...params };
  raw.detail.eventID = extra.eventID ?? randomUUID();
  if (extra.response !== undefined) raw.detail.responseElements = extra.response;
  if (extra.issuer) raw.detail.userIdentity.sessionContext.sessionIssuer.arn = extra.issuer;
  return raw;
}

async function setup(configJson: Record<string, unknown> = {}) {
  const clients = testClients();
  const bucket = uniqueName('reactions-it');
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  const denyPolicyArn = await ensureLocalDenyPolicy(clients.iam);
  const config: LifecycleConfig = parseConfig({ managedUsers: { pathPrefix: '/react/' }, ...configJson });
  const notifications = new RecordingNotifier();
  const iam = new IamUsers(clients.iam);
  const deps = {
    iam,
    records: new SnapshotStore(clients.s3, bucket),
    notifier: notifications,
    config,
    clock: () => new Date(),
    logger: quiet,
    ownPrincipalArns: [STACK_ROLE],
    denyPolicyArn,
  };
  return { clients, bucket, denyPolicyArn, config, notifications, react: makeReactionHandler(deps) };
}

async function user(s: Awaited<ReturnType<typeof setup>>, prefix: string, path = '/react/', tags: Record<string, string> = {}) {
  const userName = uniqueName(prefix);
  await s.clients.iam.send(
    new CreateUserCommand({ UserName: userName, Path: path, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }),
  );
  return userName;
}

async function keyStatus(s: Awaited<ReturnType<typeof setup>>, userName: string, accessKeyId: string) {
  const keys = (await s.clients.iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
  return keys.find((k) => k.AccessKeyId === accessKeyId)?.Status;
}

async function createKey(s: Awaited<ReturnType<typeof setup>>, userName: string) {
  const key = (await s.clients.iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  const response = {
    accessKey: { userName, accessKeyId: key.AccessKeyId, status: 'Active', createDate: 'Nov 30, 2026 10:00:01 AM' },
  };
  return { accessKeyId: key.AccessKeyId!, event: event('CreateAccessKey', { userName }, { response }) };
}

it('key created outside a rotation: notify by default; deactivate at once when configured; protected users notify only', async () => {
  // Prepare
  const notifyOnly = await setup();
  const acting = await setup({ reactions: { outOfBandKey: 'deactivate' } });
  const plain = await user(notifyOnly, 'oob');
  const managed = await user(acting, 'oob-act');
  const guarded = await user(acting, 'oob-prot', '/react/', { 'iam-lifecycle:protected': 'yes' });
  const a = await createKey(notifyOnly, plain);
  const b = await createKey(acting, managed);
  const c = await createKey(acting, guarded);
  // Act
  const outcomes = [await notifyOnly.react(a.event), await acting.react(b.event), await acting.react(c.event)];
  // Assess
  expect(outcomes.map((o) => [o.result, 'mode' in o ? o.mode : o.reason])).toEqual([
    ['reacted', 'notify'],
    ['reacted', 'act'],
    ['reacted', 'notify'],
  ]);
  expect(await keyStatus(notifyOnly, plain, a.accessKeyId)).toBe('Active');
  expect(await keyStatus(acting, managed, b.accessKeyId)).toBe('Inactive');
  expect(await keyStatus(acting, guarded, c.accessKeyId)).toBe('Active');
  expect(notifyOnly.notifications.sent).toEqual([
    expect.objectContaining({
      type: 'key.out-of-band',
      userName: plain,
      accessKeyId: a.accessKeyId,
      action: 'none',
      by: expect.objectContaining({ sessionIssuer: 'arn:aws:iam::123456789012:role/AdminRole' }),
    }),
  ]);
  expect(acting.notifications.sent.map((n) => [n.type, n.action, n.protected])).toEqual([
    ['key.out-of-band', 'deactivated', undefined],
    ['key.out-of-band', 'none', true],
  ]);
});

it('out-of-scope users are ignored after one read; the stack’s own role costs no IAM call at all', async () => {
  // Prepare
  const s = await setup({ reactions: { outOfBandKey: 'deactivate' } });
  const outside = await user(s, 'oob-out', '/');
  const inside = await user(s, 'oob-own');
  const a = await createKey(s, outside);
  const b = await createKey(s, inside);
  const calls = recordCalls([s.clients.iam]);
  // Act
  const ignoredOutside = await s.react(a.event);
  const mark = calls.length;
  const own = await s.react({
    ...b.event,
    detail: {
      ...b.event.detail,
      userIdentity: { ...b.event.detail.userIdentity, sessionContext: { sessionIssuer: { arn: STACK_ROLE } } },
    },
  });
  // Assess
  expect(ignoredOutside).toMatchObject({ result: 'ignored', reason: 'out-of-scope' });
  expect(own).toMatchObject({ result: 'ignored', reason: 'own-role' });
  expect(calls.length).toBe(mark);
  expect(await keyStatus(s, outside, a.accessKeyId)).toBe('Active');
  expect(await keyStatus(s, inside, b.accessKeyId)).toBe('Active');
  expect(s.notifications.sent).toEqual([]);
});

it('privilege escalated: revert deletes an inline iam:* policy; admin group notified; scope tampering and MFA removal notify', async () => {
  // Prepare (moto here has no AWS managed policies: AttachUserPolicy of AdministratorAccess is covered by the unit test)
  const s = await setup({ reactions: { privilegeEscalated: 'revert' } });
  const group = uniqueName('Admins');
  const n = await setup({ reactions: { adminGroups: [group] } });
  const escalated = await user(s, 'priv');
  const watched = await user(n, 'priv-n');
  const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] });
  await s.clients.iam.send(new PutUserPolicyCommand({ UserName: escalated, PolicyName: 'everything', PolicyDocument: document }));
  await n.clients.iam.send(new CreateGroupCommand({ GroupName: group }));
  await n.clients.iam.send(new AddUserToGroupCommand({ UserName: watched, GroupName: group }));
  await n.clients.iam.send(new CreateLoginProfileCommand({ UserName: watched, Password: 'Tmp-Passw0rd-For-Test!' }));
  await n.clients.iam.send(new TagUserCommand({ UserName: watched, Tags: [{ Key: 'iam-lifecycle:protected', Value: 'true' }] }));
  // Act
  const reverted = await s.react(
    event('PutUserPolicy', { userName: escalated, policyName: 'everything', policyDocument: document }),
  );
  const notified = await n.react(event('AddUserToGroup', { userName: watched, groupName: group }));
  const tamper = await n.react(event('TagUser', { userName: watched }));
  const mfa = await n.react(event('DeactivateMFADevice', { userName: watched }));
  // Assess
  expect(reverted).toMatchObject({ kind: 'privilege-escalated', mode: 'act', done: ['reverted', 'notified'] });
  expect((await s.clients.iam.send(new ListUserPoliciesCommand({ UserName: escalated }))).PolicyNames).toEqual([]);
  // The user became protected by the TagUser (applied before these events arrive): notify only.
  expect(notified).toMatchObject({ kind: 'privilege-escalated', mode: 'notify' });
  expect((await n.clients.iam.send(new ListGroupsForUserCommand({ UserName: watched }))).Groups?.map((g) => g.GroupName)).toEqual(
    [group],
  );
  expect(tamper).toMatchObject({ kind: 'scope-changed' });
  expect(mfa).toMatchObject({ kind: 'mfa-removed' });
  expect(n.notifications.sent.find((x) => x.type === 'scope.changed')).toMatchObject({
    before: {},
    after: { 'iam-lifecycle:protected': 'true' },
  });
  expect(n.notifications.sent.map((x) => x.type)).toEqual(['privilege.escalated', 'scope.changed', 'mfa.removed']);
});

it('a key re-activated during observation is inactive again, notified with who did it once, and in the final record', async () => {
  // Prepare: an offboarding with 10 s of observation and one check at its end
  const s = await setup();
  const config = parseConfig({
    managedUsers: { pathPrefix: '/react/' },
    timeScale: 86400 * 9,
    offboardingObservationDays: { default: 90, min: 90, max: 90 },
    offboardingCheckIntervalHours: 2160,
  });
  const h = offboardingHarness({ bucket: s.bucket, denyPolicyArn: s.denyPolicyArn, config });
  const react = makeReactionHandler({
    iam: h.admin,
    records: h.records,
    notifier: h.notifications,
    config,
    clock: () => new Date(),
    logger: quiet,
    ownPrincipalArns: [STACK_ROLE],
    denyPolicyArn: s.denyPolicyArn,
  });
  const userName = await user(s, 'reen');
  const key = (await s.clients.iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  const started = await startOffboarding(h.service, { userName, reason: 'reactions test' });
  await waitFor('disabled', () => h.notifications.sent.find((n) => n.type === 'offboarding.disabled' && n.userName === userName));
  await s.clients.iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: key.AccessKeyId, Status: 'Active' }));
  const reenable = event('UpdateAccessKey', { userName, accessKeyId: key.AccessKeyId });
  // Act
  const first = await react(reenable);
  const again = await react(reenable);
  // Assess
  expect(first).toMatchObject({ result: 'reacted', kind: 'reenabled', mode: 'act', done: ['re-disabled', 'notified'] });
  expect(again).toMatchObject({ result: 'ignored', reason: 'duplicate' });
  expect(await keyStatus(s, userName, key.AccessKeyId!)).toBe('Inactive');
  const sent = h.notifications.sent.filter((n) => n.type === 'offboarding.reenabled');
  expect(sent).toEqual([
    expect.objectContaining({
      userName,
      executionName: started.executionName,
      eventID: reenable.detail.eventID,
      by: expect.objectContaining({ arn: reenable.detail.userIdentity.arn }),
    }),
  ]);
  await waitFor(
    'completed',
    () => h.notifications.sent.find((n) => n.type === 'offboarding.completed' && n.userName === userName),
    40_000,
  );
  const final = await h.records.get<FinalRecord>(recordKeys(userName, started.executionName).finalRecord);
  expect(final).toMatchObject({
    outcome: 'completed',
    reenabledCount: 1,
    reenabledByReactions: [
      expect.objectContaining({ eventID: reenable.detail.eventID, eventName: 'UpdateAccessKey', disabledAgain: true }),
    ],
  });
});

it('the local wiring reacts over the local environment (its IAM, records bucket and notifications)', async () => {
  // Prepare
  const env = createLocalEnvironment({
    endpoint: motoEndpoint(),
    config: parseConfig({ managedUsers: { pathPrefix: '/react/' } }),
    snapshotBucket: uniqueName('reactions-local'),
    logger: quiet,
  });
  await env.ready();
  const userName = uniqueName('local-oob');
  await env.clients.iam.send(new CreateUserCommand({ UserName: userName, Path: '/react/' }));
  const key = (await env.clients.iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  const response = { accessKey: { userName, accessKeyId: key.AccessKeyId, status: 'Active' } };
  // Act
  const outcome = await localReactions(env)(event('CreateAccessKey', { userName }, { response }));
  // Assess
  expect(outcome).toMatchObject({ result: 'reacted', kind: 'out-of-band-key', mode: 'notify' });
  expect(env.notifications.sent).toEqual([
    expect.objectContaining({ type: 'key.out-of-band', userName, accessKeyId: key.AccessKeyId }),
  ]);
});
