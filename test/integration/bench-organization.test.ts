/**
 * `npm run bench` (f): the organization scan's rows count each account's real IAM calls (report,
 * then two per candidate) and the model is printed from them. Runs on its own moto.
 */
import { benchOrganizationScan } from '../../bench/organization-scan';

describe('bench (f): organization scan', () => {
  it('writes one row per account count with the IAM calls per account, then the AWS model', async () => {
    // Prepare: 2 accounts of 100 users, 5 of them (5%) with a stale key.
    const lines: string[] = [];

    // Act
    const failed = await benchOrganizationScan(
      { accountCounts: [2], usersPerAccount: 100, staleShare: 0.05, maxConcurrentAccounts: 2 },
      (line) => lines.push(line),
    );

    // Assess: a failed count is a row saying why, compared first so a failure names its cause.
    expect(lines.filter((line) => line.includes('failed:'))).toEqual([]);
    expect(failed).toBe(0);
    const cells = lines
      .find((line) => line.startsWith('| 2 '))
      ?.split('|')
      .map((cell) => cell.trim());
    // | accounts | users | IAM calls per account | of which report | ListUserTags | ListAccessKeys | ... | transitions |
    expect([...(cells?.slice(1, 7) ?? []), cells?.[9]]).toEqual(['2', '200', '12.0', '2.0', '5.0', '5.0', '5']);
    expect(lines).toContain('### (f) Model: 100 accounts × 5,000 users on AWS');
    // The model's tables are written whole: maxConcurrentAccounts 20 means 5 waves of accounts.
    const printed = lines.join('\n').split('\n');
    expect(printed.some((line) => /^\| 20 +\| 5 +\|/.test(line))).toBe(true);
  }, 180_000);
});
