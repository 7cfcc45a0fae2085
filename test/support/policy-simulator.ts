/**
 * A small IAM policy evaluator for the infra tests: it decides a request (principal, action,
 * resource, context keys) against identity policies and an optional resource policy the way IAM does
 * within one account, so that the tests prove what a role *can do* instead of matching strings.
 * Conditions, NotAction/NotResource, NotPrincipal and explicit denies all count.
 *
 * Covered (AWS "Policy evaluation logic", no SCP/boundary/session policy):
 * - an explicit Deny in any policy wins; otherwise an Allow in the identity policies or a resource
 *   policy statement naming the principal allows, except for KMS keys, where the key policy must
 *   allow (directly, or by naming the account, which delegates to the identity policies);
 * - a caller of another account than `resourceAccount` needs an identity Allow and a resource
 *   policy Allow naming it or its account (both, for any kind of resource);
 * - a resource policy naming the account (`123456789012` or `arn:...:root`) delegates to IAM: it
 *   grants nothing by itself;
 * - Action/NotAction (case-insensitive) and Resource/NotResource with `*` and `?`;
 * - Principal/NotPrincipal (`*`, AWS ARNs and account ids, Service);
 * - condition operators String*, Numeric*, Date*, Bool, Arn*, Null, each with IfExists, and the
 *   ForAllValues:/ForAnyValue: set operators over multi-valued keys (aws:TagKeys);
 * - policy variables `${key}` in Resource and condition values, and `${*}`, `${?}`, `${$}`.
 *
 * Anything else (IpAddress, Binary*, a Principal form it does not know) throws
 * UnsupportedPolicyError rather than being guessed, so a test cannot pass by accident.
 *
 * `resolveTemplate` turns the CloudFormation intrinsics of a synthesized template into concrete
 * strings (fake, deterministic names per logical id) so its policies can be evaluated.
 */

export type Effect = 'Allow' | 'Deny';

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: Effect;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Principal?: PolicyPrincipal;
  readonly NotPrincipal?: PolicyPrincipal;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export type PolicyPrincipal = '*' | Readonly<Record<string, string | readonly string[]>>;

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatement | readonly PolicyStatement[];
}

/** A context key's value: a string (booleans and numbers as their text) or a list for multi-valued keys. */
export type ContextValue = string | readonly string[];

export interface RequestPrincipal {
  /** ARN of the IAM role or user (for a role, its session is evaluated as the role). */
  readonly arn: string;
  /** Principal tags, published as aws:PrincipalTag/<key>. */
  readonly tags?: Readonly<Record<string, string>>;
  /** aws:userid: `<RoleId>:<session>` for a role, the user id for a user. */
  readonly userId?: string;
}

export interface SimulationRequest {
  readonly principal: RequestPrincipal;
  readonly action: string;
  readonly resource: string;
  /**
   * Request context keys (case-insensitive). aws:PrincipalArn, aws:PrincipalAccount,
   * aws:PrincipalType, aws:PrincipalIsAWSService, aws:userid and aws:PrincipalTag/* are filled
   * from the principal unless given here.
   */
  readonly context?: Readonly<Record<string, ContextValue | undefined>>;
}

export interface Simulation {
  readonly identityPolicies: readonly PolicyDocument[];
  /** The resource's own policy (bucket policy, key policy, API resource policy, secret policy). */
  readonly resourcePolicy?: PolicyDocument;
  /**
   * `kms-key`: the key policy is required (identity policies count only when it delegates to the
   * account). `standard`: identity and resource policies are a union within the account.
   * @default 'standard'
   */
  readonly resourcePolicyKind?: 'standard' | 'kms-key';
  /**
   * The account that owns the resource. A caller of another account needs both: its identity
   * policies must allow and the resource policy must name it (or its account).
   * @default the caller's account (same-account evaluation)
   */
  readonly resourceAccount?: string;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface SimulationResult {
  readonly decision: Decision;
  /** The statements that decided: the matching Deny statements, else the matching Allow statements. */
  readonly deciding: readonly PolicyStatement[];
}

export class UnsupportedPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedPolicyError';
  }
}

export function asList<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

export function statementsOf(document: PolicyDocument): PolicyStatement[] {
  return asList(document.Statement);
}

