/**
 * The local stack serves the deployed API's handler: each HTTP request becomes the API Gateway REST
 * proxy event API Gateway would deliver (resource, path parameters, body, caller identity).
 */
import { makeApiHandler, type ApiDeps } from '../../functions/api/handler';
import { UserNotFoundError } from '../../functions/shared/errors';
import { parseConfig } from '../../functions/shared/config';
import {
  API_RESOURCES,
  callerOf,
  fromApiResult,
  isLoopbackHost,
  matchResource,
  toApiEvent,
} from '../../functions/local/stack/http-event';

const CALLER = 'arn:aws:sts::123456789012:user/moto';

describe('HTTP request to API Gateway proxy event', () => {
  it('fills resource, decoded path parameters, body, query and the caller as API Gateway does', () => {
    // Act
    const event = toApiEvent(
      {
        method: 'post',
        url: '/offboardings/a%40b.c/approval?x=1&x=2',
        headers: { 'content-type': 'application/json', 'user-agent': 'cli' },
        body: '{"action":"offboard"}',
      },
      CALLER,
      'req-1',
    );
    // Assess
    expect(event).toMatchObject({
      httpMethod: 'POST',
      resource: '/offboardings/{userName}/approval',
      path: '/offboardings/a%40b.c/approval',
      pathParameters: { userName: 'a@b.c' },
      body: '{"action":"offboard"}',
      queryStringParameters: { x: '2' },
      multiValueQueryStringParameters: { x: ['1', '2'] },
      headers: { 'content-type': 'application/json', 'user-agent': 'cli' },
      requestContext: { stage: 'local', requestId: 'req-1', identity: { userArn: CALLER, sourceIp: '127.0.0.1' } },
    });
  });

  it('matches each deployed resource, and no more', () => {
    // Act
    const matched = [
      matchResource('/offboardings'),
      matchResource('/offboardings/alice'),
      matchResource('/offboardings/alice/'),
      matchResource('/rotations/alice/rollback'),
      matchResource('/users/alice'),
      matchResource('/users'),
      matchResource('/users/alice/extra'),
      matchResource('/users/%E0%A4%A'),
    ];
    // Assess
    expect(matched.map((m) => m?.resource)).toEqual([
      '/offboardings',
      '/offboardings/{userName}',
      '/offboardings/{userName}',
      '/rotations/{userName}/rollback',
      '/users/{userName}',
      undefined,
      undefined,
      undefined,
    ]);
    expect(matched[1]?.pathParameters).toEqual({ userName: 'alice' });
    expect(matched[0]?.pathParameters).toBeNull();
  });

  it('names the caller from the local header, else the stack default', () => {
    // Act
    const named = callerOf({ 'x-iam-lifecycle-as': ' bob ' }, CALLER);
    const blank = callerOf({ 'x-iam-lifecycle-as': '  ' }, CALLER);
    const none = callerOf({}, CALLER);
    // Assess
    expect([named, blank, none]).toEqual(['bob', CALLER, CALLER]);
  });

  it('takes only requests addressed to the loopback port (no DNS rebinding)', () => {
    // Act
    const hosts = ['127.0.0.1:4510', 'localhost:4510', 'evil.example:4510', '127.0.0.1:80', undefined].map((h) =>
      isLoopbackHost(h, 4510),
    );
    // Assess
    expect(hosts).toEqual([true, true, false, false, false]);
  });

  it('reaches a route of the real handler for every deployed method, and its 404 for anything else', async () => {
    // Prepare: every dependency answers "no such user", so a reached route answers UserNotFoundError.
    const missing = () => Promise.reject(new UserNotFoundError('alice'));
    const deps = {
      iam: { getUser: missing, findUser: missing, keyOwner: missing },
      secrets: { currentKeyIdFromTags: missing },
      workflows: { list: missing, describe: missing },
      config: parseConfig({}),
      clock: () => new Date(),
      logger: { info: () => undefined, error: () => undefined },
      offboarding: { start: missing, cancel: missing, requestApproval: missing, approve: missing, status: missing },
    } as unknown as ApiDeps;
    const handler = makeApiHandler(deps);
    const call = async (method: string, url: string, body = '') =>
      fromApiResult(await handler(toApiEvent({ method, url, headers: {}, body }, CALLER, 'r')));
    // Act
    const answers = await Promise.all([
      call('POST', '/offboardings', '{"userName":"alice","reason":"x"}'),
      call('GET', '/offboardings/alice'),
      call('DELETE', '/offboardings/alice'),
      call('POST', '/offboardings/alice/approval', '{"action":"offboard"}'),
      call('POST', '/rotations', '{"userName":"alice"}'),
      call('POST', '/rotations/alice/rollback'),
      call('GET', '/users/alice'),
      call('POST', '/exposures', '{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","reason":"x"}'),
      call('GET', '/nothing/here'),
    ]);
    // Assess
    const errors = answers.map((a) => `${a.statusCode} ${(JSON.parse(a.body) as { error: string }).error}`);
    expect(errors.slice(0, 8)).toEqual(Array(8).fill('404 UserNotFoundError'));
    expect(errors[8]).toBe('404 NotFound');
    expect(answers[0]?.headers['content-type']).toBe('application/json');
    expect(API_RESOURCES).toHaveLength(7); // one call above per resource
  });
});
