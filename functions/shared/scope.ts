/** Which users the automation may touch. Pure: the same rule runs in code and shapes IAM policy. */
import type { LifecycleConfig } from './config';
import { OutOfScopeError, ProtectedUserError, ValidationError } from './errors';

export interface ScopeSubject {
  readonly userName: string;
  readonly path: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** IAM user names: 1-64 of letters, digits and + = , . @ _ - */
export function isValidUserName(value: unknown): value is string {
  return typeof value === 'string' && /^[\w+=,.@-]{1,64}$/.test(value);
}

/** IAM compares user names case-insensitively; so must every check of a name against a list. */
export function sameUserName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function includesUserName(names: readonly string[], userName: string): boolean {
  return names.some((name) => sameUserName(name, userName));
}

export type ScopeDecision =
  | { readonly kind: 'managed' }
  | { readonly kind: 'protected'; readonly why: string }
  | { readonly kind: 'out-of-scope'; readonly why: string };

/**
 * @param extraProtectedNames user names protected beyond the config, e.g. the automation's own
 *        IAM users (from the AUTOMATION_USER_NAMES environment variable).
 */
export function decideScope(
  user: ScopeSubject,
  config: Pick<LifecycleConfig, 'managedUsers' | 'protectedUsers'>,
  extraProtectedNames: readonly string[] = [],
): ScopeDecision {
  // IAM user names are case-insensitive: `BreakGlass` and `breakglass` are one user.
  if (includesUserName(config.protectedUsers.userNames, user.userName)) {
    return { kind: 'protected', why: 'listed in protectedUsers.userNames' };
  }
  if (includesUserName(extraProtectedNames, user.userName)) {
    return { kind: 'protected', why: 'one of the automation’s own principals' };
  }
  if (Object.prototype.hasOwnProperty.call(user.tags, config.protectedUsers.tagKey)) {
    return { kind: 'protected', why: `tagged ${config.protectedUsers.tagKey}` };
  }
  if (!user.path.startsWith(config.managedUsers.pathPrefix)) {
    return { kind: 'out-of-scope', why: `path ${user.path} is outside ${config.managedUsers.pathPrefix}` };
  }
  const tag = config.managedUsers.tag;
  if (tag) {
    const value = user.tags[tag.key];
    if (value === undefined) return { kind: 'out-of-scope', why: `not tagged ${tag.key}` };
    if (tag.value !== undefined && value !== tag.value) {
      return { kind: 'out-of-scope', why: `tag ${tag.key} is not ${tag.value}` };
    }
  }
  return { kind: 'managed' };
}

/** Throws ProtectedUserError or OutOfScopeError unless the user is managed. */
export function assertManaged(
  user: ScopeSubject,
  config: Pick<LifecycleConfig, 'managedUsers' | 'protectedUsers'>,
  extraProtectedNames: readonly string[] = [],
): void {
  const decision = decideScope(user, config, extraProtectedNames);
  if (decision.kind === 'protected') throw new ProtectedUserError(user.userName, decision.why);
  if (decision.kind === 'out-of-scope') throw new OutOfScopeError(user.userName, decision.why);
}

/** The IAM path of a user from its ARN (`arn:aws:iam::123:user/some/path/name` -> `/some/path/`). */
export function pathFromUserArn(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  const parts = resource.split('/');
  return parts.length <= 2 ? '/' : `/${parts.slice(1, -1).join('/')}/`;
}

export function automationUserNamesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.AUTOMATION_USER_NAMES ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

/** Set by the offboarding workflow on the users it disables (see functions/offboarding/domain.ts). */
export const OFFBOARDING_STATE_TAG = 'iam-lifecycle:offboarding';

/**
 * A user being offboarded must not get a fresh key from a rotation: its keys are disabled on purpose
 * and a rotation would only fight the offboarding (and be disabled again).
 */
export function offboardingPhaseOf(tags: Readonly<Record<string, string>>): string | undefined {
  return Object.prototype.hasOwnProperty.call(tags, OFFBOARDING_STATE_TAG) ? tags[OFFBOARDING_STATE_TAG] : undefined;
}

/**
 * IAM user names are case-insensitive (`alice` and `Alice` are one user), but secret names,
 * execution names and record keys are not. Requests must use the spelling IAM has, so one user can
 * never get two secrets or two concurrent workflows.
 */
export function assertExactSpelling(requested: string, actual: string): void {
  if (requested !== actual) {
    throw new ValidationError(
      `IAM spells this user "${actual}" (names are case-insensitive); use that exact name, not "${requested}"`,
    );
  }
}
