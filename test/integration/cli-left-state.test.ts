/**
 * When a waited-on workflow fails, the CLI says in one paragraph what state the user is left in
 * (read from the account) and what to run: functions/cli/session.ts checkFinal against moto.
 */
import { localContext } from '../../functions/cli/context';
import { checkFinal, WorkflowFailedError, type Session } from '../../functions/cli/session';
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import { SecretStore } from '../../functions/shared/secret-store';
import type { ExecutionSummary } from '../../functions/shared/workflows';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';

const PATH = '/cli-left-it/';
const CONFIG = { timeScale: 86400, managedUsers: { pathPrefix: PATH } };

describe('the paragraph after a failed workflow', () => {
  const clients = testClients();
  const secrets = new SecretStore(clients.secrets);

  it('a failed rotation that left the old key deactivated names both keys and the commands that undo or finish it', async () => {
    // Prepare: the rotation created and stored a new key and deactivated the old one, then failed
    const config = parseConfig(CONFIG);
    const user = await seedUser({ iam: clients.iam, secrets, config }, { userName: uniqueName('left'), path: PATH, keys: 2 });
    const [oldKey, newKey] = user.accessKeyIds as [string, string];
    const ctx = await localContext({ endpoint: motoEndpoint(), stack: 'IamUserLifecycle', json: false }, {}, config);
    await ctx.iam.setAccessKeyStatus(user.userName, oldKey, 'Inactive', { mustExist: true });
    const session: Session = {
      print: () => undefined,
      printError: () => undefined,
      options: { endpoint: motoEndpoint(), stack: 'IamUserLifecycle', json: false },
    };
    const final: ExecutionSummary = {
      kind: 'rotation',
      name: `rotate-${user.userName}-${oldKey}`,
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:local-rotation:x',
      status: 'FAILED',
      startDate: new Date(),
      error: 'States.TaskFailed',
      cause: 'FinishRotation failed',
    };
    // Act
    const thrown = await checkFinal(
      session,
      ctx,
      { kind: 'rotation', userName: user.userName, executionName: final.name, oldAccessKeyId: oldKey },
      final,
    ).catch((error: unknown) => error);
    // Assess
    expect(thrown).toBeInstanceOf(WorkflowFailedError);
    const aws = `aws --endpoint-url ${motoEndpoint()} iam`;
    expect((thrown as Error).message).toBe(
      `The rotation ${final.name} ended FAILED: States.TaskFailed (FinishRotation failed). ` +
        `${user.userName} is left with keys ${oldKey} Inactive (in the secret), ${newKey} Active. ` +
        `${oldKey} is deactivated and the secret holds ${oldKey}. To undo: \`${aws} update-access-key --user-name ${user.userName} --access-key-id ${oldKey} --status Active\`; ` +
        `to finish: \`${aws} delete-access-key --user-name ${user.userName} --access-key-id ${oldKey}\`.`,
    );
  });
});