/** The account id of an ARN (`arn:aws:iam::123456789012:role/x` -> `123456789012`). */
export function accountOf(arn: string): string {
  const account = arn.split(':')[4];
  if (!account) throw new UnsupportedPolicyError(`no account id in ARN "${arn}"`);
  return account;
}

// ---- evaluation -------------------------------------------------------------------------------

type Context = ReadonlyMap<string, ContextValue>;

function buildContext(request: SimulationRequest): Context {
  const context = new Map<string, ContextValue>();
  context.set('aws:principalarn', request.principal.arn);
  context.set('aws:principalaccount', accountOf(request.principal.arn));
  const type = /^arn:[^:]+:iam::\d+:(role|user)\//.exec(request.principal.arn)?.[1];
  if (type) context.set('aws:principaltype', type === 'role' ? 'AssumedRole' : 'User');
  context.set('aws:principalisawsservice', 'false');
  if (request.principal.userId) context.set('aws:userid', request.principal.userId);
  for (const [key, value] of Object.entries(request.principal.tags ?? {}))
    context.set(`aws:principaltag/${key.toLowerCase()}`, value);
  for (const [key, value] of Object.entries(request.context ?? {})) {
    if (value === undefined) context.delete(key.toLowerCase());
    else context.set(key.toLowerCase(), value);
  }
  return context;
}

/** Decides one request. Pure: the same inputs always give the same decision. */
export function simulate(simulation: Simulation, request: SimulationRequest): SimulationResult {
  const context = buildContext(request);
  const identity = simulation.identityPolicies.flatMap(statementsOf);
  for (const statement of identity) {
    if (statement.Principal !== undefined || statement.NotPrincipal !== undefined) {
      throw new UnsupportedPolicyError(`identity policy statement ${statement.Sid ?? ''} names a principal`);
    }
  }
  const resource = simulation.resourcePolicy ? statementsOf(simulation.resourcePolicy) : [];

  const identityMatches = identity.filter((s) => statementApplies(s, request, context));
  const resourceMatches = resource.filter(
    (s) => statementApplies(s, request, context) && principalApplies(s, request.principal) !== 'none',
  );

  const denies = [...identityMatches, ...resourceMatches].filter((s) => s.Effect === 'Deny');
  if (denies.length > 0) return { decision: 'ExplicitlyDenied', deciding: denies };

  const identityAllows = identityMatches.filter((s) => s.Effect === 'Allow');
  const resourceAllows = resourceMatches.filter((s) => s.Effect === 'Allow');
  // A resource statement that names the principal (or everyone) grants; one that names the account delegates to IAM.
  const grants = resourceAllows.filter((s) => principalApplies(s, request.principal) === 'direct');
  const delegates = resourceAllows.filter((s) => principalApplies(s, request.principal) === 'account');

  let allowedBy: PolicyStatement[];
  const crossAccount =
    simulation.resourceAccount !== undefined && simulation.resourceAccount !== accountOf(request.principal.arn);
  if (crossAccount) {
    // Across accounts neither side alone is enough; naming the caller's account trusts that account's IAM.
    const trusted = [...grants, ...delegates];
    allowedBy = identityAllows.length > 0 && trusted.length > 0 ? [...identityAllows, ...trusted] : [];
  } else if ((simulation.resourcePolicyKind ?? 'standard') === 'kms-key') {
    allowedBy = grants.length > 0 ? grants : delegates.length > 0 ? identityAllows : [];
  } else {
    allowedBy = [...identityAllows, ...grants];
  }
  return allowedBy.length > 0 ? { decision: 'Allowed', deciding: allowedBy } : { decision: 'ImplicitlyDenied', deciding: [] };
}

function statementApplies(statement: PolicyStatement, request: SimulationRequest, context: Context): boolean {
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
    throw new UnsupportedPolicyError(`statement ${statement.Sid ?? ''} has Effect ${String(statement.Effect)}`);
  }
  return (
    actionApplies(statement, request.action) &&
    resourceApplies(statement, request.resource, context) &&
    conditionsHold(statement, context)
  );
}

function actionApplies(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined && statement.NotAction !== undefined)
    throw new UnsupportedPolicyError('both Action and NotAction');
  const matches = (patterns: readonly string[]) => patterns.some((p) => globToRegExp(p, true).test(action));
  if (statement.Action !== undefined) return matches(asList(statement.Action));
  if (statement.NotAction !== undefined) return !matches(asList(statement.NotAction));
  throw new UnsupportedPolicyError(`statement ${statement.Sid ?? ''} has neither Action nor NotAction`);
}

