/**
 * Expiry end to end against moto: the production scan handler (real credential report, the tags of
 * every user from GetAccountAuthorizationDetails) offboards an expired user through the offboarding
 * service onto the real offboarding ASL on the local runner, until the user is deleted; a user seven
 * days before its expiry gets exactly one reminder over two scans; a workload using another managed
 * user's key keeps working throughout. Only this file's users are asserted on (shared moto server).
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { GetUserCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { pendingApprovals } from '../../functions/offboarding/approval';
import { ensureLocalDenyPolicy } from '../../functions/offboarding/local';
import { seedUser } from '../../functions/local/seed';
import { startWorkload } from '../../functions/local/workload';
import { parseConfig } from '../../functions/shared/config';
import { containsSecretLikeValue } from '../../functions/shared/notifier';
import { SecretStore } from '../../functions/shared/secret-store';
import { countApiCalls } from '../../functions/scan/api-calls';
import { IamCredentialReportSource } from '../../functions/scan/credential-report';
import { makeScanHandler } from '../../functions/scan/handler';
import { SCAN_REQUESTER } from '../../functions/scan/signals-phase';
import { exists } from '../support/iam-fixtures';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';
import { offboardingHarness } from '../support/offboarding-harness';

jest.setTimeout(120_000);

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('offboards and deletes an expired user, reminds a user 7 days before once, leaves a live workload alone', async () => {
  // Prepare: offboarding on the real ASL (30 days of observation last 2 s), this file's own path
  const run = uniqueName('signals');
  const prefix = `/${run}/`;
  const setup = testClients();
  const bucket = uniqueName('signals-it');
  await setup.s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  const denyPolicyArn = await ensureLocalDenyPolicy(setup.iam);
  const config = parseConfig({ timeScale: 86400 * 15, maxKeyAgeDays: 3650, managedUsers: { pathPrefix: prefix } });
  const { clients, admin, records, notifications, workflows, service } = offboardingHarness({ bucket, denyPolicyArn, config });
  const secrets = new SecretStore(clients.secrets);
  const now = Date.now();
  const expired = `${run}-expired`;
  const soon = `${run}-soon`;
  const worker = `${run}-worker`;
  await seedUser(
    { iam: clients.iam, secrets, config },
    { userName: expired, path: prefix, tags: { Expiry: isoDay(now - DAY), Owner: 'team-a' } },
  );
  await seedUser(
    { iam: clients.iam, secrets, config },
    { userName: soon, path: prefix, tags: { Expiry: isoDay(now + 7 * DAY), Owner: 'team-b', Purpose: 'nightly export' } },
  );
  const workerSeed = await seedUser({ iam: clients.iam, secrets, config }, { userName: worker, path: prefix });
  const workload = startWorkload({
    userName: worker,
    secretName: workerSeed.secretName!,
    endpoint: motoEndpoint(),
    secrets,
    iam: admin,
  });
  while (workload.stats.calls < 3) await sleep(50);
  const scan = makeScanHandler({
    credentialReport: new IamCredentialReportSource(clients.iam, { pollIntervalMs: 100 }),
    iam: admin,
    workflows,
    config,
    clock: () => new Date(),
    notifier: notifications,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    iamCalls: countApiCalls(clients.iam),
    signals: { listAllUsers: () => admin.listAllUsers(), marks: records, offboarding: service },
  });
  const mine = (userName: string) => userName.startsWith(run);

  // Act: two scans (the second as a scan running twice a day would), then the offboarding runs out
  const first = await scan({});
  const second = await scan({});
  const offboarded = first.signals!.outcomes.find((o) => o.userName === expired)!;
  const final = await workflows.wait('offboarding', offboarded.executionName!);
  const stats = await workload.stop();

  // Assess: the expired user was offboarded by the scan, with the reason, and is gone
  expect(offboarded).toMatchObject({
    action: 'offboard',
    result: 'started',
    reason: `expired ${isoDay(now - DAY)}`,
    owner: 'team-a',
  });
  expect(final.status).toBe('SUCCEEDED');
  expect((final.input as { requestedBy?: string }).requestedBy).toBe(SCAN_REQUESTER);
  expect(await exists(() => clients.iam.send(new GetUserCommand({ UserName: expired })))).toBe(false);
  expect(second.signals!.outcomes.filter((o) => o.userName === expired).map((o) => o.result)).toEqual(['already-running']);
  // Assess: exactly one reminder, naming Owner and Purpose, over two scans
  const reminders = notifications.sent.filter((n) => n.type === 'user.expiring' && n.userName === soon);
  expect(reminders).toHaveLength(1);
  expect(reminders[0]).toMatchObject({
    action: 'reminder',
    reminderDays: 7,
    daysLeft: 7,
    owner: 'team-b',
    purpose: 'nightly export',
  });
  expect(second.signals!.outcomes.find((o) => o.userName === soon)?.result).toBe('already-sent');
  expect(await exists(() => clients.iam.send(new GetUserCommand({ UserName: soon })))).toBe(true);
  // Assess: the workload's user untouched and its calls all succeeded
  expect(stats.calls).toBeGreaterThan(3);
  expect(stats.failures).toEqual([]);
  const workerKeys = (await clients.iam.send(new ListAccessKeysCommand({ UserName: worker }))).AccessKeyMetadata!;
  expect(workerKeys.map((k) => [k.AccessKeyId, k.Status])).toEqual([[workerSeed.accessKeyIds[0], 'Active']]);
  expect(first.signals!.outcomes.filter((o) => o.userName === worker)).toEqual([]);
  expect(
    notifications.sent
      .filter((n) => n.userName !== undefined && mine(n.userName))
      .some((n) => containsSecretLikeValue(JSON.stringify(n))),
  ).toBe(false);
});

it('under offboardingApproval "required" files one pending request instead of starting; protected, out-of-scope, malformed and over-the-cap users are left alone', async () => {
  // Prepare
  const run = uniqueName('signals-appr');
  const prefix = `/${run}/`;
  const setup = testClients();
  const bucket = uniqueName('signals-appr-it');
  await setup.s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  const denyPolicyArn = await ensureLocalDenyPolicy(setup.iam);
  const name = (role: string) => `${run}-${role}`;
  // Real time: approval requests expire after approvalExpiryHours, scaled like every duration.
  const config = parseConfig({
    maxRotationsPerScan: 1,
    offboardingApproval: 'required',
    managedUsers: { pathPrefix: prefix },
    protectedUsers: { userNames: [name('guarded')] },
  });
  const { clients, admin, records, notifications, workflows, service } = offboardingHarness({ bucket, denyPolicyArn, config });
  const secrets = new SecretStore(clients.secrets);
  const past = (days: number) => isoDay(Date.now() - days * DAY);
  const seed = (userName: string, tags: Record<string, string>, path = prefix) =>
    seedUser({ iam: clients.iam, secrets, config }, { userName, path, tags, keys: 0 });
  await seed(name('oldest'), { Expiry: past(30), Owner: 'team-c' });
  await seed(name('newer'), { Expiry: past(2) });
  await seed(name('guarded'), { Expiry: past(30) });
  await seed(name('elsewhere'), { Expiry: past(30) }, `/${run}-other/`);
  await seed(name('garbled'), { Expiry: '31/12/2020' });
  const scan = makeScanHandler({
    credentialReport: new IamCredentialReportSource(clients.iam, { pollIntervalMs: 100 }),
    iam: admin,
    workflows,
    config,
    clock: () => new Date(),
    notifier: notifications,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    signals: { listAllUsers: () => admin.listAllUsers(), marks: records, offboarding: service },
  });
  const resultsOf = (summary: Awaited<ReturnType<typeof scan>>) =>
    Object.fromEntries(
      summary
        .signals!.outcomes.filter((o) => o.userName.startsWith(run))
        .map((o) => [`${o.userName.slice(run.length + 1)}:${o.action}`, o.result]),
    );

  // Act
  const first = await scan({});
  const second = await scan({});

  // Assess: the oldest expiry takes the one slot of the cap, as a pending request, not an execution
  expect(resultsOf(first)).toEqual({
    'oldest:offboard': 'approval-requested',
    'newer:offboard': 'deferred',
    'guarded:skip': 'skipped',
    'elsewhere:skip': 'skipped',
    'garbled:report': 'reported',
  });
  expect(resultsOf(second)['oldest:offboard']).toBe('approval-pending');
  const pending = await pendingApprovals(service, name('oldest'));
  expect(pending.map((p) => [p.action, p.requestedBy, p.reason])).toEqual([['offboard', SCAN_REQUESTER, `expired ${past(30)}`]]);
  expect(await workflows.list('offboarding')).toEqual([]);
  const told = notifications.sent.filter((n) => n.userName === name('oldest'));
  expect(told).toEqual([
    expect.objectContaining({ type: 'user.expiring', action: 'approval-requested', owner: 'team-c', approvalId: pending[0]!.id }),
  ]);
  // Assess: the malformed tag is in the scan.completed notification, and nobody was changed
  const completed = notifications.sent.filter((n) => n.type === 'scan.completed');
  expect(completed[0]).toMatchObject({
    signals: { malformedExpiry: expect.arrayContaining([{ userName: name('garbled'), expiry: '31/12/2020' }]) },
  });
  for (const role of ['oldest', 'newer', 'guarded', 'elsewhere', 'garbled']) {
    expect(await exists(() => clients.iam.send(new GetUserCommand({ UserName: name(role) })))).toBe(true);
  }
});
