/**
 * The one typed configuration of iam-user-lifecycle.
 *
 * The same JSON shape is read by the CDK app (validated at synth time), by every Lambda at cold
 * start (from the LIFECYCLE_CONFIG environment variable) and by the CLI (`--config FILE`).
 * Every field is optional in the JSON; missing fields take the documented defaults below.
 */
import { ConfigError, ValidationError } from './errors';
import { DEFAULT_SECRET_READERS, parseSecretReaders, type SecretReaders } from './secret-access';
import { maxCutoverChecksPerExecution, offboardingLimitProblem } from './execution-limits';
import { DEFAULT_REACTIONS, parseReactions, type ReactionsConfig } from './reactions-config';
import { DEFAULT_SIGNALS, OPTIONAL_SIGNAL_KEYS, parseSignals, type SignalsConfig } from './signals-config';
import { DEFAULT_ORGANIZATION, parseOrganization, type OrganizationConfig } from './organization-config';

export type CutoverDeadlineAction = 'notify' | 'deactivate';

export interface ManagedUserSelector {
  /**
   * Only users whose IAM path starts with this prefix are managed. Must start and end with `/`.
   * @default '/'  (every path)
   */
  readonly pathPrefix: string;
  /**
   * When set, only users carrying this tag (and, if `value` is given, this value) are managed.
   * @default undefined (no tag required)
   */
  readonly tag?: { readonly key: string; readonly value?: string };
}

export interface ProtectedUsers {
  /**
   * User names the automation never touches (break-glass, administrators, its own users).
   * @default []
   */
  readonly userNames: readonly string[];
  /**
   * Users carrying this tag (any value) are never touched.
   * @default 'iam-lifecycle:protected'
   */
  readonly tagKey: string;
}

/** The API's route groups (README "Who may call the API"). */
export type ApiRouteGroup = 'offboard' | 'rotate' | 'read';
export const API_ROUTE_GROUPS: readonly ApiRouteGroup[] = ['offboard', 'rotate', 'read'];

export interface ApiAccess {
  /**
   * IAM principal ARNs (roles and users, `arn:aws:iam::<account>:role/<name>`; `*` and `?` wildcards
   * allowed) admitted to each route group by the API's resource policy: `offboard` (POST and DELETE
   * /offboardings, approvals), `rotate` (POST /rotations, rollback), `read` (the GETs). An empty
   * list: callers of this account carrying the principal tag `iam-lifecycle:api` that names the
   * group (e.g. `offboard read`).
   * @default { offboard: [], rotate: [], read: [] }
   */
  readonly principals: Readonly<Record<ApiRouteGroup, readonly string[]>>;
}

/** `required`: a second, different principal must approve the request before anything changes. */
export type ApprovalRule = 'none' | 'required';