function resourceApplies(statement: PolicyStatement, resource: string, context: Context): boolean {
  if (statement.Resource !== undefined && statement.NotResource !== undefined)
    throw new UnsupportedPolicyError('both Resource and NotResource');
  const matches = (patterns: readonly string[]) =>
    patterns.some((p) => {
      const regex = patternToRegExp(p, context, true, false);
      return regex !== undefined && regex.test(resource);
    });
  if (statement.Resource !== undefined) return matches(asList(statement.Resource));
  if (statement.NotResource !== undefined) return !matches(asList(statement.NotResource));
  // Trust policies and some resource policies omit Resource: the policy's own resource.
  return true;
}

/** How a resource policy statement's Principal/NotPrincipal relates to the caller. */
type PrincipalMatch = 'direct' | 'account' | 'none';

function principalApplies(statement: PolicyStatement, principal: RequestPrincipal): PrincipalMatch {
  if (statement.Principal !== undefined && statement.NotPrincipal !== undefined)
    throw new UnsupportedPolicyError('both Principal and NotPrincipal');
  if (statement.Principal !== undefined) return matchPrincipal(statement.Principal, principal);
  if (statement.NotPrincipal !== undefined) {
    // NotPrincipal excludes the caller if it names the caller or the caller's account.
    return matchPrincipal(statement.NotPrincipal, principal) === 'none' ? 'direct' : 'none';
  }
  throw new UnsupportedPolicyError(`resource policy statement ${statement.Sid ?? ''} has neither Principal nor NotPrincipal`);
}

function matchPrincipal(value: PolicyPrincipal, principal: RequestPrincipal): PrincipalMatch {
  if (value === '*') return 'direct';
  let best: PrincipalMatch = 'none';
  for (const [kind, entries] of Object.entries(value)) {
    for (const entry of asList(entries)) {
      if (kind === 'AWS') {
        const account = accountOf(principal.arn);
        if (entry === '*' || entry === principal.arn) return 'direct';
        if (entry === account || entry === `arn:${principal.arn.split(':')[1]}:iam::${account}:root`) best = 'account';
        else if (entry.includes('*') || entry.includes('?')) throw new UnsupportedPolicyError(`wildcard in Principal "${entry}"`);
      } else if (kind === 'Service' || kind === 'Federated' || kind === 'CanonicalUser') {
        // The callers simulated here are IAM roles and users, never services.
      } else {
        throw new UnsupportedPolicyError(`Principal type ${kind}`);
      }
    }
  }
  return best;
}

// ---- conditions -------------------------------------------------------------------------------

type ValueKind = 'string' | 'numeric' | 'date' | 'bool' | 'arn' | 'null';

interface OperatorSpec {
  readonly kind: ValueKind;
  /** The operator is the negation of a positive one (StringNotEquals, ArnNotLike, ...). */
  readonly negated: boolean;
  /** Positive comparison of one request value with one policy value. */
  readonly compare: (request: string, policy: string, context: Context) => boolean;
}

const glob = (policy: string, context: Context, ignoreCase: boolean) => patternToRegExp(policy, context, true, ignoreCase);
const literal = (policy: string, context: Context, ignoreCase: boolean) => patternToRegExp(policy, context, false, ignoreCase);
const test = (regex: RegExp | undefined, value: string) => regex !== undefined && regex.test(value);
const numeric = (cmp: (a: number, b: number) => boolean) => (r: string, p: string) => {
  const [a, b] = [Number(r), Number(p)];
  return r.trim() !== '' && p.trim() !== '' && !Number.isNaN(a) && !Number.isNaN(b) && cmp(a, b);
};
const date = (cmp: (a: number, b: number) => boolean) => (r: string, p: string) => {
  const [a, b] = [parseDate(r), parseDate(p)];
  return a !== undefined && b !== undefined && cmp(a, b);
};

