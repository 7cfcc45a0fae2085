/**
 * Organization mode (one hub deployment acting in every member account of an AWS Organization).
 * Part of LifecycleConfig as `organization`; parsed and validated here to keep ./config small.
 * Absent or `enabled: false`: single-account mode, unchanged.
 */

/**
 * What a hub role does in a member account. Each capability has its own member role
 * (`<memberRolePrefix>-<capability>`), assumable only by the hub role of the same capability.
 */
export type MemberCapability = 'scan' | 'rotation' | 'offboarding' | 'exposure' | 'reactions' | 'read';
export const MEMBER_CAPABILITIES: readonly MemberCapability[] = [
  'scan',
  'rotation',
  'offboarding',
  'exposure',
  'reactions',
  'read',
];

export interface OrganizationConfig {
  /** Organization mode on. @default false */
  readonly enabled: boolean;
  /** The organization's id (`o-` + 10-32 characters): trust policies require `aws:PrincipalOrgID`. Required when enabled. */
  readonly organizationId: string;
  /**
   * OUs (`ou-...`) or the root (`r-...`) whose accounts are targets; the member StackSet deploys to
   * them. Required when enabled (at least one).
   */
  readonly targetOrganizationalUnitIds: readonly string[];
  /** When non-empty, only these account ids (of the target OUs) are scanned. @default [] */
  readonly accountIds: readonly string[];
  /** Account ids never scanned nor acted in. @default [] */
  readonly excludedAccountIds: readonly string[];
  /** Member role names are `<memberRolePrefix>-<capability>`. @default 'iam-lifecycle-member' */
  readonly memberRolePrefix: string;
  /** Accounts scanned at once by the Distributed Map. @default 10 */
  readonly maxConcurrentAccounts: number;
  /** Percentage of account scans that may fail before the organization scan fails. @default 100 */
  readonly toleratedFailurePercentage: number;
  /** Rotations one organization scan starts over all accounts (each account still capped by maxRotationsPerScan). @default 200 */
  readonly maxRotationsPerOrganizationScan: number;
  /** Where a member user's secret lives: `member` (the workload's account) or `central` (the hub). @default 'member' */
  readonly secrets: 'member' | 'central';
}

export const DEFAULT_ORGANIZATION: OrganizationConfig = Object.freeze({
  enabled: false,
  organizationId: '',
  targetOrganizationalUnitIds: Object.freeze([]) as readonly string[],
  accountIds: Object.freeze([]) as readonly string[],
  excludedAccountIds: Object.freeze([]) as readonly string[],
  memberRolePrefix: 'iam-lifecycle-member',
  maxConcurrentAccounts: 10,
  toleratedFailurePercentage: 100,
  maxRotationsPerOrganizationScan: 200,
  secrets: 'member',
});

const ACCOUNT_ID = /^\d{12}$/;
const OU_ID = /^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$/;
const ORG_ID = /^o-[a-z0-9]{10,32}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function idList(problems: string[], name: string, value: unknown, pattern: RegExp, what: string): readonly string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && pattern.test(v))) {
    problems.push(`organization.${name} must be a list of ${what}`);
    return [];
  }
  return Object.freeze([...(value as string[])]);
}

