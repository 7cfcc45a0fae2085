/**
 * Checks of what a person asks for (user name, reason, requester): shared by the HTTP API, the
 * service and the Validate step. No step code and no SDK here, so the API bundle stays lean.
 */
import { ValidationError } from '../shared/errors';
import { containsSecretLikeValue } from '../shared/redact';
import { isValidUserName } from '../shared/scope';

/** A reason is free text that goes into notifications and history, so it is bounded and checked. */
export function checkReason(value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw new ValidationError('reason is required');
  if (value.length > 1000) throw new ValidationError('reason must be at most 1000 characters');
  if (containsSecretLikeValue(value)) throw new ValidationError('reason contains something that looks like a secret key');
  return value.trim();
}

export function checkUserName(value: unknown): string {
  if (!isValidUserName(value)) {
    throw new ValidationError('userName must be an IAM user name (1-64 of A-Z a-z 0-9 + = , . @ _ -)');
  }
  return value;
}

export function checkRequestedBy(value: unknown): string {
  if (value === undefined) return 'unknown';
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new ValidationError('requestedBy must be a string of 1-256 characters');
  }
  return value;
}
