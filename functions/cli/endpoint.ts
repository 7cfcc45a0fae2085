/**
 * The local endpoint (`--endpoint URL`): checked to be an http(s) URL, then probed once with a short
 * timeout before any command acts, so an emulator that is not running is one line within seconds
 * instead of minutes of SDK retries.
 */
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
    throw new EndpointUrlError(`--endpoint ${value} is not an http(s) URL; give the emulator's address, e.g. --endpoint http://127.0.0.1:5000`);
  }
  return value;
}

/** Any HTTP answer means something listens there; no answer within `timeoutMs` is refused at once. */
export async function probeEndpoint(endpoint: string, timeoutMs = 3000, fetchImpl: typeof fetch = fetch): Promise<void> {
  try {
    const response = await fetchImpl(endpoint, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
  } catch (error) {
    const err = error as Error & { cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
    const code = err.cause?.code ?? err.cause?.errors?.find((e) => e.code)?.code;
    const why = err.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (code ?? err.cause?.message ?? err.message);
    throw new EndpointUnreachableError(`nothing answers at --endpoint ${endpoint} (${why}); ${START_ONE}`);
  }
}
