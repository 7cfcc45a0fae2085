/**
 * The HTTP API handler against moto: the production handler, the real offboarding and rotation
 * services and the real ASL on the local runner. One case per status code the API promises.
 */
import { CreateLoginProfileCommand } from '@aws-sdk/client-iam';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { makeApiHandler } from '../../functions/api/handler';
import { offboardingApi } from '../../functions/api/offboarding-api';
import { createLocalEnvironment, type LocalEnvironment } from '../../functions/local/environment';
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import { containsSecretLikeValue, type Notification } from '../../functions/shared/notifier';
import { motoEndpoint, uniqueName, useKey } from '../support/aws';
import { apiEvent, CALLER_ARN } from '../support/api-events';

const PATH = '/api-it/';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;

function setup(options: { failingUserView?: boolean } = {}) {
  // A day lasts a second; the offboarding tests ask for a 2-day observation in the request body.
  const config = parseConfig({
    timeScale: 86400,
    managedUsers: { pathPrefix: PATH },
    protectedUsers: { userNames: [] },
    offboardingObservationDays: { default: 30, min: 1, max: 90 },
  });
  const waiters: { type: string; resolve: (n: Notification) => void }[] = [];
  const env: LocalEnvironment = createLocalEnvironment({
    endpoint: motoEndpoint(),
    config,
    snapshotBucket: 'api-it-records',
    logger: silent,
    forwardNotifications: { publish: async (n) => waiters.filter((w) => w.type === n.type).forEach((w) => w.resolve(n)) },
  });
  const handler = makeApiHandler({
    iam: options.failingUserView
      ? ({ ...env.iam, getUser: () => Promise.reject(new Error('boom: internal detail')) } as never)
      : env.iam,
    secrets: env.secrets,
    workflows: env.workflows,
    config,
    clock: () => new Date(),
    offboarding: offboardingApi(env.offboardingService),
    logger: silent,
  });
  const responses: APIGatewayProxyResult[] = [];
  const call = async (...args: Parameters<typeof apiEvent>) => {
    const response = await handler(apiEvent(...args));
    responses.push(response);
    return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
  };
  const next = (type: string) =>
    new Promise<Notification>((resolve) => {
      const seen = env.notifications.sent.find((n) => n.type === type);
      if (seen) resolve(seen);
      else waiters.push({ type, resolve });
    });
  const seed = (spec: { keys?: number; path?: string; tags?: Record<string, string> } = {}) =>
    seedUser(
      { iam: env.clients.iam, secrets: env.secrets, config },
      { userName: uniqueName('api'), path: spec.path ?? PATH, ...spec },
    );
  return { env, config, call, next, seed, responses };
}

