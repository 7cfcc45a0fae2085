/** The exposure response's triggers against moto: AWS Health events (every key) and POST /exposures. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exposureApiRoute } from '../../functions/exposure/api-route';
import { ValidationError } from '../../functions/shared/errors';
import { UnknownAccessKeyError } from '../../functions/exposure/start';
import { makeHealthHandler } from '../../functions/exposure/health-handler';
import { seedUser } from '../../functions/local/seed';
import { parseConfig } from '../../functions/shared/config';
import { apiEvent, CALLER_ARN } from '../support/api-events';
import { uniqueName } from '../support/aws';
import { exposureHarness } from '../support/exposure-harness';

const PATH = '/exposure-triggers/';
const config = parseConfig({ timeScale: 86400 * 7, managedUsers: { pathPrefix: PATH } });
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const healthEvent = (file: string) => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'health', file), 'utf8'));

async function twoUsers() {
  const h = exposureHarness(config);
  const seed = () => seedUser({ iam: h.clients.iam, secrets: h.secrets, config }, { userName: uniqueName('trg'), path: PATH });
  return { h, a: await seed(), b: await seed() };
}

describe('AWS Health exposure events', () => {
  it('starts one response per affected key, skips a key of another account, and a redelivery starts nothing new', async () => {
    // Prepare: a COMPROMISED event (not the EXPOSED code) naming two of our keys and one unknown key
    const { h, a, b } = await twoUsers();
    const event = healthEvent('credentials-compromised.json');
    event.detail.affectedEntities = [
      { entityValue: a.accessKeyIds[0] },
      { entityValue: 'AKIAUNKNOWNKEY000001' },
      { entityValue: b.accessKeyIds[0] },
    ];
    const onHealthEvent = makeHealthHandler({ iam: h.iam, workflows: h.workflows, logger: silent });
    // Act
    const first = await onHealthEvent(event);
    const again = await onHealthEvent(event);
    await Promise.all(first.filter((o) => o.executionName).map((o) => h.workflows.wait('exposure', o.executionName!)));
    // Assess
    expect(first.map((o) => [o.accessKeyId, o.outcome])).toEqual([
      [a.accessKeyIds[0], 'started'],
      ['AKIAUNKNOWNKEY000001', 'unknown-key'],
      [b.accessKeyIds[0], 'started'],
    ]);
    expect(again.map((o) => o.outcome)).toEqual(['already-started', 'unknown-key', 'already-started']);
    for (const user of [a, b]) {
      expect((await h.iam.listAccessKeys(user.userName)).map((k) => k.accessKeyId)).not.toContain(user.accessKeyIds[0]);
    }
    const exposed = h.notifications.sent.filter((n) => n.type === 'key.exposed');
    expect(exposed.map((n) => [n.userName, n.source, n.reason])).toEqual(
      expect.arrayContaining([
        [a.userName, 'health', 'AWS Health AWS_RISK_CREDENTIALS_COMPROMISED'],
        [b.userName, 'health', 'AWS Health AWS_RISK_CREDENTIALS_COMPROMISED'],
      ]),
    );
  });
});

describe('POST /exposures', () => {
  /** The route as the API handler runs it: a named error becomes its status code there. */
  function api(h: ReturnType<typeof exposureHarness>) {
    const route = exposureApiRoute({ iam: h.iam, workflows: h.workflows });
    return async (event: ReturnType<typeof apiEvent>) => {
      try {
        return await route(event, CALLER_ARN);
      } catch (error) {
        if (error instanceof ValidationError) return { statusCode: 400, body: '' };
        if (error instanceof UnknownAccessKeyError) return { statusCode: 404, body: '' };
        throw error;
      }
    };
  }

  it('starts the response for the key’s owner (202), a second call joins it (200)', async () => {
    // Prepare
    const { h, a } = await twoUsers();
    const body = { accessKeyId: a.accessKeyIds[0], reason: 'pasted in a public chat' };
    // Act
    const first = await api(h)(apiEvent('POST', '/exposures', { body }));
    const second = await api(h)(apiEvent('POST', '/exposures', { body }));
    // Assess
    expect(first.statusCode).toBe(202);
    const answer = JSON.parse(first.body);
    expect(answer).toEqual({
      executionName: `expose-${a.userName}-${a.accessKeyIds[0]}`,
      started: true,
      userName: a.userName,
      accessKeyId: a.accessKeyIds[0],
    });
    expect(second.statusCode).toBe(200);
    const summary = await h.workflows.wait('exposure', answer.executionName);
    expect(summary.input).toMatchObject({ source: 'api', requestedBy: `api:${CALLER_ARN}`, reason: 'pasted in a public chat' });
  });

  it.each([
    ['no reason', { accessKeyId: 'AKIAEXAMPLEEXPOSED01' }, 400],
    ['not a key id', { accessKeyId: 'hello', reason: 'x' }, 400],
    ['a temporary key', { accessKeyId: 'ASIAEXAMPLEEXPOSED01', reason: 'x' }, 400],
    ['an unknown field', { accessKeyId: 'AKIAEXAMPLEEXPOSED01', reason: 'x', userName: 'bob' }, 400],
    ['a key of no user here', { accessKeyId: 'AKIAUNKNOWNKEY000002', reason: 'x' }, 404],
  ])('refuses %s and starts nothing', async (_what, body, status) => {
    // Prepare
    const h = exposureHarness(config);
    // Act
    const answer = await api(h)(apiEvent('POST', '/exposures', { body }));
    // Assess
    expect(answer.statusCode).toBe(status);
    expect(await h.workflows.list('exposure')).toEqual([]);
  });
});
