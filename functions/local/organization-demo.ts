/**
 * A local organization scan from scratch (`npx tsx functions/local/organization-demo.ts`): a moto
 * of its own, an organization with a target OU holding three accounts (the third without member
 * roles, as if the StackSet had not reached it) and a sandbox OU outside the targets, users with
 * stale keys created in each account with that account's credentials, then the organization scan
 * as a dry run (the real ASL and handlers; nothing started). Prints each account's row and the
 * organization summary. The scan's clock is 91 days ahead so the new keys count as stale.
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { clientConfig, LOCAL_CREDENTIALS, type AwsTarget } from '../shared/aws-target';
import { parseConfig } from '../shared/config';
import { RecordingNotifier } from '../shared/notifier';
import type { WorkflowPort } from '../shared/workflows';
import { startMoto } from './moto';
import { accountTarget, seedOrganization } from './organization';
import { localOrganizationScan } from './organization-scan';

const DAY = 86_400_000;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A dry run starts nothing and finds no earlier rotation. */
const dryRunWorkflows: WorkflowPort = {
  start: async () => {
    throw new Error('a dry run starts no workflow');
  },
  describe: async () => undefined,
  list: async () => [],
  stop: async () => false,
  stateOutput: async () => undefined,
  executionArn: (_kind, name) => `arn:local:${name}`,
};

export async function runOrganizationDemo(write: (line: string) => void): Promise<void> {
  const moto = await startMoto({ existingEndpoint: '' });
  try {
    const base: AwsTarget = { endpoint: moto.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
    const org = await seedOrganization(base, {
      organization: { memberRolePrefix: 'iam-lifecycle-member' },
      ous: [{ name: 'workloads' }, { name: 'sandbox' }],
      accounts: [
        { name: 'payments', ou: 'workloads' },
        { name: 'analytics', ou: 'workloads' },
        { name: 'new-team', ou: 'workloads', memberRoles: false },
        { name: 'playground', ou: 'sandbox' },
      ],
    });
    for (const [name, accountId] of Object.entries(org.accounts)) {
      const iam = new IAMClient(clientConfig(await accountTarget(base, accountId)));
      for (const user of ['build-bot', 'report-job']) {
        await iam.send(new CreateUserCommand({ UserName: user, Path: '/workloads/' }));
        await iam.send(new CreateAccessKeyCommand({ UserName: user }));
      }
      iam.destroy();
      write(`account ${name}: ${accountId}`);
    }
    const notes = new RecordingNotifier();
    const scan = localOrganizationScan({
      base,
      config: parseConfig({
        managedUsers: { pathPrefix: '/workloads/' },
        organization: {
          enabled: true,
          organizationId: org.organizationId,
          targetOrganizationalUnitIds: [org.ous.workloads!],
        },
      }),
      workflows: dryRunWorkflows,
      notifier: notes,
      logger: silent,
      clock: () => new Date(Date.now() + 91 * DAY),
      hubAccountId: org.managementAccountId,
    });
    const run = await scan.run({ dryRun: true });
    write(`states: ${run.statesEntered.join(' → ')}`);
    write(JSON.stringify(run.output, null, 2));
  } finally {
    await moto.stop();
  }
}

if (require.main === module) {
  runOrganizationDemo((line) => process.stdout.write(`${line}\n`)).catch((error: unknown) => {
    process.stderr.write(`organization demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
