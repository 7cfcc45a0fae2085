/**
 * Deployed `--wait` (clients mocked, as in cli-deployed.test.ts): progress lines read from the
 * execution history, and a workflow that ran and was blocked is exit 3 with why.
 */
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { runCli } from '../support/cli';
import { mockDeployedStack } from '../support/deployed-stack';
import { startFakeApi, type FakeApi } from '../support/fake-api';

const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Rotation';
const EXECUTION = 'rotate-ci-bot-AKIAEXAMPLEKEY000001';
const REASON =
  'the user has two active access keys (AKIAEXAMPLEKEY000001, AKIAEXAMPLEKEY000002); a person must decide which one to retire';

let api: FakeApi;

describe('iam-lifecycle --wait against the deployed stack', () => {
  beforeEach(async () => {
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AWS_ACCESS_KEY_ID = 'AKIAOPERATOR';
    process.env.AWS_SECRET_ACCESS_KEY = 'operator-secret';
    api = await startFakeApi();
  });

  afterEach(async () => {
    await api.close();
  });

  it('rotate --wait prints each state entered and exits 3 when the workflow ends blocked', async () => {
    // Prepare
    const { sfn } = mockDeployedStack({
      outputs: { RotationStateMachineArn: MACHINE, ScanFunctionName: 'Scan', ApiUrl: api.url },
      config: {},
      caller: { arn: 'arn:aws:sts::111122223333:assumed-role/Operators/alice', userId: 'AROA:alice' },
    });
    api.answer(202, { userName: 'ci-bot', accessKeyId: 'AKIAEXAMPLEKEY000001', executionName: EXECUTION, started: true });
    const input = JSON.stringify({ userName: 'ci-bot', accessKeyId: 'AKIAEXAMPLEKEY000001' });
    const described = {
      executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:${EXECUTION}`,
      startDate: new Date(),
      input,
    };
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ ...described, status: 'RUNNING' })
      .resolvesOnce({ ...described, status: 'RUNNING' })
      .resolves({
        ...described,
        status: 'SUCCEEDED',
        output: JSON.stringify({ status: 'blocked', code: 'two-active-keys', reason: REASON }),
      });
    const entered = (id: number, name: string, at: string): HistoryEvent => ({
      id,
      type: name === 'Blocked' ? 'SucceedStateEntered' : 'TaskStateEntered',
      timestamp: new Date(at),
      stateEnteredEventDetails: { name, input },
    });
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: [entered(2, 'Prepare', '2026-03-01T10:00:00Z')] })
      .resolves({ events: [entered(9, 'Blocked', '2026-03-01T10:00:03Z'), entered(2, 'Prepare', '2026-03-01T10:00:00Z')] });
    // Act
    const result = await runCli(['rotate', 'ci-bot', '--wait']);
    // Assess
    expect(result.code).toBe(3);
    // (a "still in Prepare" line may come between, depending on when the 5 s poll lands)
    expect(result.out.split('\n').filter((line) => !line.includes(': still in '))).toEqual([
      `started: ${EXECUTION} (retiring AKIAEXAMPLEKEY000001)`,
      `  2026-03-01T10:00:00Z ${EXECUTION}: Prepare`,
      `  2026-03-01T10:00:03Z ${EXECUTION}: Blocked`,
      'finished SUCCEEDED',
    ]);
    expect(result.err).toBe(`iam-lifecycle: the rotation ${EXECUTION} ran and was blocked: ${REASON}; nothing was changed`);
  }, 30_000);
});
