/**
 * The event tap against a fake target: answers passed through byte for byte (status, headers, body),
 * a target that is down or drops the connection (502, no event), and an identity lookup that fails
 * (the write is still an event, naming the key as CloudTrail's `Unknown` identity does).
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEventTap, type EventTap } from '../../functions/local/event-tap';
import { freePort } from '../../functions/local/moto';
import { waitFor } from '../support/iam-fixtures';

const AUTH = 'AWS4-HMAC-SHA256 Credential=AKIATESTEXAMPLE/20261130/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00';
const OK = '<UpdateAccessKeyResponse><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></UpdateAccessKeyResponse>';

/** A target answering IAM calls with `OK`, and GetCallerIdentity as `identity` says. */
async function fakeTarget(identity: 'fails' | 'drops' | 'drops-all'): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (identity === 'drops-all' || (identity === 'drops' && body.includes('GetCallerIdentity'))) return req.socket.destroy();
      if (body.includes('GetCallerIdentity')) return res.writeHead(500).end('<Error/>');
      res.writeHead(200, { 'content-type': 'text/xml', 'x-custom': 'kept' }).end(OK);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function call(tap: EventTap): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${tap.url}/`,
      { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end('Action=UpdateAccessKey&Version=2010-05-08&UserName=bob&AccessKeyId=AKIABOB&Status=Active');
  });
}

it.each(['fails', 'drops'] as const)(
  'when the identity lookup %s, the answer is the target’s unchanged and the write is still an event naming the key',
  async (mode) => {
    // Prepare
    const target = await fakeTarget(mode);
    const errors: string[] = [];
    const tap = await startEventTap({ targetEndpoint: target.url, onError: (e) => errors.push(e.message) });
    // Act
    const answer = await call(tap);
    // Assess
    expect(answer).toMatchObject({ status: 200, body: OK, headers: expect.objectContaining({ 'x-custom': 'kept' }) });
    await waitFor('the event (emitted after the answer)', () => tap.events().length > 0, 5_000);
    expect(tap.events().map((e) => [e.detail.eventName, e.detail.userIdentity, e.detail.requestID])).toEqual([
      ['UpdateAccessKey', { type: 'Unknown', principalId: '', arn: '', accountId: '', accessKeyId: 'AKIATESTEXAMPLE' }, 'req-1'],
    ]);
    expect(errors.length).toBe(2); // before the call and the one retry after it
    await tap.stop();
    target.server.close();
    target.server.closeAllConnections();
  },
);

it('a target that is down or drops the call: 502 with the reason, and no event', async () => {
  // Prepare
  const down = await startEventTap({ targetEndpoint: `http://127.0.0.1:${await freePort()}` });
  const dropping = await fakeTarget('drops-all');
  const dropped = await startEventTap({ targetEndpoint: dropping.url });
  // Act
  const a = await call(down);
  const b = await call(dropped);
  // Assess
  expect([a.status, b.status]).toEqual([502, 502]);
  expect(a.body).toMatch(/^event tap: the target endpoint http:\/\/127\.0\.0\.1:\d+ did not answer \(connect ECONNREFUSED/);
  expect([...down.events(), ...dropped.events()]).toEqual([]);
  await down.stop();
  await dropped.stop();
  dropping.server.close();
  dropping.server.closeAllConnections();
});
