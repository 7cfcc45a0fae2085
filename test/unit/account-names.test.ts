/**
 * Issue 9: execution names, finders and request accounts in both modes. Single-account mode keeps
 * every name unchanged; organization mode puts the account after the kind, so the same user name in
 * two accounts never shares a name, and the finders match the account as well as the user.
 */
import { APIGatewayProxyEvent } from 'aws-lambda';
import { makeApiHandler } from '../../functions/api/handler';
import { offboardingExecutionName, restoreExecutionName } from '../../functions/offboarding/domain';
import { findRotation } from '../../functions/rotation/start';
import { executionAccountOf } from '../../functions/shared/account-routing';
import {
  AccountNotTargetedError,
  accountConfig,
  hubAccountIdFromEnv,
  resolveRequestAccount,
} from '../../functions/shared/account-scope';
import { parseConfig } from '../../functions/shared/config';
import { ValidationError } from '../../functions/shared/errors';
import { exposureExecutionName, rotationExecutionName, userExecutionNamePrefix } from '../../functions/shared/execution-names';
import { notifierForAccount, RecordingNotifier } from '../../functions/shared/notifier';
import { findRunning, type ExecutionSummary, type WorkflowPort } from '../../functions/shared/workflows';

const A = '111122223333';
const B = '444455556666';
const EXCLUDED = '777788889999';
const single = parseConfig({});
const org = parseConfig({
  organization: {
    enabled: true,
    organizationId: 'o-exampleorg1',
    targetOrganizationalUnitIds: ['r-ab12'],
    excludedAccountIds: [EXCLUDED],
  },
});

