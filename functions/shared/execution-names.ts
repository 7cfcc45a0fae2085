/**
 * Deterministic Step Functions execution names, so that a second start of the same work is refused
 * by Step Functions (ExecutionAlreadyExists) instead of running twice. Names allow 1-80 characters
 * of A-Z a-z 0-9 - _; IAM user names may also hold + = , . @ so those are mapped, and a short hash
 * of the original keeps two different users from ever mapping to the same name.
 */
import { createHash } from 'node:crypto';

const MAX_LENGTH = 80;

export function executionName(kind: string, ...parts: string[]): string {
  const raw = [kind, ...parts].join('-');
  const clean = raw.replace(/[^A-Za-z0-9_-]/g, '_');
  if (clean === raw && raw.length <= MAX_LENGTH) return raw;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 10);
  return `${clean.slice(0, MAX_LENGTH - hash.length - 1)}-${hash}`;
}

export function rotationExecutionName(userName: string, accessKeyId: string): string {
  return executionName('rotate', userName, accessKeyId);
}