function parseDate(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** ARN comparison: each of the six colon-separated parts on its own, wildcards inside a part only. */
function arnMatches(request: string, policy: string, context: Context): boolean {
  const split = (arn: string) => {
    const parts = arn.split(':');
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const [r, p] = [split(request), split(policy)];
  if (!r || !p) return false;
  return p.every((part, i) => test(glob(part, context, false), r[i] ?? ''));
}

const OPERATORS: Readonly<Record<string, OperatorSpec>> = {
  StringEquals: { kind: 'string', negated: false, compare: (r, p, c) => test(literal(p, c, false), r) },
  StringNotEquals: { kind: 'string', negated: true, compare: (r, p, c) => test(literal(p, c, false), r) },
  StringEqualsIgnoreCase: { kind: 'string', negated: false, compare: (r, p, c) => test(literal(p, c, true), r) },
  StringNotEqualsIgnoreCase: { kind: 'string', negated: true, compare: (r, p, c) => test(literal(p, c, true), r) },
  StringLike: { kind: 'string', negated: false, compare: (r, p, c) => test(glob(p, c, false), r) },
  StringNotLike: { kind: 'string', negated: true, compare: (r, p, c) => test(glob(p, c, false), r) },
  NumericEquals: { kind: 'numeric', negated: false, compare: numeric((a, b) => a === b) },
  NumericNotEquals: { kind: 'numeric', negated: true, compare: numeric((a, b) => a === b) },
  NumericLessThan: { kind: 'numeric', negated: false, compare: numeric((a, b) => a < b) },
  NumericLessThanEquals: { kind: 'numeric', negated: false, compare: numeric((a, b) => a <= b) },
  NumericGreaterThan: { kind: 'numeric', negated: false, compare: numeric((a, b) => a > b) },
  NumericGreaterThanEquals: { kind: 'numeric', negated: false, compare: numeric((a, b) => a >= b) },
  DateEquals: { kind: 'date', negated: false, compare: date((a, b) => a === b) },
  DateNotEquals: { kind: 'date', negated: true, compare: date((a, b) => a === b) },
  DateLessThan: { kind: 'date', negated: false, compare: date((a, b) => a < b) },
  DateLessThanEquals: { kind: 'date', negated: false, compare: date((a, b) => a <= b) },
  DateGreaterThan: { kind: 'date', negated: false, compare: date((a, b) => a > b) },
  DateGreaterThanEquals: { kind: 'date', negated: false, compare: date((a, b) => a >= b) },
  Bool: { kind: 'bool', negated: false, compare: (r, p) => r.toLowerCase() === p.toLowerCase() },
  ArnEquals: { kind: 'arn', negated: false, compare: arnMatches },
  ArnLike: { kind: 'arn', negated: false, compare: arnMatches },
  ArnNotEquals: { kind: 'arn', negated: true, compare: arnMatches },
  ArnNotLike: { kind: 'arn', negated: true, compare: arnMatches },
  Null: { kind: 'null', negated: false, compare: () => false },
};

function conditionsHold(statement: PolicyStatement, context: Context): boolean {
  for (const [operator, entries] of Object.entries(statement.Condition ?? {})) {
    for (const [key, policyValue] of Object.entries(entries)) {
      if (!conditionHolds(operator, key, asList(policyValue as unknown).map(policyString), context)) return false;
    }
  }
  return true;
}

function policyString(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new UnsupportedPolicyError(`condition value ${JSON.stringify(value)} is not a string (unresolved intrinsic?)`);
}

/** One condition key under one operator: true when it holds for the request. */
export function conditionHolds(operator: string, key: string, policyValues: readonly string[], context: Context): boolean {
  const set = /^(ForAllValues|ForAnyValue):/.exec(operator)?.[1];
  let base = set ? operator.slice(set.length + 1) : operator;
  const ifExists = base.endsWith('IfExists');
  if (ifExists) base = base.slice(0, -'IfExists'.length);
  const spec = OPERATORS[base];
  if (!spec) throw new UnsupportedPolicyError(`condition operator ${operator}`);

  const raw = context.get(key.toLowerCase());
  const requestValues = raw === undefined ? [] : asList(raw);
  const present = requestValues.length > 0;

  if (spec.kind === 'null') {
    const wantsAbsent = policyValues.map((v) => v.toLowerCase());
    return wantsAbsent.some((v) => (v === 'true' ? !present : v === 'false' ? present : false));
  }
  // Positive: does this request value match any of the policy values?
  const matchesAny = (value: string) => policyValues.some((p) => spec.compare(value, p, context));

  if (set === 'ForAllValues') {
    // True for every request value (vacuously true without any).
    return requestValues.every((value) => (spec.negated ? !matchesAny(value) : matchesAny(value)));
  }
  if (set === 'ForAnyValue') {
    if (!present) return ifExists;
    return requestValues.some((value) => (spec.negated ? !matchesAny(value) : matchesAny(value)));
  }
  if (!present) return ifExists || spec.negated;
  const anyMatch = requestValues.some(matchesAny);
  return spec.negated ? !anyMatch : anyMatch;
}

// ---- patterns -------------------------------------------------------------------------------

const regexCache = new Map<string, RegExp>();

/** A case-insensitive or sensitive glob (`*`, `?`) without policy variables (actions). */
function globToRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const cacheKey = `g${ignoreCase ? 'i' : 's'}|${pattern}`;
  let regex = regexCache.get(cacheKey);
  if (!regex) {
    const body = [...pattern].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : escapeRegExp(ch))).join('');
    regex = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    regexCache.set(cacheKey, regex);
  }
  return regex;
}

