/**
 * `iam-lifecycle offboard` and `approve-offboarding` in local mode under the two-person rule: two
 * identities (`--as`, and the endpoint's own caller identity), the real approval records in moto's
 * S3 and the real offboarding on the local runner.
 */
import { configFile, runCli } from '../support/cli';
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import { SecretStore } from '../../functions/shared/secret-store';
import { IamUsers } from '../../functions/shared/iam/users';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';

const PATH = '/cli-approval-it/';
// A week lasts a second (observation ~4 s); the approval expiry is set long enough to outlast the test.
const CONFIG = {
  timeScale: 86400 * 7,
  managedUsers: { pathPrefix: PATH },
  offboardingApproval: 'required',
  cancelApproval: 'required',
  approvalExpiryHours: 200_000,
};

describe('iam-lifecycle approve-offboarding (local mode)', () => {
  const clients = testClients();
  const secrets = new SecretStore(clients.secrets);
  const iam = new IamUsers(clients.iam);
  const config = parseConfig(CONFIG);

  it('offboard records a pending request; the requester cannot approve it; another identity approves and it runs', async () => {
    // Prepare
    const user = await seedUser({ iam: clients.iam, secrets, config }, { userName: uniqueName('cliappr'), path: PATH });
    const local = ['--endpoint', motoEndpoint(), '--config', configFile(CONFIG)];
    // Act
    const requested = await runCli(['offboard', user.userName, '--reason', 'left the company', '--as', 'alice', ...local]);
    const keysWhilePending = (await iam.listAccessKeys(user.userName)).map((k) => k.status);
    const self = await runCli(['approve-offboarding', user.userName, '--as', 'alice', ...local]);
    const wrongAction = await runCli(['approve-offboarding', user.userName, '--cancel', '--as', 'bob', ...local]);
    const approved = await runCli(['approve-offboarding', user.userName, ...local]);
    // Assess
    expect(requested.code).toBe(0);
    expect(requested.out).toMatch(
      new RegExp(
        `recorded: offboard request offboard-0001 for ${user.userName} by alice; nothing changes until another principal runs`,
      ),
    );
    expect(keysWhilePending).toEqual(['Active']);
    expect(self.code).toBe(2);
    expect(self.err).toMatch(/SelfApprovalError: alice requested this .* another principal must approve/);
    expect(wrongAction.code).toBe(2);
    expect(wrongAction.err).toMatch(/NoPendingApprovalError: no cancel request/);
    expect(approved.code).toBe(0);
    expect(approved.out).toMatch(/approved offboard request offboard-0001 of alice as arn:aws:(iam|sts)::\d{12}:/);
    expect(approved.out).toMatch(new RegExp(`started: offboard-${user.userName}-`));
    expect(approved.out).toMatch(/: completed/);
    await expect(iam.getUser(user.userName)).rejects.toThrow(/does not exist/);
  });

  it('refuses --as in deployed mode before calling anything', async () => {
    // Act
    const result = await runCli(['approve-offboarding', 'someone', '--as', 'bob']);
    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/--as is for local mode \(--endpoint\) only/);
  });
});