/** The lifecycle signal fields (expiry, inactivity, unused keys, owners, activity checks) are in ./signals-config. */
export interface LifecycleConfig extends SignalsConfig {
  /** Rotate active access keys older than this. @default 90 */
  readonly maxKeyAgeDays: number;
  /** How often the rotation workflow checks last-used data while waiting for cutover. @default 6 */
  readonly cutoverCheckIntervalHours: number;
  /** Cutover is confirmed once the old key has not been used for this long. @default 24 */
  readonly cutoverQuietPeriodHours: number;
  /** Stop waiting for cutover after this long and apply `cutoverDeadlineAction`. @default 14 */
  readonly cutoverDeadlineDays: number;
  /**
   * At the cutover deadline: `notify` keeps waiting and escalates (a `rotation.cutover-overdue`
   * notification, repeated every deadline period); `deactivate` notifies and proceeds.
   * @default 'notify'
   */
  readonly cutoverDeadlineAction: CutoverDeadlineAction;
  /** How long a deactivated old key is kept (rollback window) before deletion. @default 7 */
  readonly deactivatedGracePeriodDays: number;
  /**
   * When a user already has two keys and one is inactive, delete the inactive one to make room.
   * @default true
   */
  readonly removeInactiveKeyToMakeRoom: boolean;
  /** Which users the automation manages. @default { pathPrefix: '/' } */
  readonly managedUsers: ManagedUserSelector;
  /** Users the automation refuses to touch. @default { userNames: [], tagKey: 'iam-lifecycle:protected' } */
  readonly protectedUsers: ProtectedUsers;
  /** Secrets are named `<secretPrefix>/<userName>`. @default 'iam-user-lifecycle' */
  readonly secretPrefix: string;
  /**
   * Who may read each user's secret (GetSecretValue); everyone else is denied by the secret's
   * resource policy. Role ARNs by user name, plus those a user tag lists (space or comma separated).
   * @default { byUser: {}, tagKey: 'iam-lifecycle:secret-reader' }
   */
  readonly secretReaders: SecretReaders;
  /**
   * How long an offboarded user is kept disabled before deletion, in whole days, and the bounds a
   * single request (`observationDays`) must stay within. The JSON accepts a number (the default
   * period; bounds then stretch to include it) or `{ "default": 30, "min": 7, "max": 90 }`.
   * Parsed, it is always the object form. max is at most 360 (a Step Functions execution lasts a year).
   * @default { default: 30, min: 7, max: 90 }
   */
  readonly offboardingObservationDays: ObservationDays;
  /** How often offboarding checks that nothing was re-enabled during observation. @default 24 */
  readonly offboardingCheckIntervalHours: number;
  /**
   * Object Lock (governance mode) retention of every offboarding's final record, in days; 0 writes
   * final records without a lock. The records bucket is created with Object Lock enabled.
   * @default 365
   */
  readonly finalRecordRetentionDays: number;
  /** EventBridge Scheduler expression of the daily scan. @default 'rate(1 day)' */
  readonly scanSchedule: string;
  /**
   * At most this many rotations are started by one scan (oldest keys first); the rest wait for the
   * next scan. Limits the blast radius of a first run on an account with many old keys.
   * @default 25
   */
  readonly maxRotationsPerScan: number;
  /**
   * The fleet report (`iam-lifecycle report`) flags an active access key or an enabled console
   * password not used for longer than this (never used: counted from its creation). Read by the
   * report only; nothing is disabled because of it.
   * @default 90
   */
  readonly reportUnusedCredentialDays: number;
  /**
   * Divides every duration (ages, waits, quiet and grace periods). For local runs and tests only:
   * 86400 makes a day last a second. Must be 1 in a deployed stack unless you mean it.
   * @default 1
   */
  readonly timeScale: number;
  /**
   * Cutover checks one rotation execution runs before it ends as `continued` (`rotation.continued`)
   * and the next scan resumes it as a new attempt for the same keys, keeping Step Functions' 25,000
   * history events and one-year limits out of reach. Lower it to continue sooner.
   * @default the maximum computed from the check interval and grace period (maxCutoverChecksPerExecution)
   */
  readonly cutoverChecksPerExecution?: number;
  /** Who may call which API routes (the REST API's resource policy). @default { principals: { offboard: [], rotate: [], read: [] } } */
  readonly api: ApiAccess;
  /** Two-person rule for starting an offboarding (API and CLI). @default 'none' */
  readonly offboardingApproval: ApprovalRule;
  /** Two-person rule for cancelling an offboarding (API and CLI). @default 'none' */
  readonly cancelApproval: ApprovalRule;
  /** A pending offboarding or cancel request expires unapproved after this long (scaled by timeScale). @default 72 */
  readonly approvalExpiryHours: number;
  /** What each CloudTrail reaction does (./reactions-config). @default DEFAULT_REACTIONS */
  readonly reactions: ReactionsConfig;
  /** Organization mode: one hub acting in every member account (./organization-config). @default DEFAULT_ORGANIZATION (off) */
  readonly organization: OrganizationConfig;
}

