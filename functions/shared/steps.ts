/**
 * What every workflow step shares, whatever the workflow: how a step reports failure to the state
 * machine, how a caught failure reaches a notification, and the checks of its input.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { classifyError, ValidationError } from './errors';
import { redactSecretLikeValues } from './redact';

/**
 * Runs a step and turns transient AWS failures into TransientAwsError, which the state machines
 * retry with backoff; the failure is logged with a secret-like value never let through.
 */
export async function runStep<T>(logger: Pick<Logger, 'error'>, label: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const classified = classifyError(error);
    logger.error(`${label} failed`, { errorName: classified.name, errorMessage: redactSecretLikeValues(classified.message) });
    throw classified;
  }
}

/** Lambda failures reach Catch as {Error, Cause}; Cause is JSON {errorMessage,...} on AWS, text locally. */
export function failureFields(error: { Error?: string; Cause?: string }): { errorName: string; errorMessage: string } {
  let message = error.Cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: string };
    if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // plain text cause
  }
  return { errorName: error.Error ?? 'Error', errorMessage: redactSecretLikeValues(message).slice(0, 1000) };
}

export function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new ValidationError(`${name} is required`);
  return value;
}
