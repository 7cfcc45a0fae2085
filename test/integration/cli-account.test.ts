/**
 * Issue 9: `--account ID` on the verbs that act on a user. Local mode acts in that member account
 * (moto's AssumeRole); a malformed, excluded or unlisted account, organization mode off, and the
 * verbs that cannot honour it are refused with exit 2 and nothing done.
 */
import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { seedUser } from '../../functions/local/seed';
import { clientConfig } from '../../functions/shared/aws-target';
import { accountTargets } from '../../functions/shared/accounts';
import { parseConfig } from '../../functions/shared/config';
import { makeReadersFor } from '../../functions/shared/secret-access';
import { SecretStore } from '../../functions/shared/secret-store';
import { IamUsers } from '../../functions/shared/iam/users';
import { LOCAL_CREDENTIALS } from '../../functions/shared/aws-target';
import { motoEndpoint, uniqueName } from '../support/aws';
import { configFile, runCli } from '../support/cli';
import { randomAccountId } from '../support/organization';

jest.setTimeout(60_000);

const PATH = '/cli-account-it/';

describe('iam-lifecycle --account', () => {
  const a = randomAccountId();
  const excluded = randomAccountId();
  const orgConfig = {
    timeScale: 86400,
    managedUsers: { pathPrefix: PATH },
    organization: {
      enabled: true,
      organizationId: 'o-exampleorg1',
      targetOrganizationalUnitIds: ['r-ab12'],
      accountIds: [a, excluded],
      excludedAccountIds: [excluded],
    },
  };
  const config = parseConfig(orgConfig);
  const targets = accountTargets({
    config,
    base: { endpoint: motoEndpoint(), region: 'us-east-1', credentials: LOCAL_CREDENTIALS },
    hubAccountId: '123456789012',
  });
  const seedIn = async (accountId: string, userName: string) => {
    const target = targets.forAccount(accountId, 'offboarding');
    const iam = new IAMClient(clientConfig(target));
    const secrets = new SecretStore(new SecretsManagerClient(clientConfig(target)), undefined, {
      writerArns: [],
      readersFor: makeReadersFor(config.secretReaders, new IamUsers(iam)),
    });
    await seedUser({ iam, secrets, config }, { userName, path: PATH });
    return iam;
  };
  const local = (json: object) => ['--endpoint', motoEndpoint(), '--config', configFile(json)];

  it('status --account reads the user in that member account (absent from the hub)', async () => {
    // Prepare
    const userName = uniqueName('cli-acct');
    await seedIn(a, userName);
    // Act
    const inA = await runCli(['--json', 'status', userName, '--account', a, ...local(orgConfig)]);
    const inHub = await runCli(['--json', 'status', userName, ...local(orgConfig)]);
    // Assess
    expect(inA.code).toBe(0);
    const view = JSON.parse(inA.out) as { user: { accessKeys: unknown[]; management: { kind: string } } };
    expect(view.user.management.kind).toBe('managed');
    expect(view.user.accessKeys).toHaveLength(1);
    expect(inHub.code).toBe(2);
  });

  it('refuses an excluded or malformed account, organization mode off, and verbs that cannot honour it; exit 2, nothing done', async () => {
    // Prepare: a user in the excluded account
    const userName = uniqueName('cli-excl');
    const iamExcluded = await seedIn(excluded, userName);
    const singleConfig = { timeScale: 86400, managedUsers: { pathPrefix: PATH } };
    // Act
    const results = await Promise.all([
      runCli(['offboard', userName, '--reason', 'left', '--account', excluded, ...local(orgConfig)]),
      runCli(['rotate', userName, '--account', excluded, ...local(orgConfig)]),
      runCli(['rotate', userName, '--account', '12345', ...local(orgConfig)]),
      runCli(['rotate', userName, '--account', a, ...local(singleConfig)]),
      runCli(['scan', '--account', a, ...local(orgConfig)]),
      runCli(['offboard', userName, '--reason', 'left', '--dry-run', '--account', a, ...local(orgConfig)]),
    ]);
    // Assess
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(results[0]!.err).toMatch(/not a target of this deployment/);
    expect(results[2]!.err).toMatch(/--account must be a 12-digit AWS account id/);
    expect(results[3]!.err).toMatch(/--account needs organization mode/);
    const keys = await iamExcluded.send(new ListAccessKeysCommand({ UserName: userName }));
    expect(keys.AccessKeyMetadata?.map((k) => k.Status)).toEqual(['Active']);
  });
});
