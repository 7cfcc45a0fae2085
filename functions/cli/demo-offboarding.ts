/**
 * The offboarding part of `npm start`: a contractor with a console password, a key, a group and
 * policies leaves; the CLI offboards them in local mode (`iam-lifecycle offboard ... --endpoint`),
 * and the demo then checks with IAM and S3 that the user and everything attached are gone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import type { LifecycleConfig } from '../shared/config';
import type { SecretStore } from '../shared/secret-store';
import { seedUser } from '../local/seed';
import { main } from './main';

const READ_ONLY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::reports/*' }],
});

export async function runOffboardingDemo(args: {
  endpoint: string;
  config: LifecycleConfig;
  say: (line: string) => void;
  print: (line: string) => void;
  name: (base: string) => string;
  seedDeps: { iam: IAMClient; secrets: SecretStore; config: LifecycleConfig };
  /** Runs during the observation period (once the user is disabled); answers problems found. */
  during?: { observationDays: number; run: (userName: string, accessKeyId: string) => Promise<string[]> };
}): Promise<string[]> {
  const { endpoint, config, say, print, name, seedDeps, during } = args;
  const iam = seedDeps.iam;
  const userName = name('departed-contractor');
  const problems: string[] = [];

  print('');
  say(`offboarding: seeding ${userName} with a console password, an access key, a group and policies`);
  const seeded = await seedUser(seedDeps, { userName, path: '/demo/contractors/', tags: { team: 'data' } });
  await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: 'Demo-Passw0rd-Not-Secret!' }));
  await iam.send(new CreateGroupCommand({ GroupName: name('data-readers') }));
  await iam.send(new AddUserToGroupCommand({ GroupName: name('data-readers'), UserName: userName }));
  const policy = await iam.send(new CreatePolicyCommand({ PolicyName: name('reports-read'), PolicyDocument: READ_ONLY_POLICY }));
  await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: policy.Policy!.Arn! }));
  await iam.send(
    new PutUserPolicyCommand({ UserName: userName, PolicyName: 'inline-reports', PolicyDocument: READ_ONLY_POLICY }),
  );

  // The CLI reads the same config shape as the CDK app; write the demo's to a file for --config.
  const dir = mkdtempSync(join(tmpdir(), 'iam-lifecycle-demo-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  try {
    const command = ['offboard', userName, '--reason', 'contract ended', '--endpoint', endpoint, '--config', configFile];
    // Long enough an observation for the AWS CLI (seconds to start) to act during it.
    if (during) command.push('--observation-days', String(during.observationDays));
    say(`$ iam-lifecycle ${command.map((c) => (c.includes(' ') ? `'${c}'` : c)).join(' ')}`);
    const offboarding = main(
      command,
      (line) => print(indent(line)),
      (line) => print(indent(line)),
    );
    if (during) {
      const keyId = seeded.accessKeyIds[0]!;
      if (await disabled(iam, userName, keyId)) problems.push(...(await during.run(userName, keyId)));
      else problems.push(`${userName} was not disabled within 20 s; the re-enable scene did not run`);
    }
    const code = await offboarding;
    if (code !== 0) problems.push(`iam-lifecycle offboard exited ${code}`);

    say(`$ iam-lifecycle status ${userName} --endpoint ${endpoint} --config ${configFile}`);
    await main(
      ['status', userName, '--endpoint', endpoint, '--config', configFile],
      (line) => print(indent(line)),
      (line) => print(indent(line)),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const gone = await iam.send(new GetUserCommand({ UserName: userName })).then(
    () => false,
    (error: Error) => error.name === 'NoSuchEntityException' || error.name === 'NoSuchEntity',
  );
  if (!gone) problems.push(`${userName} still exists after offboarding`);
  const secretLeft = await seedDeps.secrets.exists(`${config.secretPrefix}/${userName}`);
  say(`check ${userName}: user ${gone ? 'deleted' : 'STILL THERE'}; secret ${secretLeft ? 'scheduled for deletion' : 'gone'}`);
  return problems;
}

/** Waits until the offboarding has disabled the key and tagged the user (its observation began). */
async function disabled(iam: IAMClient, userName: string, accessKeyId: string): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
    const tags = await iam.send(new ListUserTagsCommand({ UserName: userName }));
    const inactive = keys.AccessKeyMetadata?.some((k) => k.AccessKeyId === accessKeyId && k.Status === 'Inactive');
    if (inactive && tags.Tags?.some((t) => t.Key === 'iam-lifecycle:offboarding-execution')) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
