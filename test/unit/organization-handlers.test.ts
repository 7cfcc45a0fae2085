import {
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { makeListTargetAccounts } from '../../functions/organization/list-targets';
import { makeScanAccount, parseScanAccountEvent } from '../../functions/organization/scan-account';
import { OrganizationsReader, TargetOrganizationalUnitNotFoundError } from '../../functions/organization/organizations';
import { MemberRoleUnavailableError } from '../../functions/shared/accounts';
import { parseConfig } from '../../functions/shared/config';
import { TransientAwsError, ValidationError } from '../../functions/shared/errors';
import { RecordingNotifier } from '../../functions/shared/notifier';
import type { WorkflowPort } from '../../functions/shared/workflows';

const A = '111111111111';
const B = '222222222222';
const X = '333333333333';
const OU = 'ou-abcd-11111111';
const NESTED = 'ou-abcd-22222222';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const config = parseConfig({
  maxRotationsPerScan: 5,
  organization: {
    enabled: true,
    organizationId: 'o-abcdefghij',
    targetOrganizationalUnitIds: [OU],
    excludedAccountIds: [X],
    maxRotationsPerOrganizationScan: 8,
    maxConcurrentAccounts: 3,
    toleratedFailurePercentage: 20,
  },
});
const noWorkflows = {} as WorkflowPort;

describe('parseScanAccountEvent (a Map item is checked against the deployed config)', () => {
  it('accepts an allowed account with a budget inside the caps', () => {
    expect(parseScanAccountEvent({ accountId: A, rotationBudget: 5, dryRun: true }, config)).toEqual({
      accountId: A,
      rotationBudget: 5,
      dryRun: true,
    });
  });

  it.each([
    ['an excluded account', { accountId: X, rotationBudget: 1 }],
    ['a malformed account id', { accountId: '12', rotationBudget: 1 }],
    ['a budget above maxRotationsPerScan', { accountId: A, rotationBudget: 6 }],
    ['a negative budget', { accountId: A, rotationBudget: -1 }],
    ['an unknown field', { accountId: A, rotationBudget: 1, maxRotationsPerScan: 100 }],
    ['a non-boolean dryRun', { accountId: A, rotationBudget: 1, dryRun: 'no' }],
  ])('refuses %s', (_what, event) => {
    expect(() => parseScanAccountEvent(event, config)).toThrow(ValidationError);
  });

  it('refuses an account outside organization.accountIds when that list is set', () => {
    const only = parseConfig({ organization: { ...config.organization, accountIds: [B] } });
    expect(() => parseScanAccountEvent({ accountId: A, rotationBudget: 0 }, only)).toThrow(/not in organization.accountIds/);
  });
});

describe('makeScanAccount failures (turned into failed rows by the state machine)', () => {
  const scanWith = (error: Error) =>
    makeScanAccount({
      clientsFor: () => ({
        credentialReport: {
          fetchReport: async () => {
            throw error;
          },
        },
        iam: { listTags: async () => ({}), listAccessKeys: async () => [] },
      }),
      workflows: noWorkflows,
      config,
      clock: () => new Date(),
      notifier: new RecordingNotifier(),
      logger: silent,
    });

  it('names a missing member role even when the credential report wrapped it', async () => {
    const roleError = new MemberRoleUnavailableError(A, `arn:aws:iam::${A}:role/r`, 'AccessDenied');
    const wrapped = Object.assign(new Error('could not get the IAM credential report'), { cause: roleError });
    await expect(scanWith(wrapped)({ accountId: A, rotationBudget: 1 })).rejects.toBe(roleError);
  });

  it('turns throttling into TransientAwsError, which the state machine retries', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    await expect(scanWith(throttled)({ accountId: A, rotationBudget: 1 })).rejects.toBeInstanceOf(TransientAwsError);
  });

  it('refuses to run when organization mode is off', async () => {
    const off = makeScanAccount({
      clientsFor: () => {
        throw new Error('must not be called');
      },
      workflows: noWorkflows,
      config: parseConfig({}),
      clock: () => new Date(),
      notifier: new RecordingNotifier(),
      logger: silent,
    });
    await expect(off({ accountId: A, rotationBudget: 0 })).rejects.toThrow(ValidationError);
  });
});

