import {
  failedRowFromCatch,
  organizationScanNotification,
  rotationBudgets,
  selectTargetAccounts,
  summarize,
  type OrganizationAccount,
} from '../../functions/organization/domain';

const OU = 'ou-abcd-11111111';
const NESTED = 'ou-abcd-22222222';
const OTHER = 'ou-abcd-33333333';
const ROOT = 'r-abcd';

function account(n: number, parentIds: string[], status = 'ACTIVE'): OrganizationAccount {
  return { accountId: String(100000000000 + n), status, parentIds };
}
const id = (n: number) => String(100000000000 + n);
const select = { targetOrganizationalUnitIds: [OU], accountIds: [] as string[], excludedAccountIds: [] as string[] };

describe('selectTargetAccounts', () => {
  it('keeps ACTIVE accounts under a target OU, nested OUs included, sorted and once each', () => {
    // Prepare
    const accounts = [account(3, [NESTED, OU, ROOT]), account(1, [OU, ROOT]), account(1, [OU, ROOT]), account(2, [OTHER, ROOT])];
    // Act
    const selection = selectTargetAccounts(accounts, select);
    // Assess
    expect(selection).toEqual({ targets: [id(1), id(3)], skipped: [{ accountId: id(2), code: 'outside-target-ous' }] });
  });

  it('skips suspended accounts, excluded accounts, accounts not listed in accountIds, and the hub', () => {
    const accounts = [1, 2, 3, 4, 5].map((n) => account(n, [OU], n === 2 ? 'SUSPENDED' : 'ACTIVE'));
    const selection = selectTargetAccounts(
      accounts,
      { ...select, accountIds: [id(1), id(2), id(3), id(5)], excludedAccountIds: [id(3)] },
      id(5),
    );
    expect(selection).toEqual({
      targets: [id(1)],
      skipped: [
        { accountId: id(2), code: 'not-active' },
        { accountId: id(3), code: 'excluded' },
        { accountId: id(4), code: 'not-listed' },
        { accountId: id(5), code: 'hub' },
      ],
    });
  });

  it('treats a root id as a target containing every account', () => {
    const selection = selectTargetAccounts([account(1, [ROOT]), account(2, [OU, ROOT])], {
      ...select,
      targetOrganizationalUnitIds: [ROOT],
    });
    expect(selection.targets).toEqual([id(1), id(2)]);
  });
});

describe('rotationBudgets (sharing maxRotationsPerOrganizationScan between accounts scanned at once)', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => id(i));
  const sum = (items: { rotationBudget: number }[]) => items.reduce((s, i) => s + i.rotationBudget, 0);

  it('gives an even share, the remainder one each, never more than the cap in total', () => {
    const budgets = rotationBudgets(ids(3), 10, 25, 0);
    expect(budgets.map((b) => b.rotationBudget)).toEqual([4, 3, 3]);
    expect(sum(budgets)).toBe(10);
  });

  it('caps each account at maxRotationsPerScan', () => {
    expect(rotationBudgets(ids(2), 200, 25).map((b) => b.rotationBudget)).toEqual([25, 25]);
  });

  it('moves the remainder with the offset, so no account is always left with the smaller share', () => {
    const day0 = rotationBudgets(ids(4), 2, 25, 0).map((b) => b.rotationBudget);
    const day1 = rotationBudgets(ids(4), 2, 25, 1).map((b) => b.rotationBudget);
    const day3 = rotationBudgets(ids(4), 2, 25, 3).map((b) => b.rotationBudget);
    expect([day0, day1, day3]).toEqual([
      [1, 1, 0, 0],
      [0, 1, 1, 0],
      [1, 0, 0, 1],
    ]);
  });

  it('never exceeds the organization cap, whatever the numbers', () => {
    for (const [n, cap, per, offset] of [
      [7, 3, 25, 5],
      [100, 200, 25, 17],
      [30, 1000, 25, 2],
      [1, 1, 1, 0],
    ] as const) {
      const budgets = rotationBudgets(ids(n), cap, per, offset);
      expect(sum(budgets)).toBe(Math.min(cap, n * per));
      expect(Math.max(...budgets.map((b) => b.rotationBudget))).toBeLessThanOrEqual(per);
    }
    expect(rotationBudgets([], 10, 5)).toEqual([]);
  });
});

describe('failed rows and the summary', () => {
  it('keeps only the message of a Lambda error cause, and a plain cause as is', () => {
    const lambda = failedRowFromCatch(id(1), {
      Error: 'MemberRoleUnavailableError',
      Cause: JSON.stringify({ errorType: 'MemberRoleUnavailableError', errorMessage: 'cannot act', trace: ['at x'] }),
    });
    const plain = failedRowFromCatch(id(2), { Error: 'States.Timeout', Cause: 'Task timed out' });
    expect([lambda, plain]).toEqual([
      { accountId: id(1), status: 'failed', errorName: 'MemberRoleUnavailableError', message: 'cannot act' },
      { accountId: id(2), status: 'failed', errorName: 'States.Timeout', message: 'Task timed out' },
    ]);
  });

  it('counts scanned and failed accounts, rotations per account, and names the failed ones in the notification', () => {
    const done = {
      accountId: id(1),
      status: 'done' as const,
      scannedUsers: 10,
      candidates: 3,
      rotationsStarted: 2,
      alreadyRunning: 0,
      blocked: 1,
      deferred: 0,
      skipped: 0,
      failedUsers: 0,
      rotationBudget: 2,
    };
    const failed = { accountId: id(2), status: 'failed' as const, errorName: 'X', message: 'why' };
    const summary = summarize([failed, done, 'garbage'], {
      dryRun: false,
      startedAt: 's',
      finishedAt: 'f',
      organizationCap: 4,
    });
    expect({ ...summary, accounts: undefined }).toEqual({
      dryRun: false,
      startedAt: 's',
      finishedAt: 'f',
      accountsTargeted: 3,
      accountsScanned: 1,
      accountsFailed: 2,
      rotationsStarted: 2,
      organizationCap: 4,
      accounts: undefined,
      failedAccounts: [
        failed,
        { accountId: 'item-2', status: 'failed', errorName: 'MalformedResult', message: expect.any(String) },
      ],
      skippedAccounts: [],
    });
    expect(organizationScanNotification(summary)).toMatchObject({
      type: 'organization-scan.completed',
      failedAccounts: [{ accountId: id(2), errorName: 'X', message: 'why' }, { accountId: 'item-2' }],
      rotationsByAccount: [{ accountId: id(1), rotationsStarted: 2, deferred: 0, blocked: 1 }],
    });
  });
});
