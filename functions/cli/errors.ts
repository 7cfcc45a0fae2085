/**
 * How the CLI reports an error: ONE line `iam-lifecycle: <what>; <what to do>` (or, under --json,
 * one JSON object `{"error", "message", "exitCode"}` on stderr), and which exit code it means.
 */
import { LifecycleError, MotoUnavailableError } from '../shared/errors';
import { EXIT, type ExitCode } from './exit-codes';

/** An error of the CLI itself, with the exit code it means. */
export class CliError extends LifecycleError {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.refused,
  ) {
    super(message);
  }
}

/** `--endpoint` is not an http(s) URL. */
export class EndpointUrlError extends CliError {}

/** Nothing answers at the `--endpoint` URL. */
export class EndpointUnreachableError extends CliError {
  constructor(message: string) {
    super(message, EXIT.failed);
  }
}

/** Deployed mode without AWS credentials. */
export class CredentialsMissingError extends CliError {}

/** The command line itself is refused (unknown flag, extra argument, unknown verb). */
export class UsageError extends CliError {}

/** The workflow ran and refused: it ended with status "blocked" and changed nothing. */
export class WorkflowBlockedError extends CliError {
  constructor(message: string) {
    super(message, EXIT.blocked);
  }
}

/** What to do, for errors whose message does not say it already. */
const FIXES: Record<string, string> = {
  UserNotFoundError: 'check the spelling (IAM user names are case-insensitive; `aws iam list-users` lists them)',
  ConfigError: 'fix the --config file (see README "Configure")',
  NoRunningWorkflowError: 'see `iam-lifecycle status USER` for the user’s keys and workflows',
  NothingToRollBackError: 'see `iam-lifecycle status USER` for the user’s keys and workflows',
  ProtectedUserError: 'the automation leaves this user alone; change the user’s tags or path if that is wrong',
  OutOfScopeError: 'check managedUsers in the config, or the user’s path and tags',
};

const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'CredentialsMissingError']);
const CREDENTIALS_LINE =
  'no AWS credentials found for the deployed stack; to run locally pass --endpoint URL (e.g. --endpoint http://127.0.0.1:5000 for moto), ' +
  'or configure credentials (`aws configure`, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)';

export interface ReportedError {
  readonly name: string;
  readonly message: string;
  readonly exitCode: ExitCode;
}

/** The name, one-line message (with the fix) and exit code of anything a command threw. */
export function describeError(error: unknown): ReportedError {
  const err = error instanceof Error ? error : new Error(String(error));
  if (CREDENTIAL_ERRORS.has(err.name))
    return { name: 'CredentialsMissingError', message: CREDENTIALS_LINE, exitCode: EXIT.refused };
  const oneLine = err.message.replace(/\s*\n\s*/g, ' ').trim();
  const fix = FIXES[err.name];
  const message = fix && !oneLine.includes('; ') ? `${oneLine}; ${fix}` : oneLine;
  // A missing emulator is the machine failing, not the operator's input: exit 1.
  const refused = err instanceof LifecycleError && !(err instanceof MotoUnavailableError);
  const exitCode = err instanceof CliError ? err.exitCode : refused ? EXIT.refused : EXIT.failed;
  return { name: err.name, message, exitCode };
}

/** The line (or JSON object) printed on stderr for a reported error. */
export function formatError(reported: ReportedError, json: boolean): string {
  if (json) return JSON.stringify({ error: reported.name, message: reported.message, exitCode: reported.exitCode });
  // A CLI error's message is the whole sentence; others keep their name (the API's refusals, AWS errors).
  const named = reported.name === 'Error' || reported.name.endsWith('CliError') || CLI_ERROR_NAMES.has(reported.name);
  return `iam-lifecycle: ${named ? '' : `${reported.name}: `}${reported.message}`;
}

const CLI_ERROR_NAMES = new Set([
  'CliError',
  'EndpointUrlError',
  'EndpointUnreachableError',
  'CredentialsMissingError',
  'UsageError',
  'WorkflowBlockedError',
  'ValidationError',
  'InterruptedError',
]);
