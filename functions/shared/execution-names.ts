/**
 * Deterministic Step Functions execution names, so that a second start of the same work is refused
 * by Step Functions (ExecutionAlreadyExists) instead of running twice. Names allow 1-80 characters
 * of A-Z a-z 0-9 - _; IAM user names may also hold + = , . @ so those are mapped, and a short hash
 * of the original keeps two different users from ever mapping to the same name.
 */
import { createHash } from 'node:crypto';

const MAX_LENGTH = 80;

function toNameChars(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}

export function executionName(kind: string, ...parts: string[]): string {
  const raw = [kind, ...parts].join('-');
  const clean = toNameChars(raw);
  if (clean === raw && raw.length <= MAX_LENGTH) return raw;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 10);
  return `${clean.slice(0, MAX_LENGTH - hash.length - 1)}-${hash}`;
}

/**
 * Step Functions keeps a name taken for 90 days after its execution ends, so work that must be
 * tried again gets numbered names: `<name>`, then `<name>-2`, `<name>-3`, ... Each stays
 * deterministic, so two starters racing for the same attempt still get one execution.
 */
export function attemptExecutionName(kind: string, parts: readonly string[], attempt: number): string {
  return attempt <= 1 ? executionName(kind, ...parts) : executionName(kind, ...parts, String(attempt));
}

/**
 * Organization mode: the account id follows the kind (`rotate-<accountId>-<user>-<keyId>`), so the
 * same user name in two accounts never shares a name. Without an account id (single-account mode)
 * the kind is unchanged and so are the names.
 */
export function accountKind(kind: string, accountId?: string): string {
  return accountId === undefined ? kind : `${kind}-${accountId}`;
}

export function rotationExecutionName(userName: string, accessKeyId: string, attempt = 1, accountId?: string): string {
  return attemptExecutionName(accountKind('rotate', accountId), [userName, accessKeyId], attempt);
}

/**
 * Retiring an unused key (a rotation-kind execution in `retire` mode): `rotate-<user>-<keyId>-unused`,
 * then `-unused-2`, ... It shares the rotation prefix, so rollback and "a rotation of this user is
 * running" see it, and never equals a numbered rotation attempt, so a later real rotation of the
 * same key is not taken for it.
 */
export function retirementExecutionName(userName: string, accessKeyId: string, attempt = 1): string {
  return attemptExecutionName('rotate', [userName, accessKeyId, 'unused'], attempt);
}

/** One exposure response per exposed key (a second report of the same key is the same response). */
export function exposureExecutionName(userName: string, accessKeyId: string, accountId?: string): string {
  return executionName(accountKind('expose', accountId), userName, accessKeyId);
}

/** The name prefix each workflow kind uses, e.g. `rotate-<user>-<keyId>`, `offboard-<user>-<userId>`. */
export const EXECUTION_NAME_PREFIX = { rotation: 'rotate', offboarding: 'offboard', exposure: 'expose' } as const;

/**
 * What every execution name of this kind for this user (in this account, organization mode) starts
 * with, or undefined when the prefix is long enough that executionName may have cut it (then only
 * the execution input tells the user and the account).
 */
export function userExecutionNamePrefix(kind: string, userName: string, accountId?: string): string | undefined {
  const prefix = `${accountKind(kind, accountId)}-${toNameChars(userName)}-`;
  return prefix.length > 50 ? undefined : prefix;
}