/**
 * A policy value (resource or condition value) as a regular expression: policy variables replaced
 * from the context, `*`/`?` as wildcards when `wildcards`. Undefined when a variable has no value in
 * the request (the value then matches nothing).
 */
export function patternToRegExp(pattern: string, context: Context, wildcards: boolean, ignoreCase: boolean): RegExp | undefined {
  // Without policy variables the expression depends on the pattern only: cache it.
  const cacheKey = pattern.includes('${') ? undefined : `${wildcards ? 'w' : 'l'}${ignoreCase ? 'i' : 's'}|${pattern}`;
  const cached = cacheKey === undefined ? undefined : regexCache.get(cacheKey);
  if (cached) return cached;
  let body = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '$' && pattern[i + 1] === '{') {
      const end = pattern.indexOf('}', i);
      if (end < 0) throw new UnsupportedPolicyError(`unterminated policy variable in "${pattern}"`);
      const name = pattern.slice(i + 2, end).trim();
      i = end;
      if (name === '*' || name === '?' || name === '$') {
        body += escapeRegExp(name);
        continue;
      }
      const value = context.get(name.toLowerCase());
      if (value === undefined || Array.isArray(value)) return undefined;
      body += escapeRegExp(value as string);
    } else if (wildcards && ch === '*') body += '.*';
    else if (wildcards && ch === '?') body += '.';
    else body += escapeRegExp(ch);
  }
  const regex = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
  if (cacheKey !== undefined) regexCache.set(cacheKey, regex);
  return regex;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

// ---- CloudFormation templates -------------------------------------------------------------------

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, CfnResource>>;
}

export interface TemplateEnvironment {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
}

export const TEST_ENVIRONMENT: TemplateEnvironment = { accountId: '111111111111', region: 'eu-west-1', partition: 'aws' };

/**
 * Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select and Fn::Split of a template to strings.
 * Every resource gets a fake physical name derived from its logical id (or its explicit name
 * property), and ARNs are built from those names the way AWS builds them.
 */
export class TemplateResolver {
  constructor(
    readonly template: CfnTemplate,
    readonly env: TemplateEnvironment = TEST_ENVIRONMENT,
  ) {}