/** Observation period of offboardings in whole days: the default and the bounds of a request. */
export interface ObservationDays {
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

/** Step Functions Standard executions run at most a year; leave room for the steps around the wait. */
export const MAX_OBSERVATION_DAYS_LIMIT = 360;

export const DEFAULT_CONFIG: LifecycleConfig = Object.freeze({
  maxKeyAgeDays: 90,
  cutoverCheckIntervalHours: 6,
  cutoverQuietPeriodHours: 24,
  cutoverDeadlineDays: 14,
  cutoverDeadlineAction: 'notify',
  deactivatedGracePeriodDays: 7,
  removeInactiveKeyToMakeRoom: true,
  managedUsers: Object.freeze({ pathPrefix: '/' }),
  protectedUsers: Object.freeze({ userNames: Object.freeze([]) as readonly string[], tagKey: 'iam-lifecycle:protected' }),
  secretPrefix: 'iam-user-lifecycle',
  secretReaders: DEFAULT_SECRET_READERS,
  offboardingObservationDays: Object.freeze({ default: 30, min: 7, max: 90 }),
  offboardingCheckIntervalHours: 24,
  finalRecordRetentionDays: 365,
  scanSchedule: 'rate(1 day)',
  maxRotationsPerScan: 25,
  reportUnusedCredentialDays: 90,
  timeScale: 1,
  api: Object.freeze({
    principals: Object.freeze({ offboard: Object.freeze([]), rotate: Object.freeze([]), read: Object.freeze([]) }),
  }) as ApiAccess,
  offboardingApproval: 'none',
  cancelApproval: 'none',
  approvalExpiryHours: 72,
  reactions: DEFAULT_REACTIONS,
  organization: DEFAULT_ORGANIZATION,
  ...DEFAULT_SIGNALS,
});

const KNOWN_KEYS = new Set([...Object.keys(DEFAULT_CONFIG), 'cutoverChecksPerExecution', ...OPTIONAL_SIGNAL_KEYS]);
const HOUR = 3600;
const DAY = 86400;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveNumber(problems: string[], name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    problems.push(`${name} must be a positive number (got ${JSON.stringify(value)})`);
    return NaN;
  }
  return value;
}

/**
 * Parses and validates a config object (as read from JSON). Unknown fields, wrong types and
 * nonsense durations are rejected with one ConfigError listing every problem.
 */
