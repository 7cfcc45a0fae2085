/**
 * In-process local mode (`--endpoint`, no local stack): an offboarding another process runs is not
 * in this process's workflow runner. A second `offboard` must answer "already running" from what
 * the account shows (records bucket, tags) instead of starting over it and overwriting its reason.
 * "Another process" is a second local environment with its own runner, as a second terminal has.
 */
import { configFile, runCli } from '../support/cli';
import { createLocalEnvironment } from '../../functions/local/environment';
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import { SecretStore } from '../../functions/shared/secret-store';
import { offboardingStatus, startOffboarding } from '../../functions/offboarding/service';
import { recordKeys } from '../../functions/offboarding/domain';
import type { StatusRecord } from '../../functions/offboarding/handlers';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';
import { waitFor } from '../support/iam-fixtures';

const PATH = '/cli-elsewhere-it/';
// The CLI's config: a day lasts 0.1 s, so an offboarding it started over the other one would run to
// the end (and delete the user) within the test.
const CONFIG = { timeScale: 86400 * 10, managedUsers: { pathPrefix: PATH } };

describe('offboard in in-process local mode while another process offboards the user', () => {
  const clients = testClients();
  const secrets = new SecretStore(clients.secrets);
  const config = parseConfig({ ...CONFIG, timeScale: 100 }); // the other process observes for ~7 h

  it('answers "already running", starts nothing and keeps the recorded reason', async () => {
    // Prepare
    const user = await seedUser({ iam: clients.iam, secrets, config }, { userName: uniqueName('elsewhere'), path: PATH });
    const other = createLocalEnvironment({ endpoint: motoEndpoint(), config });
    await other.ready();
    const started = await startOffboarding(other.offboardingService, {
      userName: user.userName,
      reason: 'first reason',
      requestedBy: 'other-terminal',
    });
    await waitFor('the other process to disable the user', async () => {
      const s = await offboardingStatus(other.offboardingService, user.userName);
      return s.phase === 'disabled' ? s : undefined;
    });
    // Act
    const second = await runCli([
      'offboard',
      user.userName,
      '--reason',
      'second reason',
      '--endpoint',
      motoEndpoint(),
      '--config',
      configFile(CONFIG),
    ]);
    // Assess
    expect(second.code).toBe(0);
    expect(second.out).toContain(`already running: ${started.executionName} (disabled; started `);
    expect(second.out).toContain('by other-terminal, reason "first reason") in another process');
    const status = await other.records.get<StatusRecord>(recordKeys(user.userName, started.executionName).status);
    expect({ reason: status?.reason, requestedBy: status?.requestedBy }).toEqual({
      reason: 'first reason',
      requestedBy: 'other-terminal',
    });
    expect((await other.workflows.describe('offboarding', started.executionName))?.status).toBe('RUNNING');
    // Clean up: the other process cancels its own offboarding.
    await other.workflows.stop('offboarding', started.executionName, { error: 'TestDone', cause: 'test over' });
  });
});