describe('HTTP API', () => {
  it.each([
    ['malformed JSON', '{"userName": ', /not valid JSON/],
    ['an array', '[]', /must be a JSON object/],
    ['an unknown field', { userName: 'x', reason: 'left', extra: true }, /unknown field\(s\): extra/],
    ['a missing reason', { userName: 'x' }, /reason is required/],
    ['an invalid user name', { userName: 'bad name!', reason: 'left' }, /userName must be an IAM user name/],
    ['a nonsense observation period', { userName: 'x', reason: 'left', observationDays: -3 }, /observationDays must be/],
    ['a fractional observation period', { userName: 'x', reason: 'left', observationDays: 0.01 }, /observationDays must be/],
    [
      'an observation period beyond the configured bounds',
      { userName: 'x', reason: 'left', observationDays: 91 },
      /from 1 to 90/,
    ],
  ])('POST /offboardings with %s -> 400 and nothing started', async (_label, body, message) => {
    // Prepare
    const { call, env } = setup();
    // Act
    const response = await call('POST', '/offboardings', { body });
    // Assess
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'ValidationError', message: expect.stringMatching(message) });
    expect(await env.workflows.list('offboarding')).toEqual([]);
  });

  it('POST /offboardings: 404 unknown user, 409 protected user, 202 then the same workflow on repeat, 409 for a different request', async () => {
    // Prepare
    const { call, seed, env } = setup();
    const protectedUser = await seed({ tags: { 'iam-lifecycle:protected': 'break-glass' } });
    const leaver = await seed();
    await env.ready();
    // Act
    const unknown = await call('POST', '/offboardings', { body: { userName: uniqueName('nobody'), reason: 'left' } });
    const refused = await call('POST', '/offboardings', { body: { userName: protectedUser.userName, reason: 'left' } });
    const accepted = await call('POST', '/offboardings', {
      body: { userName: leaver.userName, reason: 'left the company', requestedBy: 'hr-system', observationDays: 2 },
    });
    const repeated = await call('POST', '/offboardings', {
      body: { userName: leaver.userName, reason: 'left the company', observationDays: 2 },
    });
    const different = await call('POST', '/offboardings', {
      body: { userName: leaver.userName, reason: 'left the company', observationDays: 9 },
    });
    // Assess
    expect(unknown.status).toBe(404);
    expect(refused).toMatchObject({ status: 409, body: { error: 'ProtectedUserError' } });
    expect(accepted).toMatchObject({ status: 202, body: { started: true, statusUrl: `/offboardings/${leaver.userName}` } });
    expect(repeated).toMatchObject({ status: 200, body: { started: false, executionName: accepted.body.executionName } });
    expect(different).toMatchObject({ status: 409, body: { error: 'WorkflowConflictError' } });
    const running = await env.workflows.list('offboarding', { runningOnly: true });
    expect(running.map((e) => e.name)).toEqual([accepted.body.executionName]);
    await env.workflows.waitForAll();
  });

  it('GET shows what was disabled and when deletion is due; DELETE cancels and restores', async () => {
    // Prepare
    const { call, seed, env, next } = setup();
    const leaver = await seed();
    await env.clients.iam.send(
      new CreateLoginProfileCommand({ UserName: leaver.userName, Password: 'Correct-Horse-9-Battery!' }),
    );
    await env.ready();
    const none = await call('GET', '/offboardings/{userName}', { userName: leaver.userName });
    await call('POST', '/offboardings', { body: { userName: leaver.userName, reason: 'contract ended', observationDays: 30 } });
    await next('offboarding.disabled');
    // Act
    const status = await call('GET', '/offboardings/{userName}', { userName: leaver.userName });
    const cancel = await call('DELETE', '/offboardings/{userName}', { userName: leaver.userName });
    const cancelled = await next('offboarding.cancelled');
    await env.workflows.waitForAll();
    const after = await call('GET', '/offboardings/{userName}', { userName: leaver.userName });
    // Assess
    expect(none.status).toBe(404);
    expect(status).toMatchObject({
      status: 200,
      body: { userName: leaver.userName, phase: 'disabled', deleteAfter: expect.any(String) },
    });
    expect(status.body.disabled).toMatchObject({ accessKeyIds: [leaver.accessKeyIds[0]] });
    expect(cancel).toMatchObject({ status: 202, body: { started: true } });
    expect(JSON.stringify(cancelled)).toMatch(/password/i);
    expect(after.body).toMatchObject({ phase: 'cancelled' });
    const keys = await env.iam.listAccessKeys(leaver.userName);
    expect(keys).toEqual([expect.objectContaining({ accessKeyId: leaver.accessKeyIds[0], status: 'Active' })]);
  });

  it('DELETE /offboardings for a user that is not being offboarded -> 409; unknown user -> 404', async () => {
    const { call, seed } = setup();
    const user = await seed();
    expect((await call('DELETE', '/offboardings/{userName}', { userName: user.userName })).status).toBe(409);
    expect((await call('DELETE', '/offboardings/{userName}', { userName: uniqueName('ghost') })).status).toBe(404);
  });

  it('POST /rotations: 400 body, 404 unknown, 409 protected or two active keys, 202 then 200 on repeat', async () => {
    // Prepare
    const { call, seed, env } = setup();
    const twoKeys = await seed({ keys: 2 });
    const outOfScope = await seed({ path: '/elsewhere/' });
    const bot = await seed();
    // Act
    const bad = await call('POST', '/rotations', { body: { userName: bot.userName, key: 'x' } });
    const unknown = await call('POST', '/rotations', { body: { userName: uniqueName('ghost') } });
    const scope = await call('POST', '/rotations', { body: { userName: outOfScope.userName } });
    const conflict = await call('POST', '/rotations', { body: { userName: twoKeys.userName } });
    const started = await call('POST', '/rotations', { body: { userName: bot.userName } });
    const repeat = await call('POST', '/rotations', { body: { userName: bot.userName } });
    // Assess
    expect(bad.status).toBe(400);
    expect(unknown.status).toBe(404);
    expect(scope).toMatchObject({ status: 409, body: { error: 'OutOfScopeError' } });
    expect(conflict).toMatchObject({ status: 409, body: { error: 'TooManyActiveKeysError' } });
    expect(started).toMatchObject({ status: 202, body: { started: true, accessKeyId: bot.accessKeyIds[0] } });
    expect(repeat).toMatchObject({ status: 200, body: { started: false, executionName: started.body.executionName } });
    await env.workflows.waitForAll();
  });

  it('POST /rotations/{userName}/rollback: 404 without a rotation, 409 before deactivation, 200 in the grace period', async () => {
    // Prepare: the old key is in use, so cutover waits until the new key is used too
    const { call, seed, env, next } = setup();
    const bot = await seed();
    const old = (await env.secrets.readCredentials(bot.secretName!))!.credentials;
    await useKey(old.accessKeyId, old.secretAccessKey);
    const none = await call('POST', '/rotations/{userName}/rollback', { userName: bot.userName });
    await call('POST', '/rotations', { body: { userName: bot.userName } });
    await next('rotation.started');
    const early = await call('POST', '/rotations/{userName}/rollback', { userName: bot.userName });
    const fresh = (await env.secrets.readCredentials(bot.secretName!))!.credentials;
    await useKey(fresh.accessKeyId, fresh.secretAccessKey);
    await next('rotation.key-deactivated');
    const overlap = await call('POST', '/rotations', { body: { userName: bot.userName } });
    // Act
    const rollback = await call('POST', '/rotations/{userName}/rollback', { userName: bot.userName });
    const [summary] = await env.workflows.waitForAll();
    // Assess
    expect(none).toMatchObject({ status: 404, body: { error: 'NoRunningWorkflowError' } });
    expect(early).toMatchObject({ status: 409, body: { error: 'NothingToRollBackError' } });
    // The new key is the only active one now; rotating it would delete the rollback key.
    expect(overlap).toMatchObject({ status: 409, body: { error: 'WorkflowConflictError' } });
    expect(rollback).toMatchObject({ status: 200, body: { reactivatedAccessKeyId: bot.accessKeyIds[0] } });
    expect(summary!.output).toMatchObject({ status: 'rolled-back' });
    const keys = await env.iam.listAccessKeys(bot.userName);
    expect(keys.map((k) => k.status)).toEqual(['Active', 'Active']);
  });

  it('GET /users/{userName}: keys with ages and last use, the secret name, no secret; 404 for an unknown user', async () => {
    // Prepare
    const { call, seed, env, responses } = setup();
    const bot = await seed();
    const secret = (await env.secrets.readCredentials(bot.secretName!))!.credentials.secretAccessKey;
    // Act
    const view = await call('GET', '/users/{userName}', { userName: bot.userName });
    const unknown = await call('GET', '/users/{userName}', { userName: uniqueName('ghost') });
    const guarded = await seed({ tags: { 'iam-lifecycle:protected': 'break-glass' } });
    const protectedView = await call('GET', '/users/{userName}', { userName: guarded.userName });
    // Assess
    expect(protectedView).toMatchObject({
      status: 200,
      body: { management: { kind: 'protected', why: 'tagged iam-lifecycle:protected' }, accessKeys: [] },
    });
    expect(view).toMatchObject({
      status: 200,
      body: {
        userName: bot.userName,
        management: { kind: 'managed' },
        accessKeys: [{ accessKeyId: bot.accessKeyIds[0], status: 'Active', isSecretCurrent: true, lastUsedAt: null }],
        secret: { name: bot.secretName, currentAccessKeyId: bot.accessKeyIds[0] },
        runningWorkflows: [],
      },
    });
    expect(unknown.status).toBe(404);
    for (const r of responses) {
      expect(r.body).not.toContain(secret);
      expect(containsSecretLikeValue(r.body)).toBe(false);
    }
  });

  it('unknown routes are 404 and unexpected failures are 500 without internal details', async () => {
    // Prepare
    const { call } = setup({ failingUserView: true });
    // Act
    const missing = await call('GET', '/nope');
    const failing = await call('GET', '/users/{userName}', { userName: 'someone' });
    // Assess
    expect(missing.status).toBe(404);
    expect(failing).toEqual({
      status: 500,
      body: { error: 'InternalError', message: 'the request failed; see the API function logs' },
    });
  });

  it('records the authenticated caller, not only what the body claims', async () => {
    // Prepare
    const { call, seed, env } = setup();
    const leaver = await seed();
    await env.ready();
    // Act
    const accepted = await call('POST', '/offboardings', {
      body: { userName: leaver.userName, reason: 'left', requestedBy: 'hr-system', observationDays: 1 },
    });
    const execution = await env.workflows.describe('offboarding', String(accepted.body.executionName));
    await env.workflows.waitForAll();
    // Assess
    expect(JSON.stringify(execution!.input)).toContain(CALLER_ARN);
    expect(JSON.stringify(execution!.input)).toContain('hr-system');
  });
});
