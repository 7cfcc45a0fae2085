/**
 * `rotate --dry-run` and `offboard --dry-run` against moto, as an operator runs them: the printed
 * plan names the ids, the account is the same before and after (users, keys and their status, login
 * profile, MFA, policies, groups, secrets and their versions, records), every AWS call sent is a
 * read, no workflow starts. And the offboarding plan's Disable calls and teardown are exactly the
 * calls a real offboarding of the same user makes.
 */
import { randomBytes } from 'node:crypto';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  CreatePolicyCommand,
  CreateServiceSpecificCredentialCommand,
  IAMClient,
  PutUserPermissionsBoundaryCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { createLocalEnvironment } from '../../functions/local/environment';
import { LocalWorkflows } from '../../functions/local/runner';
import { ensureLocalDenyPolicy } from '../../functions/offboarding/local';
import { planOffboarding } from '../../functions/offboarding/preview';
import { readOffboardingFacts } from '../../functions/offboarding/preview-read';
import { startOffboarding } from '../../functions/offboarding/service';
import { parseConfig, secretNameFor } from '../../functions/shared/config';
import { SecretStore } from '../../functions/shared/secret-store';
import { accountState, createRealisticUser } from '../support/account-state';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';
import { configFile, runCli } from '../support/cli';
import { offboardingHarness, type RecordedCall } from '../support/offboarding-harness';

jest.setTimeout(90_000);

const RECORDS_BUCKET = 'iam-user-lifecycle-local-records';

