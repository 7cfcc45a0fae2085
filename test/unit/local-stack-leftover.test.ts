/** What `local down` says a still-running rotation leaves its user with, and how to put it right. */
import { describeLeftovers, type LeftoverDeps } from '../../functions/local/stack/leftover';
import type { ExecutionSummary } from '../../functions/shared/workflows';

const rotation = (userName: string, accessKeyId: string): ExecutionSummary => ({
  kind: 'rotation',
  name: `rotate-${userName}-${accessKeyId}`,
  executionArn: 'arn',
  status: 'RUNNING',
  startDate: new Date('2026-11-30T00:00:00Z'),
  input: { userName, accessKeyId },
});

function deps(keys: Record<string, { accessKeyId: string; status: string }[]>, motoOwned: boolean): LeftoverDeps {
  return {
    iam: { listAccessKeys: async (userName: string) => (keys[userName] ?? []) as never },
    offboarding: {} as never,
    endpoint: 'http://127.0.0.1:5000',
    motoOwned,
  };
}

describe('local down: rotations left running', () => {
  it('names two active keys, or an old key kept inactive, with the command that finishes the job', async () => {
    // Prepare
    const keys = {
      both: [
        { accessKeyId: 'AKIAOLD1', status: 'Active' },
        { accessKeyId: 'AKIANEW1', status: 'Active' },
      ],
      grace: [
        { accessKeyId: 'AKIAOLD2', status: 'Inactive' },
        { accessKeyId: 'AKIANEW2', status: 'Active' },
      ],
    };
    // Act
    const left = await describeLeftovers(deps(keys, false), [rotation('both', 'AKIAOLD1'), rotation('grace', 'AKIAOLD2')]);
    // Assess
    expect(left).toEqual([
      {
        kind: 'rotation',
        executionName: 'rotate-both-AKIAOLD1',
        userName: 'both',
        leaves: 'both keeps two active keys: the old AKIAOLD1 and the new AKIANEW1 (stored in the secret)',
        restore: [
          'aws --endpoint-url http://127.0.0.1:5000 iam update-access-key --user-name both --access-key-id AKIAOLD1 --status Inactive   # once workloads use the new key',
        ],
      },
      {
        kind: 'rotation',
        executionName: 'rotate-grace-AKIAOLD2',
        userName: 'grace',
        leaves: "grace's old key AKIAOLD2 stays inactive and is not deleted (grace period); AKIANEW2 is in use",
        restore: [
          'aws --endpoint-url http://127.0.0.1:5000 iam delete-access-key --user-name grace --access-key-id AKIAOLD2   # finish the rotation',
        ],
      },
    ]);
  });

  it('gives no commands when the stack’s own moto goes with it', async () => {
    // Act
    const left = await describeLeftovers(deps({ u: [{ accessKeyId: 'AKIAOLD', status: 'Active' }] }, true), [
      rotation('u', 'AKIAOLD'),
    ]);
    // Assess
    expect(left).toEqual([
      {
        kind: 'rotation',
        executionName: 'rotate-u-AKIAOLD',
        userName: 'u',
        leaves: 'u keeps its key AKIAOLD; no new key was created yet',
        restore: [],
      },
    ]);
  });
});

describe('local down: exposure responses left running', () => {
  it('says when the exposed key still works, and the command that deactivates it or finishes the delete', async () => {
    // Prepare
    const exposure = (userName: string, accessKeyId: string): ExecutionSummary => ({
      ...rotation(userName, accessKeyId),
      kind: 'exposure',
      name: `expose-${userName}-${accessKeyId}`,
    });
    const keys = {
      early: [{ accessKeyId: 'AKIAEXP1', status: 'Active' }],
      grace: [
        { accessKeyId: 'AKIAEXP2', status: 'Inactive' },
        { accessKeyId: 'AKIANEW2', status: 'Active' },
      ],
    };
    // Act
    const left = await describeLeftovers(deps(keys, false), [exposure('early', 'AKIAEXP1'), exposure('grace', 'AKIAEXP2')]);
    // Assess
    expect(left.map((l) => [l.kind, l.leaves, l.restore])).toEqual([
      [
        'exposure',
        "early's exposed key AKIAEXP1 STILL WORKS: the response stopped before deactivating it",
        [
          'aws --endpoint-url http://127.0.0.1:5000 iam update-access-key --user-name early --access-key-id AKIAEXP1 --status Inactive   # now',
        ],
      ],
      [
        'exposure',
        "grace's exposed key AKIAEXP2 stays inactive and is not deleted (grace period)",
        [
          'aws --endpoint-url http://127.0.0.1:5000 iam delete-access-key --user-name grace --access-key-id AKIAEXP2   # finish the response',
        ],
      ],
    ]);
  });
});
