/**
 * Ctrl-C during a local rotation and offboarding, on the real CLI process (bin/iam-lifecycle.js) against moto: exit
 * 130 and one paragraph that states the account as it is left and the commands that finish or undo it.
 */
import { spawn } from 'node:child_process';
import { ListAttachedUserPoliciesCommand } from '@aws-sdk/client-iam';
import { join } from 'node:path';
import { configFile } from '../support/cli';
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import { SecretStore } from '../../functions/shared/secret-store';
import { IamUsers } from '../../functions/shared/iam/users';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';

const PATH = '/cli-interrupt-it/';
// An hour lasts a second: a fresh key proves no cutover, so the rotation waits between checks (6 s).
const CONFIG = { timeScale: 3600, managedUsers: { pathPrefix: PATH } };
const BIN = join(__dirname, '..', '..', 'bin', 'iam-lifecycle.js');

/** Runs the CLI, sends SIGINT once stdout shows `waitFor`, and resolves with what it printed. */
function interruptWhen(args: string[], waitFor: RegExp): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NODE_OPTIONS: '--no-warnings' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let sent = false;
    const killer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!sent && waitFor.test(out)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, out, err });
    });
  });
}

describe('iam-lifecycle interrupted by Ctrl-C (real process)', () => {
  const clients = testClients();
  const secrets = new SecretStore(clients.secrets);
  const iam = new IamUsers(clients.iam);

  it('Ctrl-C while waiting for cutover exits 130 with one paragraph describing the two active keys and what to run', async () => {
    // Prepare
    const user = await seedUser(
      { iam: clients.iam, secrets, config: parseConfig(CONFIG) },
      { userName: uniqueName('sigint'), path: PATH },
    );
    const oldKey = user.accessKeyIds[0]!;
    const file = configFile(CONFIG);
    const endpoint = motoEndpoint();
    // Act
    const result = await interruptWhen(
      ['rotate', user.userName, '--endpoint', endpoint, '--config', file],
      /: WaitForCutover \(/,
    );
    // Assess: the account as the paragraph describes it
    const keys = await iam.listAccessKeys(user.userName);
    const newKey = keys.find((k) => k.accessKeyId !== oldKey)!.accessKeyId;
    expect(keys.map((k) => k.status)).toEqual(['Active', 'Active']);
    expect((await secrets.currentKey(user.secretName!))?.accessKeyId).toBe(newKey);
    expect(result.code).toBe(130);
    expect(result.out).toMatch(/: Prepare\n/);
    const aws = `aws --endpoint-url ${endpoint} iam`;
    const listed = keys.map((k) => `${k.accessKeyId} Active${k.accessKeyId === newKey ? ' (in the secret)' : ''}`).join(', ');
    expect(result.err).toBe(
      `iam-lifecycle: Interrupted: the rotation rotate-${user.userName}-${oldKey} stopped with this process ` +
        '(local workflows run inside the CLI; nothing continues it). ' +
        `${user.userName} is left with keys ${listed}. ` +
        `Both keys work and the secret holds ${newKey}; no command resumes this rotation. ` +
        `To finish it by hand once nothing uses ${oldKey}: \`${aws} update-access-key --user-name ${user.userName} --access-key-id ${oldKey} --status Inactive\`, ` +
        `then \`${aws} delete-access-key --user-name ${user.userName} --access-key-id ${oldKey}\`.\n`,
    );
  }, 60_000);

  it('Ctrl-C during the observation of a local offboarding exits 130 and says the user stays disabled, not deleted, and how to restore it', async () => {
    // Prepare
    const user = await seedUser(
      { iam: clients.iam, secrets, config: parseConfig(CONFIG) },
      { userName: uniqueName('sigoff'), path: PATH },
    );
    const [key] = user.accessKeyIds;
    const file = configFile(CONFIG);
    const endpoint = motoEndpoint();
    // Act
    const result = await interruptWhen(
      ['offboard', user.userName, '--reason', 'left', '--endpoint', endpoint, '--config', file],
      /: WaitBeforeCheck \(/,
    );
    // Assess: the account as the paragraph describes it
    const keys = await iam.listAccessKeys(user.userName);
    const attached = await clients.iam.send(new ListAttachedUserPoliciesCommand({ UserName: user.userName }));
    const deny = attached.AttachedPolicies?.map((p) => p.PolicyArn ?? '') ?? [];
    expect(keys.map((k) => [k.accessKeyId, k.status])).toEqual([[key, 'Inactive']]);
    expect(deny).toEqual([expect.stringMatching(/:policy\/iam-lifecycle\/iam-lifecycle-offboarding-deny$/)]);
    expect(result.code).toBe(130);
    const aws = `aws --endpoint-url ${endpoint} iam`;
    expect(result.err).toMatch(
      new RegExp(
        `^iam-lifecycle: Interrupted: the offboarding offboard-${user.userName}-\\w+ stopped with this process .*` +
          `${user.userName} is in phase stopped: access keys ${key} deactivated, deny policy ${deny[0]!.replace(/[/.]/g, '\\$&')} attached\\. ` +
          'It will not be deleted now\\. ',
      ),
    );
    expect(result.err).toContain(`\`${aws} detach-user-policy --user-name ${user.userName} --policy-arn ${deny[0]}\``);
    expect(result.err).toContain(
      `to offboard it again: \`iam-lifecycle offboard ${user.userName} --reason TEXT --endpoint ${endpoint} --config ${file}\`.`,
    );
    expect(result.err.trimEnd().split('\n')).toHaveLength(1);
  }, 60_000);
});