export function parseConfig(raw: unknown = {}): LifecycleConfig {
  if (!isRecord(raw)) throw new ConfigError(['config must be a JSON object']);
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) problems.push(`unknown config field "${key}"`);
  }
  const merged = { ...DEFAULT_CONFIG, ...raw } as Record<string, unknown>;

  const maxKeyAgeDays = positiveNumber(problems, 'maxKeyAgeDays', merged.maxKeyAgeDays);
  const interval = positiveNumber(problems, 'cutoverCheckIntervalHours', merged.cutoverCheckIntervalHours);
  const quiet = positiveNumber(problems, 'cutoverQuietPeriodHours', merged.cutoverQuietPeriodHours);
  const deadline = positiveNumber(problems, 'cutoverDeadlineDays', merged.cutoverDeadlineDays);
  const grace = positiveNumber(problems, 'deactivatedGracePeriodDays', merged.deactivatedGracePeriodDays);
  const observationDays = parseObservationDays(problems, merged.offboardingObservationDays);
  const observation = observationDays.min;
  const retentionDays = merged.finalRecordRetentionDays;
  if (typeof retentionDays !== 'number' || !Number.isInteger(retentionDays) || retentionDays < 0 || retentionDays > 36500) {
    problems.push('finalRecordRetentionDays must be a whole number of days from 0 (no lock) to 36500');
  }
  const offboardingInterval = positiveNumber(problems, 'offboardingCheckIntervalHours', merged.offboardingCheckIntervalHours);
  const timeScale = positiveNumber(problems, 'timeScale', merged.timeScale);
  const maxRotationsPerScan = positiveNumber(problems, 'maxRotationsPerScan', merged.maxRotationsPerScan);
  if (Number.isFinite(maxRotationsPerScan) && !Number.isInteger(maxRotationsPerScan)) {
    problems.push('maxRotationsPerScan must be a whole number');
  }
  const reportUnusedCredentialDays = positiveNumber(problems, 'reportUnusedCredentialDays', merged.reportUnusedCredentialDays);
  if (Number.isFinite(timeScale) && timeScale < 1) problems.push('timeScale must be >= 1 (it divides durations)');

  if (Number.isFinite(interval) && Number.isFinite(quiet) && quiet < interval) {
    problems.push('cutoverQuietPeriodHours must be at least cutoverCheckIntervalHours');
  }
  if (Number.isFinite(deadline) && Number.isFinite(quiet) && deadline * 24 < quiet) {
    problems.push('cutoverDeadlineDays must be at least cutoverQuietPeriodHours');
  }
  if (Number.isFinite(grace) && Number.isFinite(interval) && grace * 24 < interval) {
    problems.push('deactivatedGracePeriodDays must be at least cutoverCheckIntervalHours');
  }
  if (Number.isFinite(observation) && Number.isFinite(offboardingInterval) && observation * 24 < offboardingInterval) {
    problems.push('offboardingObservationDays (min) must be at least offboardingCheckIntervalHours');
  }
  if (Number.isFinite(offboardingInterval) && Number.isFinite(timeScale) && timeScale >= 1) {
    // The longest offboarding a request may ask for must fit Step Functions' limits.
    const longest = scaled(observationDays.max * DAY, timeScale);
    // ... and so must its postponements for activity before deletion (validated with the signals).
    const postponements = merged.offboardingActivityPostponements;
    const problem = offboardingLimitProblem({
      observationSeconds: longest,
      checkIntervalSeconds: Math.min(scaled(offboardingInterval * HOUR, timeScale), longest),
      activityPostponements: typeof postponements === 'number' && Number.isInteger(postponements) ? postponements : 0,
    });
    if (problem) problems.push(problem);
  }
  if (merged.cutoverDeadlineAction !== 'notify' && merged.cutoverDeadlineAction !== 'deactivate') {
    problems.push(`cutoverDeadlineAction must be "notify" or "deactivate" (got ${JSON.stringify(merged.cutoverDeadlineAction)})`);
  }
  if (typeof merged.removeInactiveKeyToMakeRoom !== 'boolean') {
    problems.push('removeInactiveKeyToMakeRoom must be true or false');
  }

  const checksPerExecution = parseChecksPerExecution(problems, merged.cutoverChecksPerExecution, {
    interval,
    grace,
    timeScale,
  });

  const approvals = parseApprovals(problems, merged);
  const api = parseApiAccess(problems, merged.api);
  const managedUsers = parseSelector(problems, merged.managedUsers);
  const protectedUsers = parseProtected(problems, merged.protectedUsers);
  const reactions = parseReactions(problems, merged.reactions);
  const organization = parseOrganization(problems, merged.organization);
  const signals = parseSignals(problems, merged);

  if (typeof merged.secretPrefix !== 'string' || !/^[A-Za-z0-9/_+=.@-]{1,256}$/.test(merged.secretPrefix)) {
    problems.push('secretPrefix must be 1-256 characters of A-Z a-z 0-9 / _ + = . @ -');
  } else if (merged.secretPrefix.endsWith('/')) {
    problems.push('secretPrefix must not end with "/" (secrets are named <secretPrefix>/<userName>)');
  }
  const secretReaders = parseSecretReaders(problems, merged.secretReaders);
  if (typeof merged.scanSchedule !== 'string' || !/^(rate|cron)\(.+\)$/.test(merged.scanSchedule)) {
    problems.push('scanSchedule must be an EventBridge Scheduler rate(...) or cron(...) expression');
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    maxKeyAgeDays,
    cutoverCheckIntervalHours: interval,
    cutoverQuietPeriodHours: quiet,
    cutoverDeadlineDays: deadline,
    cutoverDeadlineAction: merged.cutoverDeadlineAction as CutoverDeadlineAction,
    deactivatedGracePeriodDays: grace,
    removeInactiveKeyToMakeRoom: merged.removeInactiveKeyToMakeRoom as boolean,
    managedUsers,
    protectedUsers,
    secretPrefix: merged.secretPrefix as string,
    secretReaders,
    offboardingObservationDays: observationDays,
    offboardingCheckIntervalHours: offboardingInterval,
    finalRecordRetentionDays: retentionDays as number,
    scanSchedule: merged.scanSchedule as string,
    maxRotationsPerScan,
    reportUnusedCredentialDays,
    timeScale,
    ...(checksPerExecution !== undefined ? { cutoverChecksPerExecution: checksPerExecution } : {}),
    api,
    ...approvals,
    reactions,
    organization,
    ...signals,
  });
}