function port(executions: { name: string; input: Record<string, unknown>; status?: ExecutionSummary['status'] }[]) {
  const described: string[] = [];
  const summaries = executions.map((e): ExecutionSummary => ({
    kind: 'rotation',
    name: e.name,
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:m:${e.name}`,
    status: e.status ?? 'RUNNING',
    startDate: new Date(0),
  }));
  const workflows: WorkflowPort = {
    start: async () => ({ executionArn: '', started: true }),
    stop: async () => true,
    executionArn: (_kind, name) => `arn:aws:states:us-east-1:123456789012:execution:m:${name}`,
    stateOutput: async () => undefined,
    list: async (_kind, options) => summaries.filter((s) => !options?.runningOnly || s.status === 'RUNNING'),
    describe: async (_kind, name) => {
      described.push(name);
      const e = executions.find((x) => x.name === name);
      return e ? { ...summaries.find((s) => s.name === name)!, input: e.input } : undefined;
    },
  };
  return { workflows, described };
}

describe('execution names', () => {
  it('are unchanged without an account and carry the account after the kind with one', () => {
    expect(rotationExecutionName('alice', 'AKIAEXAMPLE1')).toBe('rotate-alice-AKIAEXAMPLE1');
    expect(rotationExecutionName('alice', 'AKIAEXAMPLE1', 2)).toBe('rotate-alice-AKIAEXAMPLE1-2');
    expect(rotationExecutionName('alice', 'AKIAEXAMPLE1', 1, A)).toBe(`rotate-${A}-alice-AKIAEXAMPLE1`);
    expect(rotationExecutionName('alice', 'AKIAEXAMPLE1', 3, A)).toBe(`rotate-${A}-alice-AKIAEXAMPLE1-3`);
    expect(offboardingExecutionName('alice', 'AIDAEXAMPLE', 1)).toBe('offboard-alice-AIDAEXAMPLE');
    expect(offboardingExecutionName('alice', 'AIDAEXAMPLE', 1, A)).toBe(`offboard-${A}-alice-AIDAEXAMPLE`);
    expect(exposureExecutionName('alice', 'AKIAEXAMPLE1')).toBe('expose-alice-AKIAEXAMPLE1');
    expect(exposureExecutionName('alice', 'AKIAEXAMPLE1', B)).toBe(`expose-${B}-alice-AKIAEXAMPLE1`);
    expect(restoreExecutionName(offboardingExecutionName('alice', 'AIDAEXAMPLE', 1, A))).toMatch(
      /^restore-offboard-111122223333-alice-/,
    );
  });

  it('stay within 80 characters and distinct per account for the longest user names', () => {
    const longUser = `${'u'.repeat(60)}.x@corp`;
    const inA = rotationExecutionName(longUser, 'AKIAEXAMPLEKEY000001', 10, A);
    const inB = rotationExecutionName(longUser, 'AKIAEXAMPLEKEY000001', 10, B);
    expect(inA.length).toBeLessThanOrEqual(80);
    expect(inB.length).toBeLessThanOrEqual(80);
    expect(inA).not.toBe(inB);
    expect(inA).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('user prefixes carry the account, and are undefined when a name may be cut', () => {
    expect(userExecutionNamePrefix('rotate', 'alice')).toBe('rotate-alice-');
    expect(userExecutionNamePrefix('rotate', 'alice', A)).toBe(`rotate-${A}-alice-`);
    expect(userExecutionNamePrefix('rotate', 'u'.repeat(40), A)).toBeUndefined();
  });
});

describe('finders match the account', () => {
  const executions = [
    { name: rotationExecutionName('alice', 'AKIA1', 1, A), input: { userName: 'alice', accessKeyId: 'AKIA1', accountId: A } },
    { name: rotationExecutionName('alice', 'AKIA2', 1, B), input: { userName: 'alice', accessKeyId: 'AKIA2', accountId: B } },
    { name: rotationExecutionName('alice', 'AKIA3'), input: { userName: 'alice', accessKeyId: 'AKIA3' } },
    // A user named like an account-qualified prefix: the input tells it apart.
    { name: rotationExecutionName(`${A}-alice`, 'AKIA4'), input: { userName: `${A}-alice`, accessKeyId: 'AKIA4' } },
  ];

  it('findRunning answers the user of one account only (and of no account in single-account mode)', async () => {
    const { workflows } = port(executions);
    expect((await findRunning(workflows, 'rotation', 'alice', A)).map((e) => e.name)).toEqual([executions[0]!.name]);
    expect((await findRunning(workflows, 'rotation', 'alice', B)).map((e) => e.name)).toEqual([executions[1]!.name]);
    expect((await findRunning(workflows, 'rotation', 'alice')).map((e) => e.name)).toEqual([executions[2]!.name]);
  });

  it('findRotation looks up the attempts of the key in its account', async () => {
    const { workflows } = port(executions);
    expect((await findRotation(workflows, 'alice', 'AKIA1', A)).latest?.name).toBe(executions[0]!.name);
    expect((await findRotation(workflows, 'alice', 'AKIA1', B)).latest).toBeUndefined();
    expect((await findRotation(workflows, 'alice', 'AKIA1')).latest).toBeUndefined();
  });
});

describe('the account of a request, a config, an execution and a notification', () => {
  it('single-account mode names no account and refuses one', () => {
    expect(resolveRequestAccount(single, '123456789012', undefined)).toBeUndefined();
    expect(() => resolveRequestAccount(single, '123456789012', A)).toThrow(ValidationError);
  });

  it('organization mode: the hub by default, a targeted account, malformed and excluded refused', () => {
    expect(resolveRequestAccount(org, '123456789012', undefined)).toBe('123456789012');
    expect(resolveRequestAccount(org, '123456789012', A)).toBe(A);
    expect(() => resolveRequestAccount(org, '123456789012', '12345')).toThrow(ValidationError);
    expect(() => resolveRequestAccount(org, '123456789012', EXCLUDED)).toThrow(AccountNotTargetedError);
    const listed = parseConfig({ organization: { ...org.organization, accountIds: [A] } });
    expect(() => resolveRequestAccount(listed, '123456789012', B)).toThrow(AccountNotTargetedError);
  });

  it('central secrets are named <prefix>/<accountId>/<user> for member accounts only', () => {
    const central = parseConfig({ organization: { ...org.organization, secrets: 'central' } });
    expect(accountConfig(central, A, '123456789012').secretPrefix).toBe(`iam-user-lifecycle/${A}`);
    expect(accountConfig(central, '123456789012', '123456789012').secretPrefix).toBe('iam-user-lifecycle');
    expect(accountConfig(org, A, '123456789012').secretPrefix).toBe('iam-user-lifecycle');
    expect(accountConfig(single, A).secretPrefix).toBe('iam-user-lifecycle');
  });

  it('the hub account comes from HUB_ACCOUNT_ID or the ARNs the Lambda is handed', () => {
    expect(hubAccountIdFromEnv({ HUB_ACCOUNT_ID: A })).toBe(A);
    expect(hubAccountIdFromEnv({ NOTIFICATION_TOPIC_ARN: `arn:aws:sns:us-east-1:${B}:topic` })).toBe(B);
    expect(hubAccountIdFromEnv({})).toBeUndefined();
  });

  it('a step acts in the account of its execution input, not in one its event names', async () => {
    const { workflows, described } = port(executions());
    const accountOf = executionAccountOf('rotation', () => workflows, org);
    const forged = { executionId: workflows.executionArn('rotation', 'rotate-a'), accountId: B };
    expect(await accountOf(forged)).toBe(A);
    expect(await accountOf({ state: { accountId: B } })).toBe(B); // a notification before any step ran
    await expect(accountOf({ executionId: workflows.executionArn('rotation', 'rotate-x') })).rejects.toThrow(
      AccountNotTargetedError,
    );
    expect(await executionAccountOf('rotation', () => workflows, single)(forged)).toBeUndefined();
    expect(described).toEqual(['rotate-a', 'rotate-x']);
    function executions() {
      return [
        { name: 'rotate-a', input: { userName: 'alice', accountId: A } },
        { name: 'rotate-x', input: { userName: 'alice', accountId: EXCLUDED } },
      ];
    }
  });

  it('notifications name the account in organization mode only', async () => {
    const sent = new RecordingNotifier();
    await notifierForAccount(sent, A).publish({ type: 'rotation.started', userName: 'alice' });
    await notifierForAccount(sent, undefined).publish({ type: 'rotation.started', userName: 'bob' });
    expect(sent.sent).toEqual([
      { type: 'rotation.started', userName: 'alice', accountId: A },
      { type: 'rotation.started', userName: 'bob' },
    ]);
  });

  it('the API has no /accounts routes in single-account mode (404, nothing called)', async () => {
    const handler = makeApiHandler({ logger: { info: () => undefined, error: () => undefined } } as never);
    const event = {
      httpMethod: 'GET',
      resource: '/accounts/{accountId}/users/{userName}',
      pathParameters: { accountId: A, userName: 'alice' },
      requestContext: { identity: {} },
    } as unknown as APIGatewayProxyEvent;
    expect((await handler(event)).statusCode).toBe(404);
  });
});
