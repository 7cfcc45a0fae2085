/**
 * Which calls the tap records (issue 10: CloudTrail logs every management call, and the offboarding
 * looks up a disabled user's calls with LookupEvents): any SigV4-signed query-protocol (IAM, STS,
 * SNS, ...) or JSON-protocol (Secrets Manager, ...) call, refused ones included with their error
 * code. Only the IAM write calls of IAM_WRITE_CALLS that succeeded go on to the reactions, as only
 * those reach EventBridge's rules. REST-protocol calls (S3) are not recorded.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { IAM_WRITE_CALLS } from './cloudtrail-shape';
import { sigV4Scope, type SigV4Scope } from './identity';

export interface SignedCall {
  readonly scope: SigV4Scope;
  readonly action: string;
  readonly params: URLSearchParams;
  /** An IAM write call the reactions watch (emitted to them when it succeeds). */
  readonly iamWrite: boolean;
}

/** The action of a signed query- or JSON-protocol request, with its (query-protocol) parameters. */
export function signedCall(url: string, headers: IncomingHttpHeaders, body: Buffer): SignedCall | undefined {
  const scope = sigV4Scope(headers.authorization);
  if (!scope) return undefined;
  const params = new URLSearchParams(new URL(url, 'http://tap').search);
  const type = headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.append(k, v);
  }
  const target = headers['x-amz-target'];
  const action = params.get('Action') ?? (typeof target === 'string' ? target.split('.').pop() : undefined);
  if (!action || !/^[A-Za-z]+$/.test(action)) return undefined;
  return { scope, action, params, iamWrite: scope.service === 'iam' && action in IAM_WRITE_CALLS };
}

/** The error code of a refused call: `<Code>` (query protocol) or `__type` (JSON protocol). */
export function errorCodeOf(body: string): string | undefined {
  const xml = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
  if (xml) return xml;
  try {
    const type = (JSON.parse(body) as { __type?: unknown }).__type;
    return typeof type === 'string' ? type.split('#').pop() : undefined;
  } catch {
    return undefined;
  }
}

/** `Get*`, `List*`, `Describe*` ... are read-only in CloudTrail's sense. */
export function isReadOnly(action: string): boolean {
  return /^(Get|List|Describe|Head|Lookup|Search|Simulate)/.test(action);
}

/** The access key id of the session credentials a GetSessionToken answer carries (its secret is never read). */
export function sessionKeyOf(call: SignedCall, status: number, body: string): string | undefined {
  if (call.scope.service !== 'sts' || call.action !== 'GetSessionToken' || status < 200 || status >= 300) return undefined;
  return /<Credentials>[\s\S]*?<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(body)?.[1];
}