/**
 * Proves one rotation execution fits Step Functions' limits for these settings (see
 * ./execution-limits) and checks an explicit cutoverChecksPerExecution against that bound.
 */
function parseChecksPerExecution(
  problems: string[],
  raw: unknown,
  d: { interval: number; grace: number; timeScale: number },
): number | undefined {
  if (![d.interval, d.grace, d.timeScale].every(Number.isFinite) || d.timeScale < 1) return undefined;
  const max = maxCutoverChecksPerExecution({
    checkIntervalSeconds: scaled(d.interval * HOUR, d.timeScale),
    gracePeriodSeconds: scaled(d.grace * DAY, d.timeScale),
  });
  if (max < 1) {
    problems.push(
      "deactivatedGracePeriodDays and cutoverCheckIntervalHours are too long: one rotation execution would exceed Step Functions' one-year limit",
    );
    return undefined;
  }
  if (raw === undefined) return undefined;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > max) {
    problems.push(`cutoverChecksPerExecution must be a whole number from 1 to ${max} (got ${JSON.stringify(raw)})`);
    return undefined;
  }
  return raw;
}

/** Cutover checks one rotation execution may run before it continues as a new attempt. */
export function cutoverCheckLimit(config: LifecycleConfig): number {
  const timing = rotationTiming(config);
  return config.cutoverChecksPerExecution ?? maxCutoverChecksPerExecution(timing);
}

function wholeDays(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_OBSERVATION_DAYS_LIMIT;
}

/** A number (the default; the default bounds stretch to include it) or { default, min, max }. */
function parseObservationDays(problems: string[], raw: unknown): ObservationDays {
  const defaults = DEFAULT_CONFIG.offboardingObservationDays;
  const what = `whole numbers of days from 1 to ${MAX_OBSERVATION_DAYS_LIMIT}`;
  if (typeof raw === 'number') {
    if (!wholeDays(raw)) {
      problems.push(`offboardingObservationDays must be a whole number of days from 1 to ${MAX_OBSERVATION_DAYS_LIMIT}`);
      return defaults;
    }
    return Object.freeze({ default: raw, min: Math.min(defaults.min, raw), max: Math.max(defaults.max, raw) });
  }
  if (!isRecord(raw)) {
    problems.push('offboardingObservationDays must be a number or { "default", "min", "max" }');
    return defaults;
  }
  for (const key of Object.keys(raw)) {
    if (!['default', 'min', 'max'].includes(key)) problems.push(`unknown field offboardingObservationDays.${key}`);
  }
  const value = { default: raw.default ?? defaults.default, min: raw.min ?? defaults.min, max: raw.max ?? defaults.max };
  if (![value.default, value.min, value.max].every(wholeDays)) {
    problems.push(`offboardingObservationDays default, min and max must be ${what}`);
    return defaults;
  }
  const parsed = value as ObservationDays;
  if (!(parsed.min <= parsed.default && parsed.default <= parsed.max)) {
    problems.push('offboardingObservationDays must satisfy min <= default <= max');
  }
  return Object.freeze(parsed);
}

