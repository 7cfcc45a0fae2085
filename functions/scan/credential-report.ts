/**
 * The IAM credential report: fetching it (GenerateCredentialReport, then GetCredentialReport until it
 * is ready) and reading it into typed rows.
 *
 * The report is why a scan costs a few IAM calls however many users the account holds: one CSV lists
 * every user with the state and creation time of both access key slots. It carries no tags and no key
 * ids, which is why the scan asks IAM about candidates afterwards (see ./select and ./handler).
 */
import { GenerateCredentialReportCommand, GetCredentialReportCommand, type IAMClient } from '@aws-sdk/client-iam';
import { errorName, isTransient, LifecycleError } from '../shared/errors';
import { pathFromUserArn } from '../shared/scope';
import { parseCsv } from './csv';

/** The report could not be obtained within the retry and wait budget, or IAM refused it outright. */
export class CredentialReportUnavailableError extends LifecycleError {
  constructor(
    message: string,
    readonly apiCalls: number,
    readonly lastReason: string,
    options?: { cause?: unknown },
  ) {
    super(message);
    if (options && 'cause' in options) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** The report's columns are not what the scan needs: scanning on a misread report is not safe. */
export class CredentialReportFormatError extends LifecycleError {}

// ---------------------------------------------------------------------------------------------
// Reading the CSV
// ---------------------------------------------------------------------------------------------

export interface ReportKeySlot {
  /** 1 or 2: the report's access_key_1_* / access_key_2_* columns. */
  readonly slot: 1 | 2;
  readonly active: boolean;
  /** access_key_N_last_rotated: when the key in this slot was created. */
  readonly lastRotated?: Date;
  readonly lastUsed?: Date;
}

export interface ReportUser {
  readonly userName: string;
  readonly arn: string;
  /** IAM path, from the ARN (the report has no path column). */
  readonly path: string;
  readonly createdAt?: Date;
  readonly accessKeys: readonly ReportKeySlot[];
  /**
   * Console sign-in and MFA (password_enabled, password_last_used, password_last_changed, mfa_active),
   * for the fleet report. The scan does not use them, so they are read leniently: an odd value is
   * left out (unknown) instead of making the row a problem row.
   */
  readonly console?: ReportConsole;
  /** Line in the CSV, for messages about this row. */
  readonly line: number;
}

export interface ReportConsole {
  /** password_enabled: the user can sign in to the console. */
  readonly passwordEnabled?: boolean;
  readonly passwordLastUsed?: Date;
  /** password_last_changed: when the current password was set (its "creation"). */
  readonly passwordLastChanged?: Date;
  readonly mfaActive?: boolean;
}

/** A row the reader had to leave out; surfaced in the scan summary so nobody is silently missed. */
export interface ReportProblem {
  readonly line: number;
  readonly userName?: string;
  readonly problem: string;
}

export interface ParsedCredentialReport {
  /** Every IAM user of the report; the `<root_account>` row is not a user and is left out. */
  readonly users: readonly ReportUser[];
  readonly problems: readonly ReportProblem[];
  readonly rootAccountRowSeen: boolean;
}

const ROOT_ROW_USER = '<root_account>';
const REQUIRED_COLUMNS = [
  'user',
  'arn',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_2_active',
  'access_key_2_last_rotated',
] as const;

/** Placeholders IAM writes instead of a date (no key, never used, not tracked for this principal). */
const NO_VALUE = new Set(['', 'n/a', 'not_supported', 'no_information']);

class RowProblem extends Error {}

function parseFlag(value: string | undefined, column: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false' || NO_VALUE.has(v)) return false;
  throw new RowProblem(`${column} is ${JSON.stringify(value)}, expected true or false`);
}

function parseDate(value: string | undefined, column: string | undefined): Date | undefined {
  const v = (value ?? '').trim();
  if (NO_VALUE.has(v.toLowerCase())) return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new RowProblem(`${column} is ${JSON.stringify(value)}, expected an ISO 8601 date`);
  return new Date(ms);
}

/**
 * Reads the credential report CSV into one typed row per IAM user, by header name (AWS has added
 * columns over time and the order is not a contract).
 *
 * Fails with CredentialReportFormatError when a column the scan depends on is missing, because
 * every decision would then be wrong. A single unreadable row is reported in `problems` and left out
 * instead: one odd row must not stop the daily scan for everybody else, and the summary names it.
 *
 * Some producers (moto, and possibly IAM) do not quote user names containing commas, which IAM
 * allows. Such a row has an even number of extra fields, split across `user` and `arn`; it is
 * rebuilt only when the rebuilt ARN ends with the rebuilt user name, otherwise it is a problem row.
 */
export function parseCredentialReport(csv: string): ParsedCredentialReport {
  const records = parseCsv(csv);
  const header = records[0];
  if (!header) throw new CredentialReportFormatError('the credential report is empty');
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    throw new CredentialReportFormatError(`the credential report lacks the column(s) ${missing.join(', ')}`);
  }
  const col = (name: string) => names.indexOf(name);
  const userCol = col('user');
  const arnCol = col('arn');
  const createdCol = col('user_creation_time');
  const consoleCols = {
    passwordEnabled: col('password_enabled'),
    passwordLastUsed: col('password_last_used'),
    passwordLastChanged: col('password_last_changed'),
    mfaActive: col('mfa_active'),
  };
  const slotCols = ([1, 2] as const).map((slot) => ({
    slot,
    active: col(`access_key_${slot}_active`),
    lastRotated: col(`access_key_${slot}_last_rotated`),
    lastUsed: col(`access_key_${slot}_last_used_date`),
  }));

  const users: ReportUser[] = [];
  const problems: ReportProblem[] = [];
  let rootAccountRowSeen = false;

  for (let r = 1; r < records.length; r++) {
    const record = records[r] as (typeof records)[number];
    let fields = record.fields;
    if (fields.length !== names.length) {
      const rebuilt = rebuildUnquotedCommas(fields, names.length, userCol, arnCol);
      if (!rebuilt) {
        problems.push({
          line: record.line,
          ...(fields[userCol] ? { userName: fields[userCol] } : {}),
          problem: `row has ${fields.length} fields, the header has ${names.length}`,
        });
        continue;
      }
      fields = rebuilt;
    }
    const userName = (fields[userCol] ?? '').trim();
    const arn = (fields[arnCol] ?? '').trim();
    if (userName === ROOT_ROW_USER || /^arn:[^:]+:iam::\d+:root$/.test(arn)) {
      rootAccountRowSeen = true;
      continue;
    }
    try {
      if (userName === '' || !arn.startsWith('arn:')) throw new RowProblem('row has no user name or ARN');
      const accessKeys = slotCols.map((c): ReportKeySlot => {
        const lastRotated = parseDate(fields[c.lastRotated], names[c.lastRotated]);
        const lastUsed = c.lastUsed < 0 ? undefined : parseDate(fields[c.lastUsed], names[c.lastUsed]);
        return {
          slot: c.slot,
          active: parseFlag(fields[c.active], names[c.active]),
          ...(lastRotated ? { lastRotated } : {}),
          ...(lastUsed ? { lastUsed } : {}),
        };
      });
      const createdAt = createdCol < 0 ? undefined : parseDate(fields[createdCol], 'user_creation_time');
      users.push({
        userName,
        arn,
        path: pathFromUserArn(arn),
        ...(createdAt ? { createdAt } : {}),
        accessKeys,
        ...consoleOf(fields, consoleCols),
        line: record.line,
      });
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      problems.push({ line: record.line, ...(userName ? { userName } : {}), problem: error.message });
    }
  }
  return { users, problems, rootAccountRowSeen };
}

/** Never throws: these columns are informational (see ReportUser.console). */
function consoleOf(fields: readonly string[], cols: Record<keyof ReportConsole, number>): { console?: ReportConsole } {
  const lenient = <T>(index: number, read: (value: string | undefined, column: string) => T | undefined): T | undefined => {
    if (index < 0) return undefined;
    try {
      return read(fields[index], '');
    } catch {
      return undefined;
    }
  };
  const passwordEnabled = lenient(cols.passwordEnabled, parseFlag);
  const passwordLastUsed = lenient(cols.passwordLastUsed, parseDate);
  const passwordLastChanged = lenient(cols.passwordLastChanged, parseDate);
  const mfaActive = lenient(cols.mfaActive, parseFlag);
  const console: ReportConsole = {
    ...(passwordEnabled !== undefined ? { passwordEnabled } : {}),
    ...(passwordLastUsed ? { passwordLastUsed } : {}),
    ...(passwordLastChanged ? { passwordLastChanged } : {}),
    ...(mfaActive !== undefined ? { mfaActive } : {}),
  };
  return Object.keys(console).length > 0 ? { console } : {};
}

function rebuildUnquotedCommas(fields: readonly string[], width: number, userCol: number, arnCol: number): string[] | undefined {
  const extra = fields.length - width;
  if (extra <= 0 || extra % 2 !== 0 || userCol !== 0 || arnCol !== 1) return undefined;
  const commas = extra / 2;
  const user = fields.slice(0, commas + 1).join(',');
  const arn = fields.slice(commas + 1, 2 * commas + 2).join(',');
  if (!arn.startsWith('arn:') || !arn.endsWith(`/${user}`)) return undefined;
  return [user, arn, ...fields.slice(2 * commas + 2)];
}

// ---------------------------------------------------------------------------------------------
// Fetching the report
// ---------------------------------------------------------------------------------------------

export interface FetchedCredentialReport {
  readonly csv: string;
  /** When IAM generated it: IAM hands out a cached report up to four hours old. */
  readonly generatedAt?: Date;
  /** IAM API calls this fetch made (Generate + Get, including polls and retries). */
  readonly apiCalls: number;
}

/** Where the scan gets the report: IAM when deployed, anything with the same shape in tests. */
export interface CredentialReportSource {
  fetchReport(): Promise<FetchedCredentialReport>;
}

export interface CredentialReportPolling {
  /** Injected so tests and benchmarks do not wait. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source for throttling backoff. @default Math.random */
  readonly random?: () => number;
  /** First wait while the report is being generated; grows 1.5x per poll. @default 2000 */
  readonly pollIntervalMs?: number;
  /** Longest single wait while polling. @default 15000 */
  readonly maxPollIntervalMs?: number;
  /** First backoff after throttling or LimitExceeded; doubles per retry, full jitter. @default 1000 */
  readonly backoffBaseMs?: number;
  /** Longest single backoff. @default 20000 */
  readonly maxBackoffMs?: number;
  /**
   * Total time spent waiting before giving up. Keep it well below the scan Lambda's timeout (the
   * candidates still need time afterwards), so the scan ends with a reason rather than a timeout.
   * @default 180000 (3 minutes)
   */
  readonly maxWaitMs?: number;
  /** Total IAM calls before giving up. @default 60 */
  readonly maxCalls?: number;
  /** Times a missing or expired report is regenerated before giving up. @default 3 */
  readonly maxGenerations?: number;
}

type Outcome = 'not-ready' | 'regenerate' | 'throttled' | 'fatal';

const NOT_READY = new Set(['CredentialReportNotReadyException', 'ReportInProgress']);
const NOT_PRESENT = new Set([
  'CredentialReportNotPresentException',
  'ReportNotPresent',
  'CredentialReportExpiredException',
  'ReportExpired',
]);

function outcomeOf(error: unknown): Outcome {
  const name = errorName(error);
  const code = (error as { Code?: string; code?: string } | undefined)?.Code ?? (error as { code?: string })?.code;
  if (NOT_READY.has(name) || (code !== undefined && NOT_READY.has(code))) return 'not-ready';
  if (NOT_PRESENT.has(name) || (code !== undefined && NOT_PRESENT.has(code))) return 'regenerate';
  // LimitExceededException here means too many GenerateCredentialReport requests: wait and retry.
  if (name === 'LimitExceededException' || code === 'LimitExceeded' || isTransient(error)) return 'throttled';
  return 'fatal';
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Fetches the credential report from IAM with the real SDK client.
 *
 * GenerateCredentialReport only starts (or reuses) a report; GetCredentialReport fails with
 * ReportInProgress until it is ready and with ReportNotPresent/ReportExpired when there is none.
 * This adapter drives that protocol with a bounded budget (calls and waiting time) on top of the
 * SDK's own retries, so a slow or throttled IAM ends the scan with CredentialReportUnavailableError
 * and a reason instead of a Lambda timeout with none.
 */
export class IamCredentialReportSource implements CredentialReportSource {
  private readonly o: Required<CredentialReportPolling>;

  constructor(
    private readonly iam: IAMClient,
    polling: CredentialReportPolling = {},
  ) {
    this.o = {
      sleep: polling.sleep ?? realSleep,
      random: polling.random ?? Math.random,
      pollIntervalMs: polling.pollIntervalMs ?? 2000,
      maxPollIntervalMs: polling.maxPollIntervalMs ?? 15_000,
      backoffBaseMs: polling.backoffBaseMs ?? 1000,
      maxBackoffMs: polling.maxBackoffMs ?? 20_000,
      maxWaitMs: polling.maxWaitMs ?? 180_000,
      maxCalls: polling.maxCalls ?? 60,
      maxGenerations: polling.maxGenerations ?? 3,
    };
  }

  async fetchReport(): Promise<FetchedCredentialReport> {
    const o = this.o;
    let phase: 'generate' | 'get' = 'generate';
    let calls = 0;
    let generations = 0;
    let waitedMs = 0;
    let polls = 0;
    let throttles = 0;
    let lastReason = 'no call made yet';

    const giveUp = (why: string, cause?: unknown): never => {
      throw new CredentialReportUnavailableError(
        `could not get the IAM credential report: ${why} (after ${calls} IAM calls and ${Math.round(waitedMs)} ms of waiting; last: ${lastReason})`,
        calls,
        lastReason,
        cause === undefined ? undefined : { cause },
      );
    };
    const wait = async (ms: number) => {
      if (waitedMs + ms > o.maxWaitMs) giveUp(`the wait budget of ${o.maxWaitMs} ms is spent`);
      waitedMs += ms;
      await o.sleep(ms);
    };
    const pollDelay = () => Math.min(o.maxPollIntervalMs, o.pollIntervalMs * 1.5 ** polls++);
    const backoffDelay = () => {
      const cap = Math.min(o.maxBackoffMs, o.backoffBaseMs * 2 ** throttles++);
      return Math.max(1, Math.round(cap / 2 + (cap / 2) * o.random()));
    };

    for (;;) {
      if (calls >= o.maxCalls) giveUp(`the budget of ${o.maxCalls} IAM calls is spent`);
      try {
        if (phase === 'generate') {
          calls++;
          generations++;
          const out = await this.iam.send(new GenerateCredentialReportCommand({}));
          phase = 'get';
          if (out.State !== 'COMPLETE') {
            lastReason = `GenerateCredentialReport answered ${out.State ?? 'no state'}`;
            await wait(pollDelay());
          }
          continue;
        }
        calls++;
        const out = await this.iam.send(new GetCredentialReportCommand({}));
        const csv = out.Content ? new TextDecoder('utf-8').decode(out.Content) : '';
        if (csv.trim() === '') {
          lastReason = 'GetCredentialReport returned an empty report';
          await wait(pollDelay());
          continue;
        }
        return { csv, ...(out.GeneratedTime ? { generatedAt: out.GeneratedTime } : {}), apiCalls: calls };
      } catch (error) {
        if (error instanceof CredentialReportUnavailableError) throw error;
        const outcome = outcomeOf(error);
        lastReason = `${errorName(error)}: ${(error as Error).message}`;
        if (outcome === 'fatal') giveUp('IAM refused the request', error);
        if (outcome === 'not-ready') {
          await wait(pollDelay());
        } else if (outcome === 'regenerate') {
          if (generations >= o.maxGenerations) giveUp(`the report was still missing after ${generations} generations`);
          phase = 'generate';
        } else {
          await wait(backoffDelay());
        }
      }
    }
  }
}
