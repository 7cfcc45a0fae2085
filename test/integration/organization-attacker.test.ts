/**
 * Forged input to the organization scan (issue #6's attacker, with lambda:Invoke and
 * states:StartExecution): a Map item naming an excluded account or a bigger budget, an execution
 * input smuggling accounts, and an account outside the target OUs. Each is refused, starts no
 * workflow and leaves the account's keys as they were. moto, real handlers, real ASL.
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { accountTarget, seedOrganization, type LocalOrganization } from '../../functions/local/organization';
import { localOrganizationScan, type LocalOrganizationScan } from '../../functions/local/organization-scan';
import { LOCAL_CREDENTIALS, clientConfig, type AwsTarget } from '../../functions/shared/aws-target';
import { parseConfig } from '../../functions/shared/config';
import { RecordingNotifier } from '../../functions/shared/notifier';
import { motoEndpoint, uniqueName } from '../support/aws';
import { RecordingWorkflows } from '../support/recording-workflows';

const run = uniqueName('orgatk');
const prefix = `/${run}/`;
const base: AwsTarget = { endpoint: motoEndpoint(), region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('organization scan: forged input is refused and changes nothing', () => {
  let org: LocalOrganization;
  let scan: LocalOrganizationScan;
  let workflows: RecordingWorkflows;
  const acct = (name: string) => org.accounts[`${run}-${name}`]!;
  const keysOf = async (name: string) => {
    const iam = new IAMClient(clientConfig(await accountTarget(base, acct(name))));
    const out = await iam.send(new ListAccessKeysCommand({ UserName: `${run}-victim` }));
    return out.AccessKeyMetadata!.map((k) => `${k.AccessKeyId}:${k.Status}`);
  };

  beforeAll(async () => {
    org = await seedOrganization(base, {
      organization: { memberRolePrefix: 'iam-lifecycle-member' },
      capabilities: ['scan'],
      ous: [{ name: `${run}-targets` }, { name: `${run}-elsewhere` }],
      accounts: [
        { name: `${run}-excluded`, ou: `${run}-targets` },
        { name: `${run}-outside`, ou: `${run}-elsewhere`, memberRoles: false },
      ],
    });
    for (const name of ['excluded', 'outside']) {
      const iam = new IAMClient(clientConfig(await accountTarget(base, acct(name))));
      await iam.send(new CreateUserCommand({ UserName: `${run}-victim`, Path: prefix }));
      await iam.send(new CreateAccessKeyCommand({ UserName: `${run}-victim` }));
    }
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const config = parseConfig({
      timeScale: 86400 * 7,
      maxKeyAgeDays: 7,
      managedUsers: { pathPrefix: prefix },
      maxRotationsPerScan: 5,
      organization: {
        enabled: true,
        organizationId: org.organizationId,
        targetOrganizationalUnitIds: [org.ous[`${run}-targets`]],
        excludedAccountIds: [acct('excluded')],
      },
    });
    workflows = new RecordingWorkflows();
    scan = localOrganizationScan({ base, config, workflows, notifier: new RecordingNotifier(), logger: silent });
  });

  it('refuses a Map item naming an excluded account (lambda:Invoke of ScanAccount)', async () => {
    const before = await keysOf('excluded');
    await expect(scan.tasks.ScanAccount({ accountId: acct('excluded'), rotationBudget: 1 } as never)).rejects.toThrow(
      /is excluded/,
    );
    expect({ keys: await keysOf('excluded'), started: workflows.started }).toEqual({ keys: before, started: [] });
  });

  it('refuses a budget above the caps', async () => {
    const forged = { accountId: acct('outside'), rotationBudget: 1000 };
    await expect(scan.tasks.ScanAccount(forged as never)).rejects.toThrow(/rotationBudget must be a whole number from 0 to 5/);
    expect(workflows.started).toEqual([]);
  });

  it('cannot scan an account outside the target OUs: it has no member role', async () => {
    const before = await keysOf('outside');
    await expect(scan.tasks.ScanAccount({ accountId: acct('outside'), rotationBudget: 1 } as never)).rejects.toMatchObject({
      name: 'MemberRoleUnavailableError',
    });
    expect({ keys: await keysOf('outside'), started: workflows.started }).toEqual({ keys: before, started: [] });
  });

  it('refuses an execution input that smuggles accounts (states:StartExecution)', async () => {
    await expect(scan.run({ accounts: [{ accountId: acct('excluded'), rotationBudget: 5 }] })).rejects.toThrow(
      /unknown field\(s\) accounts/,
    );
    expect(workflows.started).toEqual([]);
  });
});