function parseSelector(problems: string[], raw: unknown): ManagedUserSelector {
  if (!isRecord(raw)) {
    problems.push('managedUsers must be an object');
    return DEFAULT_CONFIG.managedUsers;
  }
  for (const key of Object.keys(raw)) {
    if (key !== 'pathPrefix' && key !== 'tag') problems.push(`unknown field managedUsers.${key}`);
  }
  const pathPrefix = raw.pathPrefix ?? '/';
  if (typeof pathPrefix !== 'string' || !/^\/([\x21-\x7e]*\/)?$/.test(pathPrefix) || pathPrefix.length > 512) {
    problems.push('managedUsers.pathPrefix must be an IAM path that starts and ends with "/"');
  }
  let tag: ManagedUserSelector['tag'];
  if (raw.tag !== undefined) {
    if (!isRecord(raw.tag) || typeof raw.tag.key !== 'string' || raw.tag.key.length === 0) {
      problems.push('managedUsers.tag must be {"key": string, "value"?: string}');
    } else if (raw.tag.value !== undefined && typeof raw.tag.value !== 'string') {
      problems.push('managedUsers.tag.value must be a string');
    } else {
      tag = Object.freeze({ key: raw.tag.key, ...(raw.tag.value !== undefined ? { value: raw.tag.value as string } : {}) });
    }
  }
  return Object.freeze({ pathPrefix: pathPrefix as string, ...(tag ? { tag } : {}) });
}

function parseProtected(problems: string[], raw: unknown): ProtectedUsers {
  if (!isRecord(raw)) {
    problems.push('protectedUsers must be an object');
    return DEFAULT_CONFIG.protectedUsers;
  }
  for (const key of Object.keys(raw)) {
    if (key !== 'userNames' && key !== 'tagKey') problems.push(`unknown field protectedUsers.${key}`);
  }
  const userNames = raw.userNames ?? [];
  const tagKey = raw.tagKey ?? DEFAULT_CONFIG.protectedUsers.tagKey;
  if (!Array.isArray(userNames) || !userNames.every((n) => typeof n === 'string' && n.length > 0)) {
    problems.push('protectedUsers.userNames must be a list of user names');
  }
  if (typeof tagKey !== 'string' || tagKey.length === 0) problems.push('protectedUsers.tagKey must be a non-empty string');
  if (Array.isArray(userNames)) {
    // IAM user names are case-insensitive: two spellings name one user, and the IAM policy's Deny
    // (ARN matching is case-sensitive) would cover only the spellings listed.
    const byLower = new Map<string, string[]>();
    for (const name of userNames.filter((n): n is string => typeof n === 'string')) {
      const spellings = byLower.get(name.toLowerCase()) ?? [];
      if (!spellings.includes(name)) spellings.push(name);
      byLower.set(name.toLowerCase(), spellings);
    }
    for (const spellings of byLower.values()) {
      if (spellings.length > 1) {
        problems.push(
          `protectedUsers.userNames lists one user under ${spellings.length} spellings (${spellings.map((n) => `"${n}"`).join(', ')}); IAM user names are case-insensitive: keep only the spelling IAM has`,
        );
      }
    }
  }
  return Object.freeze({
    userNames: Object.freeze([...(Array.isArray(userNames) ? (userNames as string[]) : [])]),
    tagKey: tagKey as string,
  });
}