function wholeNumber(problems: string[], name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(`organization.${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
    return min;
  }
  return value;
}

/** Validates `organization` (every field optional; defaults above); problems are appended. */
export function parseOrganization(problems: string[], raw: unknown): OrganizationConfig {
  if (raw === undefined) return DEFAULT_ORGANIZATION;
  if (!isRecord(raw)) {
    problems.push('organization must be an object');
    return DEFAULT_ORGANIZATION;
  }
  for (const key of Object.keys(raw)) {
    if (!(key in DEFAULT_ORGANIZATION)) problems.push(`unknown config field "organization.${key}"`);
  }
  const merged = { ...DEFAULT_ORGANIZATION, ...raw } as Record<string, unknown>;
  if (typeof merged.enabled !== 'boolean') problems.push('organization.enabled must be true or false');
  const enabled = merged.enabled === true;
  const organizationId = merged.organizationId;
  if (typeof organizationId !== 'string' || (organizationId !== '' && !ORG_ID.test(organizationId))) {
    problems.push('organization.organizationId must be an organization id (o-xxxxxxxxxx)');
  } else if (enabled && organizationId === '') {
    problems.push('organization.organizationId is required when organization.enabled is true');
  }
  const ous = idList(
    problems,
    'targetOrganizationalUnitIds',
    merged.targetOrganizationalUnitIds,
    OU_ID,
    'OU ids (ou-...) or root ids (r-...)',
  );
  if (enabled && ous.length === 0) {
    problems.push('organization.targetOrganizationalUnitIds needs at least one OU or root id when organization.enabled is true');
  }
  const accountIds = idList(problems, 'accountIds', merged.accountIds, ACCOUNT_ID, '12-digit account ids');
  const excludedAccountIds = idList(
    problems,
    'excludedAccountIds',
    merged.excludedAccountIds,
    ACCOUNT_ID,
    '12-digit account ids',
  );
  const prefix = merged.memberRolePrefix;
  // The longest capability suffix is `-offboarding` (12): role names are at most 64 characters.
  if (typeof prefix !== 'string' || !/^[\w+=,.@-]{1,52}$/.test(prefix)) {
    problems.push('organization.memberRolePrefix must be 1-52 characters of A-Z a-z 0-9 _ + = , . @ -');
  }
  const secrets = merged.secrets;
  if (secrets !== 'member' && secrets !== 'central') problems.push('organization.secrets must be "member" or "central"');
  return Object.freeze({
    enabled,
    organizationId: typeof organizationId === 'string' ? organizationId : '',
    targetOrganizationalUnitIds: ous,
    accountIds,
    excludedAccountIds,
    memberRolePrefix: typeof prefix === 'string' ? prefix : DEFAULT_ORGANIZATION.memberRolePrefix,
    maxConcurrentAccounts: wholeNumber(problems, 'maxConcurrentAccounts', merged.maxConcurrentAccounts, 1, 1000),
    toleratedFailurePercentage: wholeNumber(problems, 'toleratedFailurePercentage', merged.toleratedFailurePercentage, 0, 100),
    maxRotationsPerOrganizationScan: wholeNumber(
      problems,
      'maxRotationsPerOrganizationScan',
      merged.maxRotationsPerOrganizationScan,
      1,
      100000,
    ),
    secrets: secrets === 'central' ? 'central' : 'member',
  });
}

/** The member role a hub capability assumes in an account. */
export function memberRoleName(org: Pick<OrganizationConfig, 'memberRolePrefix'>, capability: MemberCapability): string {
  return `${org.memberRolePrefix}-${capability}`;
}

export function memberRoleArn(
  org: Pick<OrganizationConfig, 'memberRolePrefix'>,
  accountId: string,
  capability: MemberCapability,
  partition = 'aws',
): string {
  return `arn:${partition}:iam::${accountId}:role/${memberRoleName(org, capability)}`;
}

export function isAccountId(value: unknown): value is string {
  return typeof value === 'string' && ACCOUNT_ID.test(value);
}

/**
 * The offboarding deny policy of a member account (the member StackSet creates it under this fixed
 * name, so the hub knows its ARN in every account): `<memberRolePrefix>-offboarding-deny`.
 */
export function memberDenyPolicyName(org: Pick<OrganizationConfig, 'memberRolePrefix'>): string {
  return `${org.memberRolePrefix}-offboarding-deny`;
}

export function memberDenyPolicyArn(
  org: Pick<OrganizationConfig, 'memberRolePrefix'>,
  accountId: string,
  partition = 'aws',
): string {
  return `arn:${partition}:iam::${accountId}:policy/${memberDenyPolicyName(org)}`;
}

/**
 * With secrets "member": the alias of the KMS key the member StackSet creates in each account (in
 * the hub's region) for the secrets stored there, `alias/<memberRolePrefix>-secrets`.
 */
export function memberSecretsKeyAlias(org: Pick<OrganizationConfig, 'memberRolePrefix'>): string {
  return `alias/${org.memberRolePrefix}-secrets`;
}