  /** A deep copy of `value` with every intrinsic replaced by its string. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return this.intrinsic(keys[0]!, obj[keys[0]!]);
    return Object.fromEntries(keys.map((k) => [k, this.resolve(obj[k])]));
  }

  resolveString(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') throw new UnsupportedPolicyError(`${JSON.stringify(value)} does not resolve to a string`);
    return resolved;
  }

  resource(logicalId: string): CfnResource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new UnsupportedPolicyError(`no resource ${logicalId} in the template`);
    return resource;
  }

  ref(name: string): string {
    const { accountId, region, partition } = this.env;
    switch (name) {
      case 'AWS::AccountId':
        return accountId;
      case 'AWS::Region':
        return region;
      case 'AWS::Partition':
        return partition;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'TestStack';
      case 'AWS::StackId':
        return `arn:${partition}:cloudformation:${region}:${accountId}:stack/TestStack/1`;
    }
    const resource = this.resource(name);
    const physical = this.physicalName(name);
    switch (resource.Type) {
      case 'AWS::IAM::ManagedPolicy':
      case 'AWS::SNS::Topic':
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::SecretsManager::Secret':
        return this.arnOf(name);
      case 'AWS::KMS::Key':
        return `key-${name.toLowerCase()}`;
      case 'AWS::ApiGateway::RestApi':
        return `api${name.toLowerCase()}`.slice(0, 10);
      default:
        return physical;
    }
  }

  getAtt(name: string, attribute: string): string {
    const resource = this.resource(name);
    if (attribute === 'Arn' || (resource.Type === 'AWS::SNS::Topic' && attribute === 'TopicArn') || attribute === 'PolicyArn') {
      return this.arnOf(name);
    }
    if (attribute === 'Name' || attribute === 'StateMachineName' || attribute === 'TopicName') return this.physicalName(name);
    if (resource.Type === 'AWS::IAM::Role' && attribute === 'RoleId') return `AROA${name.toUpperCase()}`;
    if (resource.Type === 'AWS::KMS::Key' && attribute === 'KeyId') return this.ref(name);
    if (resource.Type === 'AWS::ApiGateway::RestApi' && attribute === 'RootResourceId') return `root-${name.toLowerCase()}`;
    if (resource.Type === 'AWS::S3::Bucket' && attribute === 'DomainName') return `${this.physicalName(name)}.s3.amazonaws.com`;
    throw new UnsupportedPolicyError(`Fn::GetAtt ${name}.${attribute} (${resource.Type})`);
  }

  /** The ARN AWS gives the resource. */
  arnOf(name: string): string {
    const { accountId, region, partition } = this.env;
    const resource = this.resource(name);
    const physical = this.physicalName(name);
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        return `arn:${partition}:iam::${accountId}:role/${physical}`;
      case 'AWS::IAM::ManagedPolicy':
        return `arn:${partition}:iam::${accountId}:policy/${physical}`;
      case 'AWS::IAM::User':
        return `arn:${partition}:iam::${accountId}:user/${physical}`;
      case 'AWS::S3::Bucket':
        return `arn:${partition}:s3:::${physical}`;
      case 'AWS::KMS::Key':
        return `arn:${partition}:kms:${region}:${accountId}:key/${this.ref(name)}`;
      case 'AWS::Logs::LogGroup':
        return `arn:${partition}:logs:${region}:${accountId}:log-group:${physical}:*`;
      case 'AWS::Lambda::Function':
        return `arn:${partition}:lambda:${region}:${accountId}:function:${physical}`;
      case 'AWS::SNS::Topic':
        return `arn:${partition}:sns:${region}:${accountId}:${physical}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:${partition}:states:${region}:${accountId}:stateMachine:${physical}`;
      case 'AWS::SecretsManager::Secret':
        return `arn:${partition}:secretsmanager:${region}:${accountId}:secret:${physical}-AbCdEf`;
      case 'AWS::SQS::Queue':
        return `arn:${partition}:sqs:${region}:${accountId}:${physical}`;
      case 'AWS::Events::Rule':
        return `arn:${partition}:events:${region}:${accountId}:rule/${physical}`;
      case 'AWS::Events::EventBus':
        return `arn:${partition}:events:${region}:${accountId}:event-bus/${physical}`;
      case 'AWS::Scheduler::Schedule':
        return `arn:${partition}:scheduler:${region}:${accountId}:schedule/default/${physical}`;
      case 'AWS::DynamoDB::Table':
        return `arn:${partition}:dynamodb:${region}:${accountId}:table/${physical}`;
      default:
        throw new UnsupportedPolicyError(`the ARN of ${name} (${resource.Type})`);
    }
  }

  /** The resource's explicit name property when it has one, else a name derived from its logical id. */
  physicalName(name: string): string {
    const resource = this.resource(name);
    const nameProperty: Record<string, string> = {
      'AWS::IAM::Role': 'RoleName',
      'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
      'AWS::IAM::User': 'UserName',
      'AWS::S3::Bucket': 'BucketName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::SNS::Topic': 'TopicName',
      'AWS::StepFunctions::StateMachine': 'StateMachineName',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::SecretsManager::Secret': 'Name',
      'AWS::SQS::Queue': 'QueueName',
    };
    const property = nameProperty[resource.Type];
    const explicit = property ? resource.Properties?.[property] : undefined;
    if (explicit !== undefined) return this.resolveString(explicit);
    return resource.Type === 'AWS::S3::Bucket' ? `bucket-${name.toLowerCase()}` : name;
  }

  private intrinsic(fn: string, arg: unknown): unknown {
    switch (fn) {
      case 'Ref':
        return this.ref(arg as string);
      case 'Fn::GetAtt': {
        const [name, attribute] =
          typeof arg === 'string' ? (arg.split(/\.(.*)/s) as [string, string]) : (arg as [string, string]);
        return this.getAtt(name, this.resolveString(attribute));
      }
      case 'Fn::Join': {
        const [delimiter, parts] = arg as [string, unknown[]];
        const resolved = this.resolve(parts);
        if (!Array.isArray(resolved)) throw new UnsupportedPolicyError('Fn::Join of a non-list');
        return resolved.map((p) => this.asString(p)).join(delimiter);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const resolved = this.resolve(list);
        if (!Array.isArray(resolved)) throw new UnsupportedPolicyError('Fn::Select of a non-list');
        return resolved[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [delimiter, source] = arg as [string, unknown];
        return this.resolveString(source).split(delimiter);
      }
      case 'Fn::Sub': {
        const [text, variables] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
        return text.replace(/\$\{(!?)([^}]+)\}/g, (_match, bang: string, ref: string) => {
          if (bang) return `\${${ref}}`;
          if (ref in variables) return this.resolveString(variables[ref]);
          const [name, attribute] = ref.split(/\.(.*)/s) as [string, string | undefined];
          return attribute ? this.getAtt(name, attribute) : this.ref(name);
        });
      }
      default:
        throw new UnsupportedPolicyError(`intrinsic ${fn}`);
    }
  }

  private asString(value: unknown): string {
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    throw new UnsupportedPolicyError(`${JSON.stringify(value)} is not a string`);
  }
}

