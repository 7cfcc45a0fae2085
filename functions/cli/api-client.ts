/**
 * The stack's HTTP API (API Gateway, AWS_IAM auth) as the CLI calls it in deployed mode: requests
 * signed with SigV4 (service execute-api) using the operator's own credentials, so the API's
 * resource policy and the two-person rule apply to CLI users as they do to everyone else, and the
 * records bucket is written by the stack's own roles only.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { LifecycleError } from '../shared/errors';

/** SHA-256 (and HMAC-SHA-256 when given a secret) for the signer, from node:crypto. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

class NodeSha256 {
  private hash: Hash | Hmac;
  private readonly secret: string | Uint8Array | undefined;
  constructor(secret?: SourceData) {
    this.secret = secret === undefined ? undefined : bytes(secret);
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

export interface ApiCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface ApiAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** The API refused the request (4xx): one line for the operator, CLI exit code 2. */
export class ApiRefusedError extends LifecycleError {
  constructor(
    readonly status: number,
    name: string,
    message: string,
  ) {
    super(message);
    this.name = name;
  }
}

/** What a 4xx answer means, in one line. API Gateway's own refusals carry `Message`, the API's `error`/`message`. */
export function refusal(status: number, body: Record<string, unknown>): ApiRefusedError {
  const apiMessage = typeof body.message === 'string' ? body.message : undefined;
  if (status === 403 && typeof body.error !== 'string') {
    return new ApiRefusedError(
      403,
      'AccessDenied',
      'the API refused the request (403): your principal lacks the `iam-lifecycle:api` principal tag or is not in api.principals',
    );
  }
  const name = typeof body.error === 'string' ? body.error : `Http${status}`;
  return new ApiRefusedError(status, name, (apiMessage ?? `the API answered ${status}`).replace(/\s*\n\s*/g, ' '));
}

export class LifecycleApiClient {
  private readonly base: URL;
  private readonly signer: SignatureV4 | undefined;
  private readonly extraHeaders: Record<string, string> = {};
  /** Organization mode: `accounts/<accountId>/` before every path (see forAccount). */
  private readonly accountPrefix: string = '';

  constructor(
    apiUrl: string,
    region: string | undefined,
    credentials: () => Promise<ApiCredentials> = defaultProvider(),
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.base = new URL(apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
    this.signer =
      region === undefined ? undefined : new SignatureV4({ service: 'execute-api', region, credentials, sha256: NodeSha256 });
  }

  /**
   * The local stack's API (functions/local/stack): unsigned, so loopback only; `headers` name the
   * local caller (`--as`) and carry the control token.
   */
  static unsigned(apiUrl: string, headers: Record<string, string> = {}, fetchImpl: typeof fetch = fetch): LifecycleApiClient {
    const { protocol, hostname } = new URL(apiUrl);
    if (protocol !== 'http:' || (hostname !== '127.0.0.1' && hostname !== 'localhost')) {
      throw new LifecycleError(`refusing to send an unsigned request to ${apiUrl}: only the loopback local stack takes them`);
    }
    const client = new LifecycleApiClient(apiUrl, undefined, undefined, fetchImpl);
    Object.assign(client.extraHeaders, headers);
    return client;
  }

  /** Organization mode: the same client with every path under `/accounts/<accountId>` (the API's per-account routes). */
  forAccount(accountId: string): LifecycleApiClient {
    const client = Object.create(this) as LifecycleApiClient;
    Object.defineProperty(client, 'accountPrefix', { value: `accounts/${accountId}/` });
    return client;
  }

  get(path: string): Promise<ApiAnswer> {
    return this.request('GET', path);
  }
  post(path: string, body: unknown = {}): Promise<ApiAnswer> {
    return this.request('POST', path, body);
  }
  delete(path: string): Promise<ApiAnswer> {
    return this.request('DELETE', path);
  }

  /** Sends one signed request; 2xx answers return, 4xx throw ApiRefusedError, anything else Error. */
  async request(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<ApiAnswer> {
    const url = new URL(this.accountPrefix + path.replace(/^\//, ''), this.base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => (query[key] = value));
    const headers = {
      host: url.host,
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
      ...this.extraHeaders,
    };
    const signed = await (this.signer?.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers,
      ...(payload !== undefined ? { body: payload } : {}),
    }) ?? { headers });
    const response = await this.fetchImpl(url, {
      method,
      // fetch sets Host itself (from the URL, as signed).
      headers: Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name.toLowerCase() !== 'host')),
      ...(payload !== undefined ? { body: payload } : {}),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      const value = text ? (JSON.parse(text) as unknown) : {};
      parsed = value && typeof value === 'object' ? (value as Record<string, unknown>) : { value };
    } catch {
      parsed = { message: text.slice(0, 200) };
    }
    if (response.status >= 200 && response.status < 300) return { status: response.status, body: parsed };
    if (response.status >= 400 && response.status < 500) throw refusal(response.status, parsed);
    throw new Error(`${method} ${url.pathname} failed: the API answered ${response.status}`);
  }
}