describe('OrganizationsReader and ListTargetAccounts', () => {
  const orgMock = mockClient(OrganizationsClient);
  afterEach(() => orgMock.reset());

  it('reads every page of the target OU and of the OUs nested under it', async () => {
    // Prepare
    orgMock
      .on(ListAccountsForParentCommand, { ParentId: OU, NextToken: undefined })
      .resolves({ Accounts: [{ Id: A, Status: 'ACTIVE' }], NextToken: 'p2' })
      .on(ListAccountsForParentCommand, { ParentId: OU, NextToken: 'p2' })
      .resolves({ Accounts: [{ Id: X, Status: 'ACTIVE' }] })
      .on(ListChildrenCommand, { ParentId: OU, NextToken: undefined })
      .resolves({ Children: [], NextToken: 'c2' })
      .on(ListChildrenCommand, { ParentId: OU, NextToken: 'c2' })
      .resolves({ Children: [{ Id: NESTED, Type: 'ORGANIZATIONAL_UNIT' }] })
      .on(ListAccountsForParentCommand, { ParentId: NESTED })
      .resolves({ Accounts: [{ Id: B, Status: 'SUSPENDED' }] })
      .on(ListChildrenCommand, { ParentId: NESTED })
      .resolves({ Children: [] });
    const list = makeListTargetAccounts({
      reader: new OrganizationsReader(new OrganizationsClient({ region: 'us-east-1' })),
      config,
      clock: () => new Date(0),
      logger: silent,
    });
    // Act
    const out = await list({});
    // Assess
    expect(out).toEqual({
      dryRun: false,
      startedAt: new Date(0).toISOString(),
      organizationCap: 8,
      maxConcurrency: 3,
      toleratedFailurePercentage: 20,
      accounts: [{ accountId: A, rotationBudget: 5 }],
      skippedAccounts: [
        { accountId: B, code: 'not-active' },
        { accountId: X, code: 'excluded' },
      ],
      skippedAccountCount: 2,
    });
  });

  it('reads a root with every page of ListAccounts', async () => {
    orgMock
      .on(ListAccountsCommand, { NextToken: undefined })
      .resolves({ Accounts: [{ Id: A, Status: 'ACTIVE' }], NextToken: 'n' })
      .on(ListAccountsCommand, { NextToken: 'n' })
      .resolves({ Accounts: [{ Id: B, Status: 'ACTIVE' }] });
    const reader = new OrganizationsReader(new OrganizationsClient({ region: 'us-east-1' }));
    expect(await reader.accountsUnder(['r-abcd'])).toEqual([
      { accountId: A, status: 'ACTIVE', parentIds: ['r-abcd'] },
      { accountId: B, status: 'ACTIVE', parentIds: ['r-abcd'] },
    ]);
    expect(reader.calls).toBe(2);
  });

  it('names a configured OU that does not exist', async () => {
    orgMock
      .on(ListAccountsForParentCommand)
      .rejects(Object.assign(new Error('no such parent'), { name: 'ParentNotFoundException' }));
    const reader = new OrganizationsReader(new OrganizationsClient({ region: 'us-east-1' }));
    await expect(reader.accountsUnder([OU])).rejects.toBeInstanceOf(TargetOrganizationalUnitNotFoundError);
  });

  it('refuses an unknown field in the execution input instead of ignoring it', async () => {
    const list = makeListTargetAccounts({
      reader: { accountsUnder: async () => [] },
      config,
      clock: () => new Date(0),
      logger: silent,
    });
    await expect(list({ dryrun: true })).rejects.toThrow(ValidationError);
  });
});
