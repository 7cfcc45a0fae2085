/**
 * Issue 9: an AWS Health exposure event starts the response in the account the event came from;
 * an event from an account the deployment does not target starts nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHealthHandler } from '../../functions/exposure/health-handler';
import { parseConfig } from '../../functions/shared/config';
import type { WorkflowPort } from '../../functions/shared/workflows';

const A = '111122223333';
const EXCLUDED = '777788889999';
const config = parseConfig({
  organization: {
    enabled: true,
    organizationId: 'o-exampleorg1',
    targetOrganizationalUnitIds: ['r-ab12'],
    excludedAccountIds: [EXCLUDED],
  },
});
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function setup() {
  const started: { name: string; input: unknown }[] = [];
  const asked: string[] = [];
  const workflows = {
    start: async (_kind: string, name: string, input: unknown) => {
      started.push({ name, input });
      return { executionArn: `arn:${name}`, started: true };
    },
  } as unknown as WorkflowPort;
  const handler = makeHealthHandler({
    iam: { keyOwner: async () => 'hub-user' },
    workflows,
    logger: quiet,
    organization: {
      config,
      hubAccountId: '123456789012',
      iamIn: (accountId) => ({
        keyOwner: async () => {
          asked.push(accountId);
          return 'alice';
        },
      }),
    },
  });
  const event = (account: string) => {
    const raw = JSON.parse(readFileSync(join(__dirname, '../fixtures/health/credentials-compromised.json'), 'utf8'));
    raw.account = account;
    return raw;
  };
  return { handler, started, asked, event };
}

describe('AWS Health exposure events in organization mode', () => {
  it('start the response in the event account, named and input with it', async () => {
    // Prepare
    const { handler, started, asked, event } = setup();
    // Act
    const outcomes = await handler(event(A));
    // Assess
    expect(outcomes.map((o) => o.outcome)).toEqual(['started', 'started']);
    expect(asked).toEqual([A, A]);
    expect(started.map((s) => s.name)).toEqual([
      `expose-${A}-alice-AKIAEXAMPLEEXPOSED05`,
      `expose-${A}-alice-AKIAEXAMPLEEXPOSED06`,
    ]);
    expect(started[0]!.input).toMatchObject({ userName: 'alice', accountId: A, source: 'health' });
  });

  it.each([
    ['an excluded account', EXCLUDED],
    ['a malformed account', '12345'],
  ])('from %s start nothing and ask no IAM', async (_label, account) => {
    // Prepare
    const { handler, started, asked, event } = setup();
    // Act
    const outcomes = await handler(event(account));
    // Assess
    expect(outcomes.map((o) => o.outcome)).toEqual(['refused-account', 'refused-account']);
    expect(started).toEqual([]);
    expect(asked).toEqual([]);
  });
});
