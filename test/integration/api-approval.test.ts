/**
 * The two-person rule through the HTTP API handler against moto (config offboardingApproval /
 * cancelApproval: "required"): the production handler, the approval records in the records bucket,
 * the real offboarding service and ASL on the local runner. Callers are told apart by the caller
 * ARN of the request context, as API Gateway's AWS_IAM authorization delivers it.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { makeApiHandler } from '../../functions/api/handler';
import { offboardingApi } from '../../functions/api/offboarding-api';
import { createLocalEnvironment, type LocalEnvironment } from '../../functions/local/environment';
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import type { Notification } from '../../functions/shared/notifier';
import { motoEndpoint, uniqueName } from '../support/aws';
import { apiEvent } from '../support/api-events';

const PATH = '/api-approval-it/';
const ALICE = 'arn:aws:sts::123456789012:assumed-role/Offboarders/alice@example.com';
const BOB = 'arn:aws:sts::123456789012:assumed-role/Offboarders/bob@example.com';
const CAROL = 'arn:aws:iam::123456789012:user/carol';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;

function setup(approvals: { offboardingApproval?: 'none' | 'required'; cancelApproval?: 'none' | 'required' }) {
  // A day lasts a second, so the default 72-hour expiry is 3 s of the approval clock, which the test moves by hand.
  const config = parseConfig({
    timeScale: 86400,
    managedUsers: { pathPrefix: PATH },
    offboardingObservationDays: { default: 30, min: 1, max: 90 },
    offboardingApproval: 'required',
    ...approvals,
  });
  const waiters: { type: string; user: string; resolve: (n: Notification) => void }[] = [];
  const env: LocalEnvironment = createLocalEnvironment({
    endpoint: motoEndpoint(),
    config,
    snapshotBucket: 'api-approval-it-records',
    logger: silent,
    forwardNotifications: {
      publish: async (n) =>
        waiters.filter((w) => w.type === n.type && JSON.stringify(n).includes(w.user)).forEach((w) => w.resolve(n)),
    },
  });
  const clock = { now: Date.parse('2026-11-30T12:00:00Z') };
  const handler = makeApiHandler({
    iam: env.iam,
    secrets: env.secrets,
    workflows: env.workflows,
    config,
    clock: () => new Date(),
    offboarding: offboardingApi({ ...env.offboardingService, clock: () => new Date(clock.now) }),
    logger: silent,
  });
  const call = async (caller: string, ...args: Parameters<typeof apiEvent>) => {
    const [method, resource, options] = args;
    const response: APIGatewayProxyResult = await handler(apiEvent(method, resource, { ...options, caller }));
    return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
  };
  const next = (type: string, user: string) =>
    new Promise<Notification>((resolve) => {
      const seen = env.notifications.sent.find((n) => n.type === type && JSON.stringify(n).includes(user));
      if (seen) resolve(seen);
      else waiters.push({ type, user, resolve });
    });
  const seed = async (spec: { tags?: Record<string, string> } = {}) => {
    await env.ready();
    return seedUser(
      { iam: env.clients.iam, secrets: env.secrets, config },
      { userName: uniqueName('appr'), path: PATH, ...spec },
    );
  };
  const offboardingsOf = async (userName: string) =>
    (await env.workflows.list('offboarding')).filter((e) => e.name.includes(userName));
  const keyStatuses = async (userName: string) => (await env.iam.listAccessKeys(userName)).map((k) => k.status);
  return { env, call, next, seed, clock, offboardingsOf, keyStatuses };
}

describe('HTTP API: two-person rule', () => {
  it('POST /offboardings records a pending request and disables nothing; only another principal can approve it', async () => {
    // Prepare
    const { call, seed, next, env, offboardingsOf, keyStatuses } = setup({});
    const leaver = await seed();
    const body = { userName: leaver.userName, reason: 'left the company', observationDays: 1 };
    // Act
    const pending = await call(ALICE, 'POST', '/offboardings', { body });
    const repeated = await call(BOB, 'POST', '/offboardings', { body });
    const otherPeriod = await call(BOB, 'POST', '/offboardings', { body: { ...body, observationDays: 5 } });
    const self = await call(ALICE, 'POST', '/offboardings/{userName}/approval', {
      userName: leaver.userName,
      body: { action: 'offboard' },
    });
    const selfOtherCase = await call(ALICE.toUpperCase(), 'POST', '/offboardings/{userName}/approval', {
      userName: leaver.userName,
      body: { action: 'offboard' },
    });
    const beforeApproval = { executions: await offboardingsOf(leaver.userName), keys: await keyStatuses(leaver.userName) };
    const statusWhilePending = await call(CAROL, 'GET', '/offboardings/{userName}', { userName: leaver.userName });
    const approved = await call(BOB, 'POST', '/offboardings/{userName}/approval', {
      userName: leaver.userName,
      body: { action: 'offboard', requestId: 'offboard-0001' },
    });
    await next('offboarding.disabled', leaver.userName);
    const disabledKeys = await keyStatuses(leaver.userName);
    const again = await call(CAROL, 'POST', '/offboardings/{userName}/approval', {
      userName: leaver.userName,
      body: { action: 'offboard' },
    });
    const execution = await env.workflows.describe('offboarding', String(approved.body.executionName));
    await env.workflows.waitForAll();
    // Assess
    expect(pending).toMatchObject({
      status: 202,
      body: {
        status: 'pending-approval',
        created: true,
        userName: leaver.userName,
        approvalUrl: `/offboardings/${leaver.userName}/approval`,
        request: {
          id: 'offboard-0001',
          action: 'offboard',
          requestedBy: ALICE,
          observationDays: 1,
          expiresAt: expect.any(String),
        },
      },
    });
    expect(repeated).toMatchObject({
      status: 200,
      body: { status: 'pending-approval', created: false, request: { id: 'offboard-0001', requestedBy: ALICE } },
    });
    expect(otherPeriod).toMatchObject({ status: 409, body: { error: 'WorkflowConflictError' } });
    expect(self).toMatchObject({
      status: 403,
      body: { error: 'SelfApprovalError', message: expect.stringMatching(/another principal must approve/) },
    });
    expect(selfOtherCase).toMatchObject({ status: 403, body: { error: 'SelfApprovalError' } });
    expect(beforeApproval).toEqual({ executions: [], keys: ['Active'] });
    expect(statusWhilePending).toMatchObject({
      status: 200,
      body: { phase: 'not-offboarded', pendingApprovals: [{ id: 'offboard-0001', requestedBy: ALICE }] },
    });
    expect(approved).toMatchObject({
      status: 202,
      body: { status: 'approved', action: 'offboard', requestedBy: ALICE, approvedBy: BOB, started: true },
    });
    expect(disabledKeys).toEqual(['Inactive']);
    expect(again).toMatchObject({
      status: 404,
      body: { error: 'NoPendingApprovalError', message: expect.stringContaining(BOB) },
    });
    expect(JSON.stringify(execution!.input)).toContain(`${ALICE}, approved by ${BOB}`);
  });

  it('an expired request cannot be approved; a new request after expiry is a new one', async () => {
    // Prepare
    const { call, seed, clock, offboardingsOf, keyStatuses } = setup({});
    const leaver = await seed();
    const pending = await call(ALICE, 'POST', '/offboardings', { body: { userName: leaver.userName, reason: 'left' } });
    clock.now += 3_001; // 72 hours / 86400
    // Act
    const expired = await call(BOB, 'POST', '/offboardings/{userName}/approval', {
      userName: leaver.userName,
      body: { action: 'offboard' },
    });
    const renewed = await call(ALICE, 'POST', '/offboardings', { body: { userName: leaver.userName, reason: 'left' } });
    // Assess
    expect(pending.body).toMatchObject({ request: { id: 'offboard-0001' } });
    expect(expired).toMatchObject({
      status: 409,
      body: { error: 'ApprovalExpiredError', message: expect.stringMatching(/expired unapproved/) },
    });
    expect(renewed).toMatchObject({ status: 202, body: { created: true, request: { id: 'offboard-0002' } } });
    expect(await offboardingsOf(leaver.userName)).toEqual([]);
    expect(await keyStatuses(leaver.userName)).toEqual(['Active']);
  });

  it('DELETE records a pending cancel; the user stays disabled until another principal approves it', async () => {
    // Prepare: an approved offboarding in its observation period
    const { call, seed, next, env, keyStatuses } = setup({ cancelApproval: 'required' });
    const leaver = await seed();
    await call(ALICE, 'POST', '/offboardings', { body: { userName: leaver.userName, reason: 'left', observationDays: 30 } });
    const approved = await call(BOB, 'POST', '/offboardings/{userName}/approval', {
      userName: leaver.userName,
      body: { action: 'offboard' },
    });
    await next('offboarding.disabled', leaver.userName);
    // Act
    const cancel = await call(ALICE, 'DELETE', '/offboardings/{userName}', { userName: leaver.userName });
    const repeated = await call(CAROL, 'DELETE', '/offboardings/{userName}', { userName: leaver.userName });
    const wrongAction = await call(CAROL, 'POST', '/offboardings/{userName}/approval', {
      userName: leaver.userName,
      body: { action: 'offboard' },
    });
    const self = await call(ALICE, 'POST', '/offboardings/{userName}/approval', {
      userName: leaver.userName,
      body: { action: 'cancel' },
    });
    const whilePending = {
      keys: await keyStatuses(leaver.userName),
      running: (await env.workflows.list('offboarding', { runningOnly: true })).map((e) => e.name),
    };
    const approvedCancel = await call(CAROL, 'POST', '/offboardings/{userName}/approval', {
      userName: leaver.userName,
      body: { action: 'cancel' },
    });
    await next('offboarding.cancelled', leaver.userName);
    await env.workflows.waitForAll();
    // Assess
    expect(cancel).toMatchObject({
      status: 202,
      body: {
        status: 'pending-approval',
        request: {
          id: 'cancel-0001',
          action: 'cancel',
          requestedBy: ALICE,
          offboardingExecutionName: approved.body.executionName,
        },
      },
    });
    expect(repeated).toMatchObject({ status: 200, body: { created: false, request: { id: 'cancel-0001' } } });
    expect(wrongAction).toMatchObject({ status: 404, body: { error: 'NoPendingApprovalError' } });
    expect(self).toMatchObject({ status: 403, body: { error: 'SelfApprovalError' } });
    expect(whilePending.keys).toEqual(['Inactive']);
    expect(whilePending.running).toContain(approved.body.executionName);
    expect(approvedCancel).toMatchObject({
      status: 202,
      body: {
        status: 'approved',
        action: 'cancel',
        approvedBy: CAROL,
        offboardingExecutionName: approved.body.executionName,
        started: true,
      },
    });
    expect(await keyStatuses(leaver.userName)).toEqual(['Active']);
  });

  it('refuses bad approval bodies (400), approvals with nothing pending (404) and requests for protected users (409)', async () => {
    // Prepare
    const { call, seed, env } = setup({});
    const user = await seed();
    const guarded = await seed({ tags: { 'iam-lifecycle:protected': 'break-glass' } });
    const approve = (body?: string | object, userName = user.userName) =>
      call(BOB, 'POST', '/offboardings/{userName}/approval', { userName, ...(body !== undefined ? { body } : {}) });
    // Act
    const responses = {
      noBody: await approve(),
      notJson: await approve('{"action":'),
      noAction: await approve({}),
      badAction: await approve({ action: 'delete' }),
      unknownField: await approve({ action: 'offboard', approvedBy: ALICE }),
      badUser: await approve({ action: 'offboard' }, 'bad name!'),
      nothingPending: await approve({ action: 'offboard' }),
      protectedUser: await call(ALICE, 'POST', '/offboardings', { body: { userName: guarded.userName, reason: 'left' } }),
      cancelNothing: await call(ALICE, 'DELETE', '/offboardings/{userName}', { userName: user.userName }),
    };
    // Assess
    for (const key of ['noBody', 'notJson', 'noAction', 'badAction', 'unknownField', 'badUser'] as const) {
      expect([key, responses[key].status, responses[key].body.error]).toEqual([key, 400, 'ValidationError']);
    }
    expect(responses.nothingPending).toMatchObject({ status: 404, body: { error: 'NoPendingApprovalError' } });
    expect(responses.protectedUser).toMatchObject({ status: 409, body: { error: 'ProtectedUserError' } });
    // Without cancelApproval, DELETE still cancels directly: nothing runs, so 409 as before.
    expect(responses.cancelNothing.status).toBe(409);
    expect(await env.records.listChildren(`approvals/${guarded.userName}/`)).toEqual([]);
  });
});
