/**
 * The local stack's HTTP API is the deployed API's own handler (functions/api/handler.ts): each
 * HTTP request on the loopback port becomes the API Gateway REST proxy event API Gateway would
 * deliver, and the handler's answer becomes the HTTP response. Pure, so it is unit tested.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/** The deployed API's resources (infra/constructs/lifecycle-api.ts), matched the way API Gateway does. */
export const API_RESOURCES = [
  '/offboardings',
  '/offboardings/{userName}',
  '/offboardings/{userName}/approval',
  '/rotations',
  '/rotations/{userName}/rollback',
  '/users/{userName}',
  '/exposures',
] as const;

/** The header that names the caller locally (`--as`); without it the endpoint's STS caller is used. */
export const CALLER_HEADER = 'x-iam-lifecycle-as';

export interface HttpRequest {
  readonly method: string;
  /** Path and query as received, e.g. `/offboardings/alice?x=1`. */
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** The resource template and path parameters for a path, or undefined when no resource matches. */
export function matchResource(pathname: string): { resource: string; pathParameters: Record<string, string> | null } | undefined {
  const segments = pathname.replace(/\/+$/, '').split('/').slice(1);
  for (const resource of API_RESOURCES) {
    const template = resource.split('/').slice(1);
    if (template.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let matches = true;
    for (let i = 0; i < template.length && matches; i++) {
      const want = template[i]!;
      const got = segments[i]!;
      const param = /^\{(\w+)\}$/.exec(want)?.[1];
      if (param) {
        try {
          params[param] = decodeURIComponent(got);
        } catch {
          matches = false;
        }
        matches = matches && got !== '';
      } else matches = want === got;
    }
    if (matches) return { resource, pathParameters: Object.keys(params).length > 0 ? params : null };
  }
  return undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** The API Gateway REST proxy event for one HTTP request made by `caller`. */
export function toApiEvent(request: HttpRequest, caller: string, requestId: string): APIGatewayProxyEvent {
  const url = new URL(request.url, 'http://127.0.0.1');
  const matched = matchResource(url.pathname);
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const single = headerValue(value);
    if (single === undefined) continue;
    headers[name] = single;
    multiValueHeaders[name] = Array.isArray(value) ? value : [single];
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  url.searchParams.forEach((value, key) => {
    query[key] = value;
    (multiQuery[key] ??= []).push(value);
  });
  const hasQuery = Object.keys(query).length > 0;
  return {
    httpMethod: request.method.toUpperCase(),
    // An unknown path keeps itself as resource: the handler answers 404 "no route".
    resource: matched?.resource ?? url.pathname,
    path: url.pathname,
    pathParameters: matched?.pathParameters ?? null,
    body: request.body === '' ? null : request.body,
    isBase64Encoded: false,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      stage: 'local',
      requestId,
      httpMethod: request.method.toUpperCase(),
      path: url.pathname,
      resourcePath: matched?.resource ?? url.pathname,
      resourceId: 'local',
      protocol: 'HTTP/1.1',
      requestTimeEpoch: Date.now(),
      authorizer: null,
      identity: {
        userArn: caller,
        caller,
        sourceIp: '127.0.0.1',
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        user: null,
        userAgent: headers['user-agent'] ?? null,
        clientCert: null,
      },
    },
  };
}

/** The caller of a local request: the `x-iam-lifecycle-as` header, else the stack's default. */
export function callerOf(headers: HttpRequest['headers'], defaultCaller: string): string {
  const named = headerValue(headers[CALLER_HEADER])?.trim();
  return named ? named : defaultCaller;
}

/** Whether the Host header names this loopback server (refuses DNS-rebinding requests from a browser). */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function fromApiResult(result: APIGatewayProxyResult): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  return { statusCode: result.statusCode, headers, body: result.body };
}
