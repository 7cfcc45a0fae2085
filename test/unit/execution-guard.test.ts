import { NotInLiveExecutionError, WorkflowExecutionGuard } from '../../functions/shared/execution-guard';
import { ValidationError } from '../../functions/shared/errors';
import type { ExecutionSummary, WorkflowKind, WorkflowPort } from '../../functions/shared/workflows';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:execution:Stack-KeyRotation';

function port(executions: Partial<ExecutionSummary>[]): { workflows: WorkflowPort; described: string[] } {
  const described: string[] = [];
  const workflows: WorkflowPort = {
    start: async () => ({ executionArn: '', started: true }),
    stop: async () => true,
    list: async () => [],
    stateOutput: async () => undefined,
    executionArn: (kind: WorkflowKind, name: string) =>
      kind === 'rotation' ? `${MACHINE}:${name}` : `arn:aws:states:us-east-1:123456789012:execution:Stack-Offboarding:${name}`,
    describe: async (kind, name) => {
      described.push(name);
      const e = executions.find((x) => x.name === name);
      return e
        ? ({ kind, executionArn: `${MACHINE}:${name}`, status: 'RUNNING', startDate: new Date(0), ...e } as ExecutionSummary)
        : undefined;
    },
  };
  return { workflows, described };
}

describe('WorkflowExecutionGuard', () => {
  it('accepts a running execution of its own state machine for the same user', async () => {
    // Prepare
    const { workflows } = port([{ name: 'rotate-bob-AKIA1', input: { userName: 'bob' } }]);
    const guard = new WorkflowExecutionGuard(() => workflows);
    // Act
    const live = await guard.assertLive('rotation', `${MACHINE}:rotate-bob-AKIA1`, 'bob');
    // Assess
    expect(live.name).toBe('rotate-bob-AKIA1');
  });

  it.each([
    ['a missing execution id (direct invoke)', undefined, 'bob', ValidationError],
    [
      'an execution of another state machine',
      'arn:aws:states:us-east-1:123456789012:execution:Other:rotate-bob-AKIA1',
      'bob',
      NotInLiveExecutionError,
    ],
    ['an execution that does not exist', `${MACHINE}:rotate-bob-AKIA9`, 'bob', NotInLiveExecutionError],
    ['an execution that has ended', `${MACHINE}:rotate-bob-AKIA2`, 'bob', NotInLiveExecutionError],
    ['an execution for another user', `${MACHINE}:rotate-bob-AKIA1`, 'alice', NotInLiveExecutionError],
  ])('refuses %s', async (_case, executionId, userName, errorClass) => {
    // Prepare
    const { workflows } = port([
      { name: 'rotate-bob-AKIA1', input: { userName: 'bob' } },
      { name: 'rotate-bob-AKIA2', input: { userName: 'bob' }, status: 'SUCCEEDED' },
    ]);
    const guard = new WorkflowExecutionGuard(() => workflows);
    // Act
    const attempt = guard.assertLive('rotation', executionId, userName);
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(errorClass);
  });

  it('refuses an id of another state machine without describing it', async () => {
    // Prepare
    const { workflows, described } = port([{ name: 'x', input: { userName: 'bob' } }]);
    const guard = new WorkflowExecutionGuard(() => workflows);
    // Act
    const attempt = guard.assertLive('offboarding', `${MACHINE}:x`, 'bob');
    // Assess
    await expect(attempt).rejects.toThrow(/not an execution of the offboarding state machine/);
    expect(described).toEqual([]);
  });
});
