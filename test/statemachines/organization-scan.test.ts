/**
 * statemachines/organization-scan.asl.json: the shape AWS runs (a Distributed Map with bounded
 * concurrency and tolerated failures, read from ListTargetAccounts' output) and its behaviour on the
 * local runner (Map run inline): retries of transient errors, any other error an account's failed
 * row, the other accounts scanned, the summary notified.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSummarize } from '../../functions/organization/summarize';
import { StateMachine } from 'aws-local-stepfunctions';
import { inlineDistributedMaps, runOrganizationScanLocally } from '../../functions/organization/local';
import { loadDefinition } from '../../functions/local/runner';
import { MemberRoleUnavailableError } from '../../functions/shared/accounts';
import { TransientAwsError } from '../../functions/shared/errors';
import { CredentialReportUnavailableError } from '../../functions/scan/credential-report';
import { RecordingNotifier } from '../../functions/shared/notifier';

const ASL = JSON.parse(readFileSync(join(__dirname, '../../statemachines/organization-scan.asl.json'), 'utf8')) as {
  States: Record<string, Record<string, unknown>>;
};
const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const D = '444444444444';
const E = '555555555555';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('organization-scan.asl.json', () => {
  it('fans out with a Distributed Map of STANDARD child executions, concurrency and tolerated failures from the config', () => {
    const map = ASL.States.ScanAccounts!;
    expect({
      type: map.Type,
      processor: (map.ItemProcessor as { ProcessorConfig: unknown }).ProcessorConfig,
      items: map.ItemsPath,
      concurrency: map.MaxConcurrencyPath,
      tolerated: map.ToleratedFailurePercentagePath,
    }).toEqual({
      type: 'Map',
      processor: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
      items: '$.accounts',
      concurrency: '$.maxConcurrency',
      tolerated: '$.toleratedFailurePercentage',
    });
  });

  it('is valid ASL as deployed (Distributed Map included) for the validator aws-local-stepfunctions uses', () => {
    const deployed = loadDefinition('organization-scan.asl.json');
    expect(() => new StateMachine(deployed, { validationOptions: { checkPaths: true } })).not.toThrow();
  });

  it('runs inline locally: only the processor mode and the distributed-only fields change', () => {
    const inline = inlineDistributedMaps(ASL);
    const map = inline.States.ScanAccounts!;
    expect((map.ItemProcessor as { ProcessorConfig: unknown }).ProcessorConfig).toEqual({ Mode: 'INLINE' });
    expect(map.ToleratedFailurePercentagePath).toBeUndefined();
    expect(map.MaxConcurrencyPath).toBe('$.maxConcurrency');
    expect((ASL.States.ScanAccounts!.ItemProcessor as { ProcessorConfig: { Mode: string } }).ProcessorConfig.Mode).toBe(
      'DISTRIBUTED',
    );
  });

  it('retries a throttled account, turns a missing role and an unavailable report into failed rows, scans the others and notifies', async () => {
    // Prepare
    const calls: Record<string, number> = {};
    let inFlight = 0;
    let maxInFlight = 0;
    const notes = new RecordingNotifier();
    const scanAccount = async (item: { accountId: string; rotationBudget: number; dryRun: boolean }) => {
      calls[item.accountId] = (calls[item.accountId] ?? 0) + 1;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      if (item.accountId === B && calls[B] === 1) throw new TransientAwsError('transient AWS failure: Throttling', 'Throttling');
      if (item.accountId === C) throw new MemberRoleUnavailableError(C, `arn:aws:iam::${C}:role/m-scan`, 'AccessDenied');
      if (item.accountId === E) throw new CredentialReportUnavailableError('could not get the IAM credential report', 60, 'x');
      return { accountId: item.accountId, status: 'done', rotationsStarted: item.rotationBudget, deferred: 0, blocked: 0 };
    };
    // Act
    const run = await runOrganizationScanLocally(
      {
        ListTargetAccounts: async () => ({
          dryRun: false,
          startedAt: '2026-01-01T00:00:00.000Z',
          organizationCap: 4,
          maxConcurrency: 2,
          toleratedFailurePercentage: 50,
          accounts: [A, B, C, D, E].map((accountId) => ({ accountId, rotationBudget: 1 })),
          skippedAccounts: [],
          skippedAccountCount: 0,
        }),
        ScanAccount: scanAccount as never,
        Summarize: makeSummarize({ notifier: notes, clock: () => new Date('2026-01-01T00:01:00Z'), logger: silent }) as never,
      },
      {},
      { retryIntervalOverrides: { ScanAccount: 0 } },
    );
    // Assess
    expect(run.output).toMatchObject({
      accountsTargeted: 5,
      accountsScanned: 3,
      accountsFailed: 2,
      rotationsStarted: 3,
      failedAccounts: [
        { accountId: C, status: 'failed', errorName: 'MemberRoleUnavailableError', message: expect.stringContaining('m-scan') },
        {
          accountId: E,
          status: 'failed',
          errorName: 'CredentialReportUnavailableError',
          message: 'could not get the IAM credential report',
        },
      ],
    });
    expect({ calls, maxInFlight }).toEqual({ calls: { [A]: 1, [B]: 2, [C]: 1, [D]: 1, [E]: 2 }, maxInFlight: 2 });
    expect(notes.sent.map((n) => [n.type, n.accountsFailed])).toEqual([['organization-scan.completed', 2]]);
  });
});
