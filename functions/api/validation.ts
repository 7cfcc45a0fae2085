/** Request body validation: strict JSON objects, known fields only, clear messages. */
import { ValidationError } from '../shared/errors';
import { isValidUserName } from '../shared/scope';

export function parseJsonObject(body: string | null | undefined, allowed: readonly string[]): Record<string, unknown> {
  if (body === null || body === undefined || body.trim() === '')
    throw new ValidationError('request body is required (a JSON object)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ValidationError('request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ValidationError('request body must be a JSON object');
  const unknown = Object.keys(parsed).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new ValidationError(
      `unknown field(s): ${unknown.join(', ')}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`,
    );
  }
  return parsed as Record<string, unknown>;
}

export function requireUserName(value: unknown): string {
  if (!isValidUserName(value)) {
    throw new ValidationError('userName must be an IAM user name (1-64 characters: letters, digits, + = , . @ _ -)');
  }
  return value;
}

export function optionalString(value: unknown, name: string, maxLength: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > maxLength) {
    throw new ValidationError(`${name} must be a non-empty string of at most ${maxLength} characters`);
  }
  return value;
}

export function optionalPositiveInteger(value: unknown, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ValidationError(`${name} must be a whole number from 1 to ${max}`);
  }
  return value;
}
