/**
 * The organization scan against moto with five member accounts: the real ASL (its Distributed Map
 * run inline, functions/organization/local.ts), the real handlers, each account's credential report
 * and IAM through its member scan role, rotations recorded where they start (the hub's workflows).
 *
 * Accounts: A and B (B in an OU nested under the target OU) hold a stale key each; C lies in the
 * target OU but has no member roles (the StackSet has not reached it); D is excluded by the config;
 * E lives in an OU outside the targets. A protected user with a stale key lives in A.
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { localOrganizationScan } from '../../functions/local/organization-scan';
import { accountTarget, seedOrganization, type LocalOrganization } from '../../functions/local/organization';
import { LOCAL_CREDENTIALS, clientConfig, type AwsTarget } from '../../functions/shared/aws-target';
import { parseConfig, type LifecycleConfig } from '../../functions/shared/config';
import { rotationExecutionName } from '../../functions/shared/execution-names';
import { containsSecretLikeValue, RecordingNotifier } from '../../functions/shared/notifier';
import type { LocalOrganizationScanRun } from '../../functions/organization/local';
import { motoEndpoint, uniqueName } from '../support/aws';
import { RecordingWorkflows } from '../support/recording-workflows';

const run = uniqueName('org');
const prefix = `/${run}/`;
const base: AwsTarget = { endpoint: motoEndpoint(), region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function iamIn(accountId: string): Promise<IAMClient> {
  return new IAMClient(clientConfig(await accountTarget(base, accountId)));
}

async function staleUser(iam: IAMClient, userName: string, tags: Record<string, string> = {}): Promise<string> {
  await iam.send(
    new CreateUserCommand({
      UserName: userName,
      Path: prefix,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  const out = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  return out.AccessKey!.AccessKeyId!;
}

describe('organization scan against moto (5 accounts)', () => {
  let org: LocalOrganization;
  let config: LifecycleConfig;
  let workflows: RecordingWorkflows;
  let notes: RecordingNotifier;
  let result: LocalOrganizationScanRun;
  const keys: Record<string, string> = {};
  const acct = (name: string) => org.accounts[`${run}-${name}`]!;

  beforeAll(async () => {
    // Prepare: the organization, the accounts and their users (each created with its account's credentials).
    org = await seedOrganization(base, {
      organization: { memberRolePrefix: 'iam-lifecycle-member' },
      capabilities: ['scan'],
      ous: [{ name: `${run}-workloads` }, { name: `${run}-team`, parent: `${run}-workloads` }, { name: `${run}-sandbox` }],
      accounts: [
        { name: `${run}-a`, ou: `${run}-workloads` },
        { name: `${run}-b`, ou: `${run}-team` },
        { name: `${run}-c`, ou: `${run}-workloads`, memberRoles: false },
        { name: `${run}-d`, ou: `${run}-workloads` },
        { name: `${run}-e`, ou: `${run}-sandbox` },
      ],
    });
    for (const name of ['a', 'b', 'c', 'd', 'e']) keys[name] = await staleUser(await iamIn(acct(name)), `${run}-user`);
    keys.protected = await staleUser(await iamIn(acct('a')), `${run}-breakglass`, { 'iam-lifecycle:protected': 'true' });
    await sleep(1200);

    config = parseConfig({
      timeScale: 86400 * 7,
      maxKeyAgeDays: 7,
      managedUsers: { pathPrefix: prefix },
      organization: {
        enabled: true,
        organizationId: org.organizationId,
        targetOrganizationalUnitIds: [org.ous[`${run}-workloads`]],
        excludedAccountIds: [acct('d')],
        maxConcurrentAccounts: 2,
      },
    });
    workflows = new RecordingWorkflows();
    notes = new RecordingNotifier();
    const scan = localOrganizationScan({
      base,
      config,
      workflows,
      notifier: notes,
      logger: silent,
      hubAccountId: org.managementAccountId,
    });
    // Act
    result = await scan.run({});
  });

  it('rotates the stale keys of the two scannable accounts, with the account id in input and name', () => {
    const starts = workflows.started.map((e) => ({ kind: e.kind, name: e.name, input: e.input }));
    expect(starts.sort((x, y) => x.name.localeCompare(y.name))).toEqual(
      [
        { account: acct('a'), key: keys.a! },
        { account: acct('b'), key: keys.b! },
      ]
        .map(({ account, key }) => ({
          kind: 'rotation',
          name: rotationExecutionName(`${run}-user`, key, 1, account),
          input: { userName: `${run}-user`, accessKeyId: key, requestedBy: 'scan', trigger: 'scheduled', accountId: account },
        }))
        .sort((x, y) => x.name.localeCompare(y.name)),
    );
    for (const start of starts) expect(start.name).toContain((start.input as { accountId: string }).accountId);
  });

  it('reports the account without a member role as failed, with the reason, and the others done', () => {
    const output = result.output as {
      accountsScanned: number;
      accountsFailed: number;
      rotationsStarted: number;
      failedAccounts: { accountId: string; status: string; errorName: string; message: string }[];
      skippedAccounts: { accountId: string; code: string }[];
    };
    expect(output.failedAccounts).toEqual([
      {
        accountId: acct('c'),
        status: 'failed',
        errorName: 'MemberRoleUnavailableError',
        message: expect.stringContaining(`arn:aws:iam::${acct('c')}:role/iam-lifecycle-member-scan`),
      },
    ]);
    expect({ scanned: output.accountsScanned, failed: output.accountsFailed, started: output.rotationsStarted }).toEqual({
      scanned: 2,
      failed: 1,
      started: 2,
    });
    expect(result.statesEntered).toEqual(expect.arrayContaining(['ListTargetAccounts', 'ScanAccounts', 'Summarize']));
  });

  it('leaves the excluded account and the account outside the target OUs alone', async () => {
    const output = result.output as { accountsTargeted: number; skippedAccounts: { accountId: string; code: string }[] };
    // E is not even listed: only the target OUs (and the OUs under them) are read.
    expect(output.skippedAccounts).toEqual([{ accountId: acct('d'), code: 'excluded' }]);
    expect(output.accountsTargeted).toBe(3);
    const scannedAccounts = notes.sent.filter((n) => n.type === 'scan.completed').map((n) => n.accountId);
    expect(scannedAccounts.sort()).toEqual([acct('a'), acct('b')].sort());
    const startedIn = new Set(workflows.started.map((e) => (e.input as { accountId?: string }).accountId));
    expect([startedIn.has(acct('d')), startedIn.has(acct('e')), startedIn.has(acct('c'))]).toEqual([false, false, false]);
    const stillActive = async (name: string) =>
      (await (await iamIn(acct(name))).send(new ListAccessKeysCommand({ UserName: `${run}-user` }))).AccessKeyMetadata!.map(
        (k) => `${k.AccessKeyId}:${k.Status}`,
      );
    expect([await stillActive('d'), await stillActive('e')]).toEqual([[`${keys.d}:Active`], [`${keys.e}:Active`]]);
  });

  it('leaves the protected user of account A untouched', () => {
    const started = workflows.started.map((e) => (e.input as { userName: string }).userName);
    expect(started).not.toContain(`${run}-breakglass`);
    const accountA = notes.sent.find((n) => n.type === 'scan.completed' && n.accountId === acct('a'));
    expect(accountA).toMatchObject({ accountId: acct('a'), skippedByCode: { protected: 1 } });
  });

  it('notifies the organization summary naming the failed account, with no secret', () => {
    const summary = notes.sent.filter((n) => n.type === 'organization-scan.completed');
    expect(summary).toEqual([
      expect.objectContaining({
        accountsScanned: 2,
        accountsFailed: 1,
        failedAccounts: [expect.objectContaining({ accountId: acct('c'), errorName: 'MemberRoleUnavailableError' })],
        rotationsByAccount: expect.arrayContaining([
          { accountId: acct('a'), rotationsStarted: 1, deferred: 0, blocked: 0 },
          { accountId: acct('b'), rotationsStarted: 1, deferred: 0, blocked: 0 },
        ]),
      }),
    ]);
    expect(notes.sent.filter((n) => containsSecretLikeValue(JSON.stringify(n)))).toEqual([]);
  });
});
