/**
 * Issue 9, "every workflow carries the account id", against one moto holding several accounts: the
 * hub's production API handler, the real services and ASL on the local runner, every step's
 * clients assuming the member role of the account its execution names (STS AssumeRole in moto).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetUserCommand, ListAccessKeysCommand, UpdateAccessKeyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createLocalEnvironment } from '../../functions/local/environment';
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import { makeOrganizationReactionHandler } from '../../functions/reactions/accounts';
import { clientConfig, LOCAL_CREDENTIALS } from '../../functions/shared/aws-target';
import { SECRET_TAGS } from '../../functions/shared/secret-store';
import { motoEndpoint, uniqueName } from '../support/aws';
import { exists, waitFor } from '../support/iam-fixtures';
import { orgSetup, silent, type OrgSetup } from '../support/organization';

jest.setTimeout(60_000);

const PATH = '/org-it/';

async function seedIn(
  s: OrgSetup,
  accountId: string,
  userName: string,
  spec: { keys?: number; tags?: Record<string, string>; storeFirstKey?: boolean } = {},
) {
  const account = s.env.accounts!.forAccount(accountId);
  return seedUser(
    { iam: account.iamClient, secrets: account.secrets, config: account.config },
    { userName, path: PATH, ...spec },
  );
}

function iamIn(s: OrgSetup, accountId: string): IAMClient {
  return s.env.accounts!.forAccount(accountId).iamClient;
}

async function keyStatuses(iam: IAMClient, userName: string): Promise<string[]> {
  const out = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
  return (out.AccessKeyMetadata ?? []).map((k) => k.Status ?? '');
}

async function recordKeysUnder(s: OrgSetup, prefix: string): Promise<string[]> {
  const out = await s.env.clients.s3.send(new ListObjectsV2Command({ Bucket: s.env.records.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? '');
}

describe('organization mode: workflows in member accounts', () => {
  it('an offboarding through the hub API deletes the user in its account only; records and notifications carry the account', async () => {
    // Prepare: the same user name in accounts A and B
    const s = await orgSetup();
    const { a, b } = s.accounts;
    const userName = uniqueName('org-off');
    await seedIn(s, a, userName);
    await seedIn(s, b, userName);

    // Act: offboard it in A through /accounts/{A}/offboardings, with a 1-day (1 s) observation
    const started = await s.call('POST', '/offboardings', {
      accountId: a,
      body: { userName, reason: 'left the company', observationDays: 1 },
    });
    const completed = await s.next('offboarding.completed', userName);
    const status = await s.call('GET', '/offboardings/{userName}', { accountId: a, userName });

    // Assess: gone in A, untouched in B; the name, the records and every notification name A
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ accountId: a, statusUrl: `/accounts/${a}/offboardings/${userName}` });
    expect(String(started.body.executionName)).toMatch(new RegExp(`^offboard-${a}-${userName}-`));
    expect(await exists(() => iamIn(s, a).send(new GetUserCommand({ UserName: userName })))).toBe(false);
    expect(await keyStatuses(iamIn(s, b), userName)).toEqual(['Active']);
    expect(completed.accountId).toBe(a);
    const mine = s.env.notifications.sent.filter((n) => n.userName === userName);
    expect(mine.length).toBeGreaterThan(2);
    expect(mine.every((n) => n.accountId === a)).toBe(true);
    expect(await recordKeysUnder(s, `accounts/${a}/offboarding/${userName}/`)).not.toHaveLength(0);
    expect(await recordKeysUnder(s, `offboarding/${userName}/`)).toHaveLength(0);
    expect(status).toMatchObject({ status: 200, body: { accountId: a, phase: 'completed' } });
    // The hub's own routes do not see A's offboarding: no such user in the hub.
    expect((await s.call('GET', '/offboardings/{userName}', { userName })).status).toBe(404);
  });

  it.each(['member', 'central'] as const)(
    'a rotation in a member account stores the new key where secrets=%s says',
    async (secrets) => {
      // Prepare: a managed user with one key in account B (its secret not stored yet)
      const s = await orgSetup({ organization: { secrets } });
      const { b } = s.accounts;
      const userName = uniqueName('org-rot');
      const seeded = await seedIn(s, b, userName, { keys: 1, storeFirstKey: false });

      // Act: rotate through /accounts/{B}/rotations and wait for the new key to be stored
      const started = await s.call('POST', '/rotations', { accountId: b, body: { userName } });
      const notice = await s.next('rotation.started', userName);

      // Assess: the new key in B; the secret in B (member) or in the hub as <prefix>/<B>/<user> (central)
      expect(started.status).toBe(202);
      expect(String(started.body.executionName)).toMatch(new RegExp(`^rotate-${b}-${userName}-AKIA`));
      expect(notice.accountId).toBe(b);
      const keys = (await iamIn(s, b).send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
      const newKeyId = keys.find((k) => k.AccessKeyId !== seeded.accessKeyIds[0])?.AccessKeyId;
      expect(keys.map((k) => k.Status)).toEqual(['Active', 'Active']);
      expect(newKeyId).toMatch(/^AKIA/);
      const memberSm = new SecretsManagerClient(clientConfig(s.env.accounts!.forAccount(b).scope.target));
      const hubSm = new SecretsManagerClient(
        clientConfig({ endpoint: motoEndpoint(), region: 'us-east-1', credentials: LOCAL_CREDENTIALS }),
      );
      const describe = (sm: SecretsManagerClient, name: string) =>
        sm.send(new DescribeSecretCommand({ SecretId: name })).then(
          (out) => out.Tags?.find((t) => t.Key === SECRET_TAGS.accessKeyId)?.Value,
          (error: Error) => (error.name === 'ResourceNotFoundException' ? false : Promise.reject(error)),
        );
      if (secrets === 'member') {
        expect(notice.secretName).toBe(`iam-user-lifecycle/${userName}`);
        expect(await describe(memberSm, `iam-user-lifecycle/${userName}`)).toBe(newKeyId);
        expect(await describe(hubSm, `iam-user-lifecycle/${userName}`)).toBe(false);
      } else {
        expect(notice.secretName).toBe(`iam-user-lifecycle/${b}/${userName}`);
        expect(await describe(hubSm, `iam-user-lifecycle/${b}/${userName}`)).toBe(newKeyId);
        expect(await describe(memberSm, `iam-user-lifecycle/${userName}`)).toBe(false);
      }
      await s.env.workflows.stop('rotation', String(started.body.executionName), { error: 'TestDone', cause: 'test' });
    },
  );

  it('a protected user in one account is refused and untouched', async () => {
    // Prepare: a user tagged protected in A
    const s = await orgSetup();
    const userName = uniqueName('org-prot');
    await seedIn(s, s.accounts.a, userName, { tags: { 'iam-lifecycle:protected': 'true' } });

    // Act
    const offboard = await s.call('POST', '/offboardings', { accountId: s.accounts.a, body: { userName, reason: 'x' } });
    const rotate = await s.call('POST', '/rotations', { accountId: s.accounts.a, body: { userName } });

    // Assess
    expect(offboard).toMatchObject({ status: 409, body: { error: 'ProtectedUserError' } });
    expect(rotate).toMatchObject({ status: 409, body: { error: 'ProtectedUserError' } });
    expect(await keyStatuses(iamIn(s, s.accounts.a), userName)).toEqual(['Active']);
    expect(await s.env.workflows.list('offboarding')).toHaveLength(0);
  });

  it('an excluded, unlisted or malformed account is refused by the API and nothing starts', async () => {
    // Prepare: the same user in the excluded account
    const s = await orgSetup();
    const userName = uniqueName('org-excl');
    await seedIn(s, s.accounts.excluded, userName);
    const body = { userName, reason: 'left' };

    // Act
    const excluded = await s.call('POST', '/offboardings', { accountId: s.accounts.excluded, body });
    const unlisted = await s.call('POST', '/rotations', { accountId: '999999999999', body: { userName } });
    const malformed = await s.call('GET', '/users/{userName}', { accountId: '12345', userName });

    // Assess
    expect(excluded).toMatchObject({ status: 403, body: { error: 'AccountNotTargetedError' } });
    expect(unlisted).toMatchObject({ status: 403, body: { error: 'AccountNotTargetedError' } });
    expect(malformed.status).toBe(400);
    expect(await s.env.workflows.list('offboarding')).toHaveLength(0);
    expect(await s.env.workflows.list('rotation')).toHaveLength(0);
    expect(await keyStatuses(iamIn(s, s.accounts.excluded), userName)).toEqual(['Active']);
  });
});

describe('organization mode: reactions act in the event account', () => {
  function reEnableEvent(account: string, userName: string, accessKeyId: string, recipient = account) {
    const raw = JSON.parse(readFileSync(join(__dirname, '../fixtures/events/UpdateAccessKey.json'), 'utf8'));
    raw.account = account;
    raw.detail.recipientAccountId = recipient;
    raw.detail.eventID = randomUUID();
    raw.detail.requestParameters = { ...raw.detail.requestParameters, userName, accessKeyId, status: 'Active' };
    return raw;
  }

  function reactions(s: OrgSetup) {
    return makeOrganizationReactionHandler({
      config: s.config,
      hubAccountId: s.env.accounts!.hubAccountId,
      logger: silent,
      depsFor: (accountId) => {
        const account = s.env.accounts!.forAccount(accountId, 'reactions');
        return {
          iam: account.iam,
          records: account.records,
          notifier: account.notifier,
          config: account.config,
          clock: () => new Date(),
          logger: silent,
          ownPrincipalArns: ['arn:aws:iam::123456789012:role/iam-lifecycle-ReactionsRole'],
          denyPolicyArn: () => s.env.denyPolicyArn().replace(':123456789012:', `:${accountId}:`),
        };
      },
    });
  }

  it('a key re-enabled during an offboarding in A is disabled again in A; B and the excluded account are untouched', async () => {
    // Prepare: an offboarding in A (30 s observation) and the same user in B and the excluded account
    const s = await orgSetup();
    const { a, b, excluded } = s.accounts;
    const userName = uniqueName('org-react');
    const inA = await seedIn(s, a, userName);
    const inB = await seedIn(s, b, userName);
    const inExcluded = await seedIn(s, excluded, userName);
    const started = await s.call('POST', '/offboardings', {
      accountId: a,
      body: { userName, reason: 'left', observationDays: 30 },
    });
    await s.next('offboarding.disabled', userName);
    const keyA = inA.accessKeyIds[0]!;
    await iamIn(s, a).send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: keyA, Status: 'Active' }));
    await iamIn(s, b).send(
      new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: inB.accessKeyIds[0]!, Status: 'Inactive' }),
    );
    await iamIn(s, b).send(
      new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: inB.accessKeyIds[0]!, Status: 'Active' }),
    );
    const react = reactions(s);

    // Act: the event from A; a forged one naming the excluded account; one whose record names B under A's envelope;
    // one made by a member role of this deployment
    const inAccountA = await react(reEnableEvent(a, userName, keyA));
    const forged = await react(reEnableEvent(excluded, userName, inExcluded.accessKeyIds[0]!));
    const mismatched = await react(reEnableEvent(a, userName, inB.accessKeyIds[0]!, b));
    const own = reEnableEvent(a, userName, keyA);
    own.detail.userIdentity.sessionContext.sessionIssuer.arn = `arn:aws:iam::${a}:role/iam-lifecycle-member-offboarding`;
    const byMemberRole = await react(own);

    // Assess
    expect(inAccountA).toMatchObject({ result: 'reacted', kind: 'reenabled', done: expect.arrayContaining(['re-disabled']) });
    expect(await keyStatuses(iamIn(s, a), userName)).toEqual(['Inactive']);
    expect(forged).toMatchObject({ result: 'ignored', reason: 'untargeted-account' });
    expect(mismatched).toMatchObject({ result: 'ignored', reason: 'untargeted-account' });
    expect(byMemberRole).toMatchObject({ result: 'ignored', reason: 'own-role' });
    expect(await keyStatuses(iamIn(s, excluded), userName)).toEqual(['Active']);
    expect(await keyStatuses(iamIn(s, b), userName)).toEqual(['Active']);
    const reenabled = await waitFor('the reenabled notification', () =>
      s.env.notifications.sent.find((n) => n.type === 'offboarding.reenabled' && n.userName === userName),
    );
    expect(reenabled.accountId).toBe(a);
    expect(await recordKeysUnder(s, `accounts/${a}/reactions/events/`)).toHaveLength(1);
    await s.env.workflows.stop('offboarding', String(started.body.executionName), { error: 'TestDone', cause: 'test' });
  });
});

describe('organization mode: forged execution inputs', () => {
  it('an execution started (around the API) for an excluded account fails before acting; a single-account one naming an account is blocked', async () => {
    // Prepare: the same user in the excluded account of an organization setup, and in moto's own account
    const s = await orgSetup();
    const userName = uniqueName('org-forged');
    const inExcluded = await seedIn(s, s.accounts.excluded, userName);
    const single = createLocalEnvironment({
      endpoint: motoEndpoint(),
      config: parseConfig({ timeScale: 86400, managedUsers: { pathPrefix: PATH } }),
      logger: silent,
    });
    const hubUser = await seedUser(
      { iam: single.clients.iam, secrets: single.secrets, config: single.config },
      { userName: uniqueName('org-forged-hub'), path: PATH },
    );
    const input = (accessKeyId: string, accountId: string) => ({
      userName,
      accessKeyId,
      requestedBy: 'attacker',
      trigger: 'on-demand',
      accountId,
    });

    // Act: StartExecution directly, as a principal allowed to start executions could
    const keyId = inExcluded.accessKeyIds[0]!;
    await s.env.workflows.start(
      'rotation',
      `rotate-${s.accounts.excluded}-${userName}-${keyId}`,
      input(keyId, s.accounts.excluded),
    );
    const refused = await s.env.workflows.wait('rotation', `rotate-${s.accounts.excluded}-${userName}-${keyId}`);
    const hubKey = hubUser.accessKeyIds[0]!;
    const forgedName = `rotate-${hubUser.userName}-${hubKey}`;
    await single.workflows.start('rotation', forgedName, { ...input(hubKey, s.accounts.a), userName: hubUser.userName });
    const blocked = await single.workflows.wait('rotation', forgedName);

    // Assess: nothing changed in either account
    expect(refused.status).toBe('FAILED');
    const failed = s.env.notifications.sent.find((n) => n.type === 'rotation.failed' && n.userName === userName);
    expect(failed).toMatchObject({ accountId: s.accounts.excluded, errorName: 'AccountNotTargetedError' });
    expect(await keyStatuses(iamIn(s, s.accounts.excluded), userName)).toEqual(['Active']);
    expect(blocked).toMatchObject({ status: 'SUCCEEDED', output: { status: 'blocked', code: 'invalid-request' } });
    expect(await keyStatuses(single.clients.iam, hubUser.userName)).toEqual(['Active']);
  });
});
