import { rotationExecutionName } from '../../functions/shared/execution-names';
import { findAttempts, findRunning } from '../../functions/shared/workflows';
import type { ExecutionSummary, WorkflowPort } from '../../functions/shared/workflows';

function port(executions: { name: string; userName: string; status?: ExecutionSummary['status'] }[]) {
  const described: string[] = [];
  const summaries = executions.map((e): ExecutionSummary => ({
    kind: 'rotation',
    name: e.name,
    executionArn: `arn:${e.name}`,
    status: e.status ?? 'RUNNING',
    startDate: new Date(0),
  }));
  const workflows: WorkflowPort = {
    start: async () => ({ executionArn: '', started: true }),
    stop: async () => true,
    executionArn: (_kind, name) => `arn:${name}`,
    stateOutput: async () => undefined,
    list: async (_kind, options) => summaries.filter((s) => !options?.runningOnly || s.status === 'RUNNING'),
    describe: async (_kind, name) => {
      described.push(name);
      const e = executions.find((x) => x.name === name)!;
      return { ...summaries.find((s) => s.name === name)!, input: { userName: e.userName } };
    },
  };
  return { workflows, described };
}

describe('findRunning', () => {
  it('finds the running rotations of one user, also for names with characters Step Functions maps', async () => {
    // Prepare
    const { workflows, described } = port([
      { name: 'rotate-ci_bot_corp-AKIA1', userName: 'ci.bot@corp' },
      { name: 'rotate-ci_bot_corp-AKIA2', userName: 'ci_bot_corp' }, // another user, same mapped prefix
      { name: 'rotate-other-AKIA3', userName: 'other' },
      { name: 'rotate-ci_bot_corp-AKIA4', userName: 'ci.bot@corp', status: 'SUCCEEDED' },
    ]);
    // Act
    const found = await findRunning(workflows, 'rotation', 'ci.bot@corp');
    // Assess: only same-prefix executions were described, and the input decides
    expect(found.map((e) => e.name)).toEqual(['rotate-ci_bot_corp-AKIA1']);
    expect(described.sort()).toEqual(['rotate-ci_bot_corp-AKIA1', 'rotate-ci_bot_corp-AKIA2']);
  });
});

describe('findAttempts', () => {
  it('finds a running attempt 2 when Step Functions has forgotten attempt 1 (closed over 90 days ago)', async () => {
    // Prepare: only attempt 2 is known
    const { workflows } = port([{ name: 'rotate-bot-AKIA1-2', userName: 'bot' }]);
    const nameOf = (attempt: number) => rotationExecutionName('bot', 'AKIA1', attempt);
    // Act
    const { found, nextName } = await findAttempts(workflows, 'rotation', nameOf, 10);
    // Assess
    expect(found.map((a) => [a.name, a.attempt, a.summary.status])).toEqual([['rotate-bot-AKIA1-2', 2, 'RUNNING']]);
    expect(nextName).toBe('rotate-bot-AKIA1-3');
  });

  it('orders attempts, ignores other keys and reports no next name when every attempt is used', async () => {
    // Prepare
    const { workflows } = port([
      { name: 'rotate-bot-AKIA1-3', userName: 'bot', status: 'FAILED' },
      { name: 'rotate-bot-AKIA1', userName: 'bot', status: 'SUCCEEDED' },
      { name: 'rotate-bot-AKIA2', userName: 'bot' },
    ]);
    const nameOf = (attempt: number) => rotationExecutionName('bot', 'AKIA1', attempt);
    // Act
    const all = await findAttempts(workflows, 'rotation', nameOf, 10);
    const capped = await findAttempts(workflows, 'rotation', nameOf, 3);
    // Assess
    expect(all.found.map((a) => a.attempt)).toEqual([1, 3]);
    expect(all.nextName).toBe('rotate-bot-AKIA1-4');
    expect(capped.nextName).toBeUndefined();
  });
});
