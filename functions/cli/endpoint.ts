/**
 * The local endpoint (`--endpoint URL`): checked to be an http(s) URL, then probed once (a TCP connect) with a short
 * timeout before any command acts, so an emulator that is not running is one line within seconds
 * instead of minutes of SDK retries.
 */
import { connect } from 'node:net';
import { EndpointUnreachableError, EndpointUrlError } from './errors';

const START_ONE =
  'start one with `python3 -m moto.server -p 5000` (pip install "moto[server]==5.2.1") and pass --endpoint http://127.0.0.1:5000, ' +
  'or run `npm start` for the self-contained demo';

export function parseEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EndpointUrlError(
      `--endpoint ${JSON.stringify(value)} is not a URL; give the emulator's address, e.g. --endpoint http://127.0.0.1:5000`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EndpointUrlError(
      `--endpoint ${value} is not an http(s) URL; give the emulator's address, e.g. --endpoint http://127.0.0.1:5000`,
    );
  }
  return value;
}

/** A TCP connection within `timeoutMs` means something listens there; otherwise refused at once. */
export async function probeEndpoint(endpoint: string, timeoutMs = 3000): Promise<void> {
  const url = new URL(endpoint);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const why = await new Promise<string | undefined>((resolve) => {
    const socket = connect({ host, port });
    const done = (reason?: string) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs / 1000} s`));
    socket.once('connect', () => done());
    socket.once('error', (error: Error & { code?: string }) => done(error.code ?? error.message));
  });
  if (why) throw new EndpointUnreachableError(`nothing answers at --endpoint ${endpoint} (${why}); ${START_ONE}`);
}
