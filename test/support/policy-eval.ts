/**
 * A small IAM policy evaluator for the tests: explicit Deny wins, then any Allow, else implicit
 * deny. Understands Action/NotAction with wildcards, Principal "*" / {AWS: [...]}, and the
 * condition operators the stack's policies use (StringEquals, StringNotEquals, StringLike, Bool),
 * so conditions and explicit denies count instead of being matched as strings.
 */
export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Principal?: unknown;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface Request {
  readonly action: string;
  /** The caller as the key/resource policy sees it: aws:PrincipalArn. */
  readonly principalArn: string;
  /** Condition keys and their values in the request (e.g. kms:ViaService). */
  readonly context?: Readonly<Record<string, string>>;
}

const list = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];

function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, ignoreCase ? 'i' : '').test(value);
}

function principalMatches(principal: unknown, principalArn: string): boolean {
  if (principal === '*') return true;
  const aws = list((principal as { AWS?: unknown } | undefined)?.AWS);
  return aws.some((p) => p === '*' || p === principalArn);
}

function conditionHolds(condition: PolicyStatementJson['Condition'], request: Request): boolean {
  const context: Record<string, string> = { 'aws:PrincipalArn': request.principalArn, ...request.context };
  return Object.entries(condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const actual = context[key];
      const values = list(expected);
      switch (operator) {
        case 'StringEquals':
          return actual !== undefined && values.includes(actual);
        case 'StringNotEquals':
          return actual === undefined || !values.includes(actual);
        case 'StringLike':
          return actual !== undefined && values.some((v) => wildcard(v, actual, false));
        case 'Bool':
          return actual !== undefined && values.includes(actual);
        default:
          throw new Error(`policy-eval: unsupported condition operator ${operator}`);
      }
    }),
  );
}

function applies(statement: PolicyStatementJson, request: Request): boolean {
  const actionMatches =
    statement.Action !== undefined
      ? list(statement.Action).some((a) => wildcard(a, request.action, true))
      : !list(statement.NotAction).some((a) => wildcard(a, request.action, true));
  return (
    actionMatches && principalMatches(statement.Principal, request.principalArn) && conditionHolds(statement.Condition, request)
  );
}

export type Decision = 'allowed' | 'explicit-deny' | 'implicit-deny';

export function evaluate(statements: readonly PolicyStatementJson[], request: Request): Decision {
  const matching = statements.filter((s) => applies(s, request));
  if (matching.some((s) => s.Effect === 'Deny')) return 'explicit-deny';
  return matching.some((s) => s.Effect === 'Allow') ? 'allowed' : 'implicit-deny';
}