/** Documents of AWS managed policies a test knows, by ARN (the template only names them). */
export type KnownManagedPolicies = Readonly<Record<string, PolicyDocument>>;

/**
 * Every identity policy of a role in the template, resolved: its inline Policies, the
 * AWS::IAM::Policy and AWS::IAM::ManagedPolicy resources that list it in Roles, and its
 * ManagedPolicyArns (stack-owned ones from the template, AWS managed ones from `known`; an unknown
 * one throws, since its permissions cannot be evaluated).
 */
export function rolePolicies(
  resolver: TemplateResolver,
  roleLogicalId: string,
  known: KnownManagedPolicies = {},
): PolicyDocument[] {
  const role = resolver.resource(roleLogicalId);
  if (role.Type !== 'AWS::IAM::Role') throw new UnsupportedPolicyError(`${roleLogicalId} is a ${role.Type}, not a role`);
  const props = role.Properties ?? {};
  const documents: PolicyDocument[] = [];
  for (const inline of asList(props.Policies as { PolicyDocument: unknown }[] | undefined)) {
    documents.push(resolver.resolve(inline.PolicyDocument) as PolicyDocument);
  }
  const attachedManaged = new Set<string>();
  for (const [id, resource] of Object.entries(resolver.template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const roles = asList(resource.Properties?.Roles as unknown[] | undefined);
    if (!roles.some((r) => (r as { Ref?: string }).Ref === roleLogicalId)) continue;
    documents.push(resolver.resolve(resource.Properties?.PolicyDocument) as PolicyDocument);
    if (resource.Type === 'AWS::IAM::ManagedPolicy') attachedManaged.add(resolver.arnOf(id));
  }
  const managedByArn = new Map<string, string>();
  for (const [id, resource] of Object.entries(resolver.template.Resources)) {
    if (resource.Type === 'AWS::IAM::ManagedPolicy') managedByArn.set(resolver.arnOf(id), id);
  }
  for (const arnValue of asList(props.ManagedPolicyArns as unknown[] | undefined)) {
    const arn = resolver.resolveString(arnValue);
    if (attachedManaged.has(arn)) continue;
    const own = managedByArn.get(arn);
    if (own) documents.push(resolver.resolve(resolver.resource(own).Properties?.PolicyDocument) as PolicyDocument);
    else if (known[arn]) documents.push(known[arn]);
    else throw new UnsupportedPolicyError(`managed policy ${arn} of ${roleLogicalId} is not known to the simulator`);
  }
  return documents;
}