/** IAM role or user ARNs, optionally with `*`/`?` wildcards in the name (the resource policy uses ArnLike). */
const PRINCIPAL_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)\/[\w+=,.@/*?-]{1,512}$/;

function parseApiAccess(problems: string[], raw: unknown): ApiAccess {
  if (!isRecord(raw)) {
    problems.push('api must be an object');
    return DEFAULT_CONFIG.api;
  }
  for (const key of Object.keys(raw)) if (key !== 'principals') problems.push(`unknown field api.${key}`);
  const principals = raw.principals ?? {};
  if (!isRecord(principals)) {
    problems.push('api.principals must be an object of route group -> list of principal ARNs');
    return DEFAULT_CONFIG.api;
  }
  for (const key of Object.keys(principals)) {
    if (!(API_ROUTE_GROUPS as readonly string[]).includes(key))
      problems.push(`unknown api.principals group "${key}" (groups: ${API_ROUTE_GROUPS.join(', ')})`);
  }
  const groups = {} as Record<ApiRouteGroup, readonly string[]>;
  for (const group of API_ROUTE_GROUPS) {
    const list = principals[group] ?? [];
    if (!Array.isArray(list) || !list.every((arn) => typeof arn === 'string' && PRINCIPAL_ARN.test(arn))) {
      problems.push(
        `api.principals.${group} must be a list of IAM role or user ARNs (arn:aws:iam::<account>:role/<name>, wildcards allowed)`,
      );
      groups[group] = Object.freeze([]);
    } else {
      groups[group] = Object.freeze([...(list as string[])]);
    }
  }
  return Object.freeze({ principals: Object.freeze(groups) });
}

function parseApprovals(
  problems: string[],
  merged: Record<string, unknown>,
): Pick<LifecycleConfig, 'offboardingApproval' | 'cancelApproval' | 'approvalExpiryHours'> {
  for (const key of ['offboardingApproval', 'cancelApproval'] as const) {
    if (merged[key] !== 'none' && merged[key] !== 'required') {
      problems.push(`${key} must be "none" or "required" (got ${JSON.stringify(merged[key])})`);
    }
  }
  const expiry = positiveNumber(problems, 'approvalExpiryHours', merged.approvalExpiryHours);
  return {
    offboardingApproval: merged.offboardingApproval === 'required' ? 'required' : 'none',
    cancelApproval: merged.cancelApproval === 'required' ? 'required' : 'none',
    approvalExpiryHours: expiry,
  };
}

/** Reads the config from the LIFECYCLE_CONFIG environment variable (JSON); defaults when unset. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): LifecycleConfig {
  const text = env.LIFECYCLE_CONFIG;
  if (text === undefined || text.trim() === '') return parseConfig({});
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`LIFECYCLE_CONFIG is not valid JSON: ${(error as Error).message}`]);
  }
  return parseConfig(raw);
}

/** Durations of one rotation, in whole (scaled) seconds, computed from the deployed config inside the Lambdas. */
export interface RotationTiming {
  readonly checkIntervalSeconds: number;
  readonly quietPeriodSeconds: number;
  readonly deadlineSeconds: number;
  readonly gracePeriodSeconds: number;
  readonly deadlineAction: CutoverDeadlineAction;
}

/** Wait states take whole seconds: scaled durations are rounded and never shorter than one second. */
function scaled(seconds: number, timeScale: number): number {
  return Math.max(1, Math.round(seconds / timeScale));
}

export function rotationTiming(config: LifecycleConfig): RotationTiming {
  return {
    checkIntervalSeconds: scaled(config.cutoverCheckIntervalHours * HOUR, config.timeScale),
    quietPeriodSeconds: scaled(config.cutoverQuietPeriodHours * HOUR, config.timeScale),
    deadlineSeconds: scaled(config.cutoverDeadlineDays * DAY, config.timeScale),
    gracePeriodSeconds: scaled(config.deactivatedGracePeriodDays * DAY, config.timeScale),
    deadlineAction: config.cutoverDeadlineAction,
  };
}

export interface OffboardingTiming {
  readonly observationSeconds: number;
  readonly checkIntervalSeconds: number;
}

/**
 * A per-request observation period: a whole number of days within the configured bounds; undefined
 * means the configured default. Checked by the service (API, CLI) and again by the workflow's steps.
 */
export function checkObservationDays(config: Pick<LifecycleConfig, 'offboardingObservationDays'>, value: unknown): number {
  const { default: days, min, max } = config.offboardingObservationDays;
  if (value === undefined || value === null) return days;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(
      `observationDays must be a whole number of days from ${min} to ${max} (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

/** Observation timing from the deployed config; `observationDays` is checked against its bounds. */
export function offboardingTiming(config: LifecycleConfig, observationDays?: number): OffboardingTiming {
  const days = checkObservationDays(config, observationDays);
  return {
    observationSeconds: scaled(days * DAY, config.timeScale),
    checkIntervalSeconds: Math.min(
      scaled(config.offboardingCheckIntervalHours * HOUR, config.timeScale),
      scaled(days * DAY, config.timeScale),
    ),
  };
}

/** Maximum key age in milliseconds, scaled. */
export function maxKeyAgeMs(config: LifecycleConfig): number {
  return (config.maxKeyAgeDays * DAY * 1000) / config.timeScale;
}

export function secretNameFor(config: Pick<LifecycleConfig, 'secretPrefix'>, userName: string): string {
  return `${config.secretPrefix}/${userName}`;
}
