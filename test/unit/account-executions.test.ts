/**
 * Organization mode in the shared workflow helpers: a member account's user is another user than a
 * same-named user of another account (or of the hub), so running rotations and attempts are told
 * apart by the `accountId` of their input and name, and a start carries it.
 */
import { findRotation, rotationInput, startRotation } from '../../functions/rotation/start';
import { parseConfig } from '../../functions/shared/config';
import { rotationExecutionName } from '../../functions/shared/execution-names';
import { findRunning } from '../../functions/shared/workflows';
import { RecordingWorkflows } from '../support/recording-workflows';

const A = '111111111111';
const B = '222222222222';

describe('rotations per member account', () => {
  it('names an account rotation after account, user and key (rotate-<account>-<user>-<key>)', () => {
    expect([rotationExecutionName('app', 'AKIA1', 1, A), rotationExecutionName('app', 'AKIA1', 2, A)]).toEqual([
      `rotate-${A}-app-AKIA1`,
      `rotate-${A}-app-AKIA1-2`,
    ]);
    expect(rotationExecutionName('app', 'AKIA1')).toBe('rotate-app-AKIA1');
  });

  it('finds running rotations of the user in that account only', async () => {
    // Prepare: the same user name in account A, account B and the hub.
    const workflows = new RecordingWorkflows();
    await workflows.start(
      'rotation',
      rotationExecutionName('app', 'AKIAA', 1, A),
      rotationInput({ userName: 'app', accessKeyId: 'AKIAA', requestedBy: 'scan', trigger: 'scheduled', accountId: A }),
    );
    await workflows.start(
      'rotation',
      rotationExecutionName('app', 'AKIAB', 1, B),
      rotationInput({ userName: 'app', accessKeyId: 'AKIAB', requestedBy: 'scan', trigger: 'scheduled', accountId: B }),
    );
    await workflows.start(
      'rotation',
      rotationExecutionName('app', 'AKIAH'),
      rotationInput({ userName: 'app', accessKeyId: 'AKIAH', requestedBy: 'scan', trigger: 'scheduled' }),
    );
    // Act
    const inA = await findRunning(workflows, 'rotation', 'app', A);
    const inHub = await findRunning(workflows, 'rotation', 'app');
    // Assess
    expect([inA.map((e) => e.name), inHub.map((e) => e.name)]).toEqual([[`rotate-${A}-app-AKIAA`], ['rotate-app-AKIAH']]);
  });

  it('starts the next attempt of an account rotation with the account id in input and name', async () => {
    const workflows = new RecordingWorkflows();
    await workflows.start('rotation', rotationExecutionName('app', 'AKIAA', 1, A), {
      userName: 'app',
      accessKeyId: 'AKIAA',
      accountId: A,
    });
    workflows.started[0] = { ...workflows.started[0]!, status: 'FAILED' };
    const orgConfig = parseConfig({
      organization: { enabled: true, organizationId: 'o-abcdefghij', targetOrganizationalUnitIds: ['r-abcd'] },
    });
    const result = await startRotation(workflows, orgConfig, {
      userName: 'app',
      accessKeyId: 'AKIAA',
      requestedBy: 'scan',
      trigger: 'scheduled',
      accountId: A,
    });
    expect({ name: result.executionName, input: workflows.started[1]?.input }).toEqual({
      name: `rotate-${A}-app-AKIAA-2`,
      input: { userName: 'app', accessKeyId: 'AKIAA', requestedBy: 'scan', trigger: 'scheduled', accountId: A },
    });
    expect((await findRotation(workflows, 'app', 'AKIAA', B)).attempts).toEqual([]);
  });
});
