/**
 * POST /exposures on the production API handler against moto, with the real exposure workflow on the
 * local runner: bad input is 400 and starts nothing, a key of no user is 404, a key of a managed user
 * starts one response (a repeat joins it), and that response contains and deactivates the key.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { makeApiHandler } from '../../functions/api/handler';
import { offboardingApi } from '../../functions/api/offboarding-api';
import { CONTAINMENT_POLICY_NAME } from '../../functions/exposure/domain';
import { createLocalEnvironment } from '../../functions/local/environment';
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import { motoEndpoint, uniqueName } from '../support/aws';
import { apiEvent } from '../support/api-events';

const PATH = '/exposure-api-it/';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;

async function setup() {
  // A 7-day grace period lasts one second.
  const config = parseConfig({ timeScale: 86400 * 7, managedUsers: { pathPrefix: PATH }, protectedUsers: { userNames: [] } });
  const env = createLocalEnvironment({
    endpoint: motoEndpoint(),
    config,
    snapshotBucket: 'exposure-api-it-records',
    logger: silent,
    retryIntervalOverrides: { Assess: 10, Contain: 10, CreateAndStoreKey: 10, DeactivateExposedKey: 10, DeleteExposedKey: 10 },
  });
  await env.ready();
  const handler = makeApiHandler({
    iam: env.iam,
    secrets: env.secrets,
    workflows: env.workflows,
    config,
    clock: () => new Date(),
    offboarding: offboardingApi(env.offboardingService),
    logger: silent,
  });
  const call = async (body: string | object) => {
    const response: APIGatewayProxyResult = await handler(apiEvent('POST', '/exposures', { body }));
    return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
  };
  const seed = (path = PATH) =>
    seedUser({ iam: env.clients.iam, secrets: env.secrets, config }, { userName: uniqueName('expapi'), path });
  return { env, call, seed };
}

describe('POST /exposures', () => {
  it.each([
    ['malformed JSON', '{"accessKeyId": '],
    ['an unknown field', { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', reason: 'leaked', userName: 'x' }],
    ['a missing reason', { accessKeyId: 'AKIAIOSFODNN7EXAMPLE' }],
    ['a key id that is not one', { accessKeyId: 'not-a-key', reason: 'leaked' }],
    ['a temporary (ASIA) key', { accessKeyId: 'ASIAIOSFODNN7EXAMPLE', reason: 'leaked' }],
  ])('with %s -> 400 and nothing started', async (_label, body) => {
    // Prepare
    const { call, env } = await setup();
    // Act
    const response = await call(body);
    // Assess
    expect(response).toMatchObject({ status: 400, body: { error: 'ValidationError' } });
    expect(await env.workflows.list('exposure')).toEqual([]);
  });

  it('a key of no user of this account -> 404 and nothing started', async () => {
    // Prepare
    const { call, env } = await setup();
    // Act
    const response = await call({ accessKeyId: 'AKIAZZZZZZZZZZZZZZZZ', reason: 'found in a paste' });
    // Assess
    expect(response).toMatchObject({ status: 404, body: { error: 'UnknownAccessKeyError' } });
    expect(await env.workflows.list('exposure')).toEqual([]);
  });

  it('a managed user key -> 202, a repeat -> 200 joining it; the key is contained and deactivated', async () => {
    // Prepare
    const { call, env, seed } = await setup();
    const user = await seed();
    const accessKeyId = user.accessKeyIds[0]!;
    // Act
    const started = await call({ accessKeyId, reason: 'found in a public repository' });
    const repeat = await call({ accessKeyId, reason: 'found in a public repository' });
    const [summary] = await env.workflows.waitForAll();
    // Assess
    expect(started).toMatchObject({ status: 202, body: { started: true, userName: user.userName, accessKeyId } });
    expect(repeat).toMatchObject({ status: 200, body: { started: false, executionName: started.body.executionName } });
    expect(summary).toMatchObject({ status: 'SUCCEEDED', input: { source: 'api', requestedBy: expect.stringMatching(/^api:/) } });
    expect((await env.iam.listAccessKeys(user.userName)).map((k) => k.accessKeyId)).not.toContain(accessKeyId);
    expect((await env.iam.listAttachedPolicies(user.userName)).map((p) => p.policyName)).toEqual([CONTAINMENT_POLICY_NAME]);
    expect(env.notifications.sent.find((n) => n.type === 'key.exposed')).toMatchObject({ source: 'api', action: 'contained' });
  });

  it('a key of a user outside the managed path -> 202, reported only, nothing changed', async () => {
    // Prepare
    const { call, env, seed } = await setup();
    const user = await seed('/elsewhere/');
    const accessKeyId = user.accessKeyIds[0]!;
    // Act
    const started = await call({ accessKeyId, reason: 'found in a paste' });
    await env.workflows.waitForAll();
    // Assess
    expect(started).toMatchObject({ status: 202, body: { started: true } });
    expect(await env.iam.listAccessKeys(user.userName)).toEqual([expect.objectContaining({ accessKeyId, status: 'Active' })]);
    expect(await env.iam.listAttachedPolicies(user.userName)).toEqual([]);
    expect(env.notifications.sent.find((n) => n.type === 'key.exposed')).toMatchObject({ action: 'notify-only' });
  });
});
