/**
 * `npm run bench` (a) with more candidates than maxRotationsPerScan: it used to fail ("expected 100
 * candidates, the scan found 100") and print no row at all. Runs on its own moto: the bench scans
 * every user of the account.
 */
import { benchScanCalls } from '../../bench/scan-calls';
import { DEFAULT_CONFIG } from '../../functions/shared/config';

describe('bench (a): IAM calls per scan', () => {
  it('counts the candidates beyond the default cap as deferred and writes the row', async () => {
    // Prepare: 60 users, every second one with a stale key: 30 candidates, more than the cap of 25.
    const lines: string[] = [];

    // Act
    const failedSizes = await benchScanCalls({ sizes: [60], staleShare: 0.5, concurrency: 8 }, (line) => lines.push(line));

    // Assess
    expect(DEFAULT_CONFIG.maxRotationsPerScan).toBe(25);
    // A failed size is a row saying why: compared first, so a failure names its cause.
    expect(lines.filter((line) => line.includes('failed:'))).toEqual([]);
    expect(failedSizes).toBe(0);
    expect(lines).toContain(
      'maxRotationsPerScan 25 (the default): the scan plans at most 25 rotations and defers the other candidates to the next scan; deferred candidates are examined too, so their IAM calls are counted.',
    );
    const row = lines.find((line) => line.startsWith('| 60 '));
    const cells = row?.split('|').map((cell) => cell.trim());
    // | users | candidates | planned | deferred | not examined | report calls | ListUserTags | ListAccessKeys | total | ...
    // total: the report (2), the candidates (30 + 30) and one GetAccountAuthorizationDetails page (expiry tags)
    expect(cells?.slice(1, 10)).toEqual(['60', '30', '25', '5', '0', '2', '30', '30', '63']);
    // | ... | GetAccountAuthorizationDetails | expired | reminders | malformed | inactive |: 60 users, 3 expired, 3 reminders, 1 malformed
    expect(cells?.slice(13, 17)).toEqual(['1', '3', '3', '1']);
  }, 120_000);
});
