/**
 * A small evaluator of an API Gateway resource policy as synthesized (the template's JSON), so the
 * infra tests judge who gets in by evaluation, with conditions and explicit Denies counted, rather
 * than by matching strings. It covers what the stack's policy uses: Allow/Deny, Principal "*",
 * `execute-api:/<stage>/<METHOD>/<path>` resources with `*` wildcards, and the condition operators
 * String(Not)Equals, String(Not)Like and Arn(Not)Like over single-valued keys (a negated operator is
 * true when the key is missing, as in IAM).
 *
 * The decision is API Gateway's for an AWS_IAM-authorized caller: an explicit Deny refuses; otherwise
 * a caller of the API's own account gets in when the resource policy or its identity policy allows
 * it, a caller of another account only when both do.
 */
export interface PolicyStatementJson {
  readonly Effect: 'Allow' | 'Deny';
  readonly Sid?: string;
  readonly Principal?: unknown;
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface ApiCaller {
  /** aws:PrincipalArn: the role (for a role session), the user, or the federated user. */
  readonly principalArn: string;
  readonly account: string;
  /** aws:PrincipalTag/* (principal and session tags). */
  readonly tags?: Readonly<Record<string, string>>;
  /** Whether the caller's identity policies allow execute-api:Invoke on the API (PowerUserAccess does). */
  readonly identityAllows: boolean;
}

export interface ApiRequest {
  readonly stage: string;
  readonly method: string;
  /** The request path, e.g. `/offboardings/alice/approval`. */
  readonly path: string;
}

function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** IAM wildcard match: `*` any run of characters (slashes included), `?` one character; case-sensitive. */
function like(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 's').test(value);
}

function contextValue(caller: ApiCaller, key: string): string | undefined {
  const lower = key.toLowerCase();
  if (lower === 'aws:principalarn') return caller.principalArn;
  if (lower === 'aws:principalaccount') return caller.account;
  if (lower.startsWith('aws:principaltag/')) {
    const tagKey = key.slice('aws:PrincipalTag/'.length);
    return caller.tags?.[tagKey];
  }
  throw new Error(`the evaluator does not know condition key ${key}`);
}

function conditionHolds(operator: string, key: string, values: string[], caller: ApiCaller): boolean {
  const actual = contextValue(caller, key);
  const matchers: Record<string, (pattern: string, value: string) => boolean> = {
    StringEquals: (p, v) => p === v,
    StringLike: like,
    ArnLike: like,
  };
  const negated = operator.replace('Not', '');
  const matcher = matchers[negated];
  if (!matcher) throw new Error(`the evaluator does not know condition operator ${operator}`);
  if (negated === operator) return actual !== undefined && values.some((p) => matcher(p, actual));
  return actual === undefined || !values.some((p) => matcher(p, actual));
}

function statementApplies(statement: PolicyStatementJson, caller: ApiCaller, request: ApiRequest): boolean {
  if (JSON.stringify(statement.Principal) !== JSON.stringify({ AWS: '*' }) && statement.Principal !== '*') {
    throw new Error(`the evaluator handles Principal "*" only (got ${JSON.stringify(statement.Principal)})`);
  }
  if (!asList(statement.Action).some((a) => like(a, 'execute-api:Invoke'))) return false;
  const target = `execute-api:/${request.stage}/${request.method}${request.path}`;
  if (!asList(statement.Resource).some((r) => like(r, target))) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => conditionHolds(operator, key, asList(values), caller)),
  );
}

/** The decision API Gateway makes for this caller and request under the resource policy. */
export function evaluateApiCall(
  statements: readonly PolicyStatementJson[],
  apiAccount: string,
  caller: ApiCaller,
  request: ApiRequest,
): 'allowed' | 'denied' {
  const applying = statements.filter((s) => statementApplies(s, caller, request));
  if (applying.some((s) => s.Effect === 'Deny')) return 'denied';
  const resourceAllows = applying.some((s) => s.Effect === 'Allow');
  if (caller.account === apiAccount) return resourceAllows || caller.identityAllows ? 'allowed' : 'denied';
  return resourceAllows && caller.identityAllows ? 'allowed' : 'denied';
}