/** Spies on `send` of every SDK client class: the names of the commands sent while it is on. */
function recordCommands(): { names: () => string[]; restore: () => void } {
  const prototypes = new Set(
    [IAMClient, S3Client, SecretsManagerClient, SFNClient, SNSClient, STSClient, CloudFormationClient].map(
      (c) => Object.getPrototypeOf(c.prototype) as { send: (...args: unknown[]) => unknown },
    ),
  );
  const spies = [...prototypes].map((proto) => jest.spyOn(proto, 'send'));
  return {
    names: () => spies.flatMap((spy) => spy.mock.calls.map(([command]) => (command as object).constructor.name)),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

describe('--dry-run previews (local mode)', () => {
  const clients = testClients();
  const tag = randomBytes(4).toString('hex');
  const path = `/preview-${tag}/`;
  const secretPrefix = `preview-${tag}`;
  const CONFIG = { managedUsers: { pathPrefix: path }, secretPrefix, timeScale: 86400 };

  it('offboard and rotate --dry-run print the plan with its ids and change nothing in the account', async () => {
    // Prepare: a user with every kind of credential, the local stack's resources as a first run leaves them
    await createLocalEnvironment({ endpoint: motoEndpoint(), config: parseConfig(CONFIG) }).ready();
    const namePrefix = uniqueName('pv');
    const user = await createRealisticUser(clients, {
      userName: `${namePrefix}-u`,
      path,
      secretName: `${secretPrefix}/${namePrefix}-u`,
    });
    const scope = { path, namePrefix, secretPrefix, recordsBucket: RECORDS_BUCKET };
    const before = await accountState(clients, scope);
    const args = ['--endpoint', motoEndpoint(), '--config', configFile(CONFIG)];
    const commands = recordCommands();
    const starts = jest.spyOn(LocalWorkflows.prototype, 'start');

    // Act
    const offboard = await runCli(['offboard', user.userName, '--reason', 'left the company', '--dry-run', ...args]);
    const offboardJson = await runCli(['offboard', user.userName, '--reason', 'x', '--dry-run', '--json', ...args]);
    const rotate = await runCli(['rotate', user.userName, '--dry-run', ...args]);
    const rotateInactive = await runCli(['rotate', user.userName, '--key', user.inactiveKeyId, '--dry-run', ...args]);
    const sent = commands.names();
    commands.restore();
    const after = await accountState(clients, scope);

    // Assess: nothing changed, only reads were sent, no workflow started, no notification printed
    expect(after).toEqual(before);
    expect(before.iam.users.map((u) => u.userName)).toEqual([user.userName]);
    expect(sent.filter((name) => !/^(Get|List|Describe|Head)\w*Command$/.test(name))).toEqual([]);
    expect(sent).toEqual(expect.arrayContaining(['ListAccessKeysCommand', 'GetUserCommand']));
    expect(starts).not.toHaveBeenCalled();
    starts.mockRestore();
    expect([offboard, offboardJson, rotate, rotateInactive].map((r) => r.code)).toEqual([0, 0, 0, 2]);
    expect(offboard.out + rotate.out).not.toMatch(/notification/);
    // ... the offboarding plan names every credential, policy, group and the teardown calls with their ids
    expect(offboard.out).toMatch(/^dry run of offboard .*: nothing was changed\noutcome: ready \(execution offboard-/);
    for (const line of [
      'DeleteLoginProfile: delete the console password',
      `UpdateAccessKey ${user.activeKeyId}: deactivate access key`,
      `UpdateSSHPublicKey ${user.sshPublicKeyId}`,
      `UpdateSigningCertificate ${user.certificateId}`,
      `KeepMFADevice ${user.mfaSerial}`,
      `DeleteAccessKey ${user.activeKeyId}`,
      `DeleteAccessKey ${user.inactiveKeyId}`,
      `DeactivateMFADevice ${user.mfaSerial}`,
      `DeleteVirtualMFADevice ${user.mfaSerial}`,
      ...user.inlinePolicyNames.map((name) => `DeleteUserPolicy ${name}`),
      ...user.managedPolicyArns.map((arn) => `DetachUserPolicy ${arn}`),
      ...user.groups.map((group) => `RemoveUserFromGroup ${group}`),
      `DeleteSecret ${user.secretName}`,
      'DeleteUser: delete the user',
    ]) {
      expect(offboard.out).toContain(line);
    }
    expect(offboard.out).not.toContain(`UpdateAccessKey ${user.inactiveKeyId}`);
    const json = JSON.parse(offboardJson.out) as { dryRun: boolean; teardown: { op: string }[]; disable: unknown[] };
    expect(json.dryRun).toBe(true);
    expect(json.teardown.at(-1)).toEqual({ op: 'DeleteUser' });
    // ... the rotation plan retires the active key, making room by deleting the inactive one first
    expect(rotate.out).toContain(`key to retire: ${user.activeKeyId} (Active`);
    const rotateSteps = rotate.out.split('\n').filter((l) => /^\s+\d+\. /.test(l));
    expect(rotateSteps.map((l) => l.replace(/^.*?\d{2}\.\d{3}Z {2}/, '').split(':')[0])).toEqual([
      `DeleteAccessKey ${user.inactiveKeyId}`,
      'CreateAccessKey',
      `PutSecretValue ${user.secretName}`,
      'CheckCutover',
      'CutoverDeadline',
      `UpdateAccessKey ${user.activeKeyId}`,
      `DeleteAccessKey ${user.activeKeyId}`,
    ]);
    expect(rotateInactive.out).toMatch(/outcome: refused \[key-not-active\]: access key .* is Inactive/);
  });

  it('offboard --dry-run without --reason is refused like the real command (exit 2)', async () => {
    // Prepare
    const args = ['--endpoint', motoEndpoint(), '--config', configFile(CONFIG)];
    // Act
    const result = await runCli(['offboard', uniqueName('pv-noreason'), '--dry-run', ...args]);
    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/offboard needs --reason/);
    expect(result.out).toBe('');
  });

  it('refuses --wait and --as with --dry-run (a preview starts and requests nothing), exit 2', async () => {
    // Prepare
    const args = ['--endpoint', motoEndpoint(), '--config', configFile(CONFIG)];
    const user = uniqueName('pv-flags');
    // Act
    const results = await Promise.all([
      runCli(['rotate', user, '--dry-run', '--wait', ...args]),
      runCli(['offboard', user, '--reason', 'x', '--dry-run', '--as', 'arn:aws:iam::123456789012:user/bob', ...args]),
    ]);
    // Assess
    expect(results.map((r) => r.code)).toEqual([2, 2]);
    expect(results[0]!.err).toMatch(/--dry-run changes and starts nothing, so --wait cannot apply; nothing was done/);
    expect(results[1]!.err).toMatch(/so --as cannot apply/);
  });

  it('the planned Disable calls and teardown are exactly the calls a real offboarding of that user makes', async () => {
    // Prepare: a user with every credential (service-specific credential and boundary through moto's gap emulation)
    const bucket = uniqueName('preview-records');
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    const denyPolicyArn = await ensureLocalDenyPolicy(clients.iam);
    const config = parseConfig({ ...CONFIG, timeScale: 86400 * 30 });
    const harness = offboardingHarness({ bucket, denyPolicyArn, config, recordSecretsCalls: true });
    const userName = uniqueName('pv-real');
    const user = await createRealisticUser(harness.clients, { userName, path, secretName: secretNameFor(config, userName) });
    const iam = harness.clients.iam;
    const boundary = (
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: `${userName}-boundary`,
          PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
        }),
      )
    ).Policy!.Arn!;
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: userName, PermissionsBoundary: boundary }));
    await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: userName, ServiceName: 'codecommit.amazonaws.com' }));
    const plan = planOffboarding(
      await readOffboardingFacts(
        {
          iam: harness.admin,
          secrets: new SecretStore(harness.clients.secrets),
          workflows: harness.workflows,
          config,
          denyPolicyArn: async () => denyPolicyArn,
        },
        { userName, reason: 'compare with the real run' },
      ),
      config,
      new Date(),
    );
    const mark = harness.calls.length;

    // Act
    const started = await startOffboarding(harness.service, { userName, reason: 'compare with the real run' });
    const result = await harness.workflows.wait('offboarding', started.executionName);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(plan.executionName).toBe(started.executionName);
    const calls = harness.calls.slice(mark);
    const idOf = (c: RecordedCall): string | undefined => {
      const i = c.input;
      const id =
        i.AccessKeyId ??
        i.SSHPublicKeyId ??
        i.CertificateId ??
        i.ServiceSpecificCredentialId ??
        i.SerialNumber ??
        i.PolicyName ??
        i.PolicyArn ??
        i.GroupName ??
        i.SecretId;
      return typeof id === 'string' ? id : undefined;
    };
    const tagged = (phase: string) =>
      calls.findIndex((c) => c.command === 'TagUser' && JSON.stringify(c.input.Tags).includes(`"Value":"${phase}"`));
    const disableOps = new Set(plan.disable.map((c) => c.op));
    const disableCalls = calls.slice(0, tagged('disabled')).filter((c) => disableOps.has(c.command as never));
    expect(disableCalls.map((c) => [c.command, idOf(c)])).toEqual(plan.disable.map((c) => [c.op, 'id' in c ? c.id : undefined]));
    // ... the deny policy first: it cuts off live sessions before the credentials are switched off one by one
    expect(disableCalls[0]).toMatchObject({ command: 'AttachUserPolicy', input: { PolicyArn: denyPolicyArn } });
    const teardownOps = new Set(plan.teardown.map((s) => s.op as string));
    const teardownCalls = calls
      .slice(tagged('deleting') + 1)
      .filter(
        (c) =>
          teardownOps.has(c.command) &&
          (c.userName === userName || c.command === 'DeleteVirtualMFADevice' || c.command === 'DeleteSecret'),
      );
    expect(teardownCalls.map((c) => [c.command, c.command === 'DeleteUserPermissionsBoundary' ? boundary : idOf(c)])).toEqual(
      plan.teardown.map((s) => [s.op, 'id' in s ? s.id : undefined]),
    );
    expect(plan.teardown.map((s) => s.op)).toEqual(
      expect.arrayContaining(['DeleteServiceSpecificCredential', 'DeleteUserPermissionsBoundary', 'DeleteVirtualMFADevice']),
    );
    expect(
      plan.teardown
        .filter((s) => s.op === 'DeleteAccessKey')
        .map((s) => 'id' in s && s.id)
        .sort(),
    ).toEqual([user.activeKeyId, user.inactiveKeyId].sort());
  });
});
