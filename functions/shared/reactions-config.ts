/**
 * What the CloudTrail reactions (functions/reactions) do per kind: `notify` only, or an action.
 * Part of LifecycleConfig as `reactions`; parsed and validated here to keep ./config small.
 */

export interface ReactionsConfig {
  /** A credential or grant re-enabled during an offboarding's observation. `act`: re-disable it. @default 'act' */
  readonly reenabled: 'act' | 'notify';
  /** An access key created outside a rotation on a managed user. @default 'notify' */
  readonly outOfBandKey: 'notify' | 'deactivate';
  /**
   * With `outOfBandKey: "deactivate"`: minutes to wait before deactivating. Only 0 (deactivate at
   * once) is carried out by the reaction itself; a positive delay notifies and leaves the key (no
   * scheduler yet). @default 0
   */
  readonly outOfBandKeyDelayMinutes: number;
  /** Protected/managed/offboarding tags changed. Only `notify` exists. @default 'notify' */
  readonly scopeChanged: 'notify';
  /** Privilege added to a managed user. `revert`: undo the grant. @default 'notify' */
  readonly privilegeEscalated: 'notify' | 'revert';
  /** MFA removed from a console user. Only `notify` exists. @default 'notify' */
  readonly mfaRemoved: 'notify';
  /** Group names whose membership counts as admin-level privilege. @default [] */
  readonly adminGroups: readonly string[];
}

export const DEFAULT_REACTIONS: ReactionsConfig = Object.freeze({
  reenabled: 'act',
  outOfBandKey: 'notify',
  outOfBandKeyDelayMinutes: 0,
  scopeChanged: 'notify',
  privilegeEscalated: 'notify',
  mfaRemoved: 'notify',
  adminGroups: Object.freeze([]) as readonly string[],
});

const CHOICES: Readonly<Record<string, readonly string[]>> = {
  reenabled: ['act', 'notify'],
  outOfBandKey: ['notify', 'deactivate'],
  scopeChanged: ['notify'],
  privilegeEscalated: ['notify', 'revert'],
  mfaRemoved: ['notify'],
};

/** Validates `reactions` (every field optional; defaults above); problems are appended. */
export function parseReactions(problems: string[], raw: unknown): ReactionsConfig {
  if (raw === undefined) return DEFAULT_REACTIONS;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push('reactions must be an object');
    return DEFAULT_REACTIONS;
  }
  const given = raw as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(key in DEFAULT_REACTIONS)) problems.push(`unknown config field "reactions.${key}"`);
  }
  const merged = { ...DEFAULT_REACTIONS, ...given } as Record<string, unknown>;
  for (const [key, allowed] of Object.entries(CHOICES)) {
    if (!allowed.includes(merged[key] as string)) {
      problems.push(`reactions.${key} must be ${allowed.map((a) => `"${a}"`).join(' or ')} (got ${JSON.stringify(merged[key])})`);
    }
  }
  const delay = merged.outOfBandKeyDelayMinutes;
  if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > 10080) {
    problems.push('reactions.outOfBandKeyDelayMinutes must be a whole number of minutes from 0 to 10080');
  }
  const groups = merged.adminGroups;
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string' && /^[\w+=,.@-]{1,128}$/.test(g))) {
    problems.push('reactions.adminGroups must be a list of IAM group names');
  }
  return Object.freeze({
    ...(merged as unknown as ReactionsConfig),
    adminGroups: Object.freeze(Array.isArray(groups) ? [...(groups as string[])] : []),
  });
}
