/**
 * Named errors. The state machines match on `name` (Retry/Catch ErrorEquals), the API maps them to
 * status codes, and none of them ever carries a secret: messages name users and key ids only.
 */
export class LifecycleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class ConfigError extends LifecycleError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** Bad input to a handler, the CLI or the API: nothing was changed. */
export class ValidationError extends LifecycleError {}

export class UserNotFoundError extends LifecycleError {
  constructor(readonly userName: string) {
    super(`user ${userName} does not exist`);
  }
}

export class ProtectedUserError extends LifecycleError {
  constructor(
    readonly userName: string,
    readonly why: string,
  ) {
    super(`user ${userName} is protected (${why}); the automation does not touch it`);
  }
}

export class OutOfScopeError extends LifecycleError {
  constructor(
    readonly userName: string,
    readonly why: string,
  ) {
    super(`user ${userName} is not managed by this automation (${why})`);
  }
}

export class TooManyActiveKeysError extends LifecycleError {
  constructor(
    readonly userName: string,
    readonly accessKeyIds: readonly string[],
  ) {
    super(
      `user ${userName} has two active access keys (${accessKeyIds.join(', ')}); rotation needs a free slot: ` +
        'deactivate the one no longer used first',
    );
  }
}

/** The key a workflow was started for is not (or no longer) what it expects. */
export class KeyStateError extends LifecycleError {}

/** Safety rule 2 would be broken by going on: stop instead. */
export class SafetyCheckError extends LifecycleError {}

/** Throttling, timeouts, 5xx: the state machine retries these with backoff and jitter. */
export class TransientAwsError extends LifecycleError {
  constructor(
    message: string,
    readonly causeName: string,
  ) {
    super(message);
  }
}

/** A workflow for the same subject is already running (or the same one: see `existing`). */
export class WorkflowConflictError extends LifecycleError {
  constructor(
    message: string,
    readonly executionName: string,
  ) {
    super(message);
  }
}

/**
 * A record read back is not the one that was written: its SHA-256 (or S3 version) differs from the
 * one pinned in the execution's own state. Nothing is done with it.
 */
export class IntegrityError extends LifecycleError {
  constructor(
    readonly key: string,
    why: string,
  ) {
    super(`record ${key} failed its integrity check (${why}); it was not used`);
  }
}

// Not LimitExceededException: from CreateAccessKey it means "already two keys", which retrying cannot fix.
const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServiceFailure',
  'ServiceFailureException',
  'InternalServiceError',
  'InternalServiceErrorException',
  'InternalFailure',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/** True for errors worth retrying later (after the SDK's own retries gave up). */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const meta = (error as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown; code?: string }).$metadata;
  const code = (error as { code?: string }).code;
  if (TRANSIENT_NAMES.has(error.name) || (code !== undefined && TRANSIENT_NAMES.has(code))) return true;
  if ((error as { $retryable?: unknown }).$retryable) return true;
  return meta?.httpStatusCode !== undefined && meta.httpStatusCode >= 500;
}

/**
 * Converts what a handler caught into what it throws: transient AWS failures become
 * TransientAwsError (retried by the state machine); everything else is passed on unchanged.
 */
export function classifyError(error: unknown): Error {
  if (error instanceof LifecycleError) return error;
  if (isTransient(error)) {
    const err = error as Error;
    return new TransientAwsError(`transient AWS failure: ${err.name}: ${err.message}`, err.name);
  }
  return error instanceof Error ? error : new Error(String(error));
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/**
 * A secret under the managed name that this stack did not create (missing its tags, another KMS
 * key, a resource policy that grants): it is never written to or overwritten.
 */
export class ForeignSecretError extends LifecycleError {
  constructor(
    readonly secretName: string,
    readonly why: string,
  ) {
    super(`secret ${secretName} was not created by iam-user-lifecycle (${why}); not writing to it`);
  }
}

/**
 * Local runs (demo, tests, bench, CLI without a deployed stack) need moto, the AWS API emulator:
 * its Python interpreter or modules are missing. The message is one line naming the fix.
 */
export class MotoUnavailableError extends LifecycleError {}
