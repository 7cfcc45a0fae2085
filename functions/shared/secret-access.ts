/**
 * Who may read and write a managed user's secret, as pure functions: the `secretReaders` config,
 * the resource policy every stored secret carries, the version ids that name the stored key, and
 * the test that tells a secret this stack created from one it did not (a "foreign" secret).
 *
 * The resource policy only denies. Whoever is not a reader of that user's secret is denied
 * GetSecretValue, whoever is not one of the stack's writer roles is denied every write, and only
 * the writers and the account's root user may replace or remove the policy. aws:PrincipalArn is
 * the role ARN for an assumed-role session, so a workload is listed by its role ARN.
 */
import { createHash } from 'node:crypto';
import type { IamUsers } from './iam/users';

export interface SecretReaders {
  /**
   * Principals (role or user ARNs) that may read a user's secret, by user name (IAM names are
   * case-insensitive, so are these keys).
   * @default {}
   */
  readonly byUser: Readonly<Record<string, readonly string[]>>;
  /**
   * A user tag whose value lists more readers of that user's secret: role or user ARNs separated by
   * spaces or commas. Entries that are not such ARNs are ignored (and logged by the store).
   * @default 'iam-lifecycle:secret-reader'
   */
  readonly tagKey: string;
}

export const DEFAULT_SECRET_READERS: SecretReaders = Object.freeze({
  byUser: Object.freeze({}) as Readonly<Record<string, readonly string[]>>,
  tagKey: 'iam-lifecycle:secret-reader',
});

/** An IAM role or user ARN, the form aws:PrincipalArn takes (assumed-role session ARNs are not). */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;

export function isPrincipalArn(value: string): boolean {
  return PRINCIPAL_ARN.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates `secretReaders`; problems go to `problems` (the config's ConfigError lists them all). */
export function parseSecretReaders(problems: string[], raw: unknown): SecretReaders {
  if (raw === undefined) return DEFAULT_SECRET_READERS;
  if (!isRecord(raw)) {
    problems.push('secretReaders must be an object');
    return DEFAULT_SECRET_READERS;
  }
  for (const key of Object.keys(raw)) {
    if (key !== 'byUser' && key !== 'tagKey') problems.push(`unknown field secretReaders.${key}`);
  }
  const tagKey = raw.tagKey ?? DEFAULT_SECRET_READERS.tagKey;
  if (typeof tagKey !== 'string' || tagKey.length === 0) problems.push('secretReaders.tagKey must be a non-empty string');
  const byUser: Record<string, readonly string[]> = {};
  const rawByUser = raw.byUser ?? {};
  if (!isRecord(rawByUser)) {
    problems.push('secretReaders.byUser must be an object of user name -> list of role ARNs');
  } else {
    const seen = new Map<string, string>();
    for (const [userName, arns] of Object.entries(rawByUser)) {
      const other = seen.get(userName.toLowerCase());
      if (other !== undefined) {
        problems.push(`secretReaders.byUser names one user twice ("${other}" and "${userName}"; IAM names are case-insensitive)`);
      }
      seen.set(userName.toLowerCase(), userName);
      if (!Array.isArray(arns) || !arns.every((a) => typeof a === 'string' && isPrincipalArn(a))) {
        problems.push(
          `secretReaders.byUser.${userName} must be a list of IAM role or user ARNs (arn:aws:iam::<account>:role/<name>)`,
        );
        continue;
      }
      byUser[userName] = Object.freeze([...(arns as string[])]);
    }
  }
  return Object.freeze({ byUser: Object.freeze(byUser), tagKey: tagKey as string });
}

/** The readers of one user's secret: configured by name plus those its tag lists; `ignored` are bad tag entries. */
export function readersOf(
  readers: SecretReaders,
  userName: string,
  userTags: Readonly<Record<string, string>>,
): { readonly arns: readonly string[]; readonly ignored: readonly string[] } {
  const configured = Object.entries(readers.byUser)
    .filter(([name]) => name.toLowerCase() === userName.toLowerCase())
    .flatMap(([, arns]) => arns);
  const tagged = (userTags[readers.tagKey] ?? '').split(/[\s,]+/).filter((s) => s.length > 0);
  const ignored = tagged.filter((s) => !isPrincipalArn(s));
  const arns = [...new Set([...configured, ...tagged.filter(isPrincipalArn)])].sort();
  return { arns, ignored };
}

/**
 * Resolves the readers of a user's secret at store time: the config's `byUser` entry and the
 * user's reader tag (ListUserTags). Tag entries that are not role or user ARNs are reported.
 */
export function makeReadersFor(
  readers: SecretReaders,
  iam: Pick<IamUsers, 'listTags'>,
  onIgnored: (userName: string, ignored: readonly string[]) => void = () => undefined,
): (userName: string) => Promise<readonly string[]> {
  return async (userName) => {
    const { arns, ignored } = readersOf(readers, userName, await iam.listTags(userName));
    if (ignored.length > 0) onIgnored(userName, ignored);
    return arns;
  };
}

/** Actions only the stack's writer roles may call on a managed secret. */
export const SECRET_WRITE_ACTIONS: readonly string[] = [
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecret',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:TagResource',
  'secretsmanager:UntagResource',
  'secretsmanager:RotateSecret',
  'secretsmanager:CancelRotateSecret',
  'secretsmanager:ReplicateSecretToRegions',
];

/** Actions on the policy itself: the writers, and the account's root user as the way back in. */
export const SECRET_POLICY_ACTIONS: readonly string[] = [
  'secretsmanager:PutResourcePolicy',
  'secretsmanager:DeleteResourcePolicy',
];

/** Sids of the statements this stack writes. */
export const SECRET_POLICY_SIDS = {
  read: 'IamLifecycleOnlyReadersGetValue',
  write: 'IamLifecycleOnlyStackWrites',
  policy: 'IamLifecycleOnlyStackChangesPolicy',
} as const;

export interface SecretPolicyInput {
  /** The secret's ARN (its partition and account name the root user). */
  readonly secretArn: string;
  /** Principals allowed GetSecretValue (the user's readers plus any stack role that must decrypt). */
  readonly readers: readonly string[];
  /** The stack's roles that write secrets. Empty (local runs): no write restriction is written. */
  readonly writers: readonly string[];
}

interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Deny';
  readonly Principal: '*';
  readonly Action: string | readonly string[];
  readonly Resource: '*';
  readonly Condition?: Record<string, Record<string, readonly string[]>>;
}

function denyExcept(sid: string, actions: string | readonly string[], allowed: readonly string[]): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Deny',
    Principal: '*',
    Action: actions,
    Resource: '*',
    // No one listed: the statement denies everyone (an empty StringNotEquals list is not valid).
    ...(allowed.length > 0 ? { Condition: { StringNotEquals: { 'aws:PrincipalArn': [...allowed].sort() } } } : {}),
  };
}

function rootOf(secretArn: string): string {
  const [, partition, , , account] = secretArn.split(':');
  return `arn:${partition ?? 'aws'}:iam::${account ?? ''}:root`;
}

/** The resource policy of a managed secret (JSON). Deny statements only: it can never grant. */
export function secretResourcePolicy(input: SecretPolicyInput): string {
  const statements: PolicyStatement[] = [denyExcept(SECRET_POLICY_SIDS.read, 'secretsmanager:GetSecretValue', input.readers)];
  if (input.writers.length > 0) {
    statements.push(denyExcept(SECRET_POLICY_SIDS.write, SECRET_WRITE_ACTIONS, input.writers));
    statements.push(denyExcept(SECRET_POLICY_SIDS.policy, SECRET_POLICY_ACTIONS, [...input.writers, rootOf(input.secretArn)]));
  }
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/**
 * The version id of a stored key: the access key id, "-", then the SHA-256 of the store's request
 * token, 64 characters in all. PutSecretValue sets it together with the value, so DescribeSecret
 * tells which key AWSCURRENT holds without decrypting anything. The same key stored again by the
 * same execution gets the same id (a retry is a no-op); another key gets another id.
 */
export function versionIdFor(accessKeyId: string, requestToken: string): string {
  const hash = createHash('sha256').update(requestToken).digest('hex');
  if (!/^[A-Z0-9]{16,47}$/.test(accessKeyId)) return hash; // not an IAM key id shape: hash only (64 chars)
  return `${accessKeyId}-${hash}`.slice(0, 64);
}

/** The access key id a version id names (see versionIdFor), or undefined for any other version id. */
export function accessKeyIdOfVersion(versionId: string | undefined): string | undefined {
  const match = /^([A-Z0-9]{16,47})-[0-9a-f]{16,48}$/.exec(versionId ?? '');
  return match && match[0].length === 64 ? match[1] : undefined;
}

export interface SecretFacts {
  readonly tags: Readonly<Record<string, string>>;
  /** DescribeSecret's KmsKeyId: absent for the AWS managed key aws/secretsmanager. */
  readonly kmsKeyId?: string;
  /** The resource policy JSON, if any. */
  readonly policy?: string;
  /** Regions the secret is replicated to (a replica is encrypted with a key of the creator's choice). */
  readonly replicaRegions?: readonly string[];
  /** The AWS service that manages the secret, if any. */
  readonly owningService?: string;
}

function keyIdOf(keyRef: string): string {
  const slash = keyRef.lastIndexOf('key/');
  return slash >= 0 ? keyRef.slice(slash + 'key/'.length) : keyRef;
}

/**
 * Why an existing secret is not one this stack created for `userName`, or undefined when it is:
 * the stack's tags, no managing service, no replica, the stack's KMS key (when one is configured),
 * and a resource policy that grants nothing (this stack's policy only denies; an Allow statement
 * means someone else wrote it).
 */
export function foreignSecretReason(
  facts: SecretFacts,
  expected: {
    readonly userName: string;
    readonly kmsKeyId?: string;
    readonly managedBy: string;
    readonly tagKeys: { managedBy: string; user: string };
  },
): string | undefined {
  if (facts.tags[expected.tagKeys.managedBy] !== expected.managedBy) {
    return `it does not carry the tag ${expected.tagKeys.managedBy}=${expected.managedBy}`;
  }
  if (facts.tags[expected.tagKeys.user] !== expected.userName) {
    return `its tag ${expected.tagKeys.user} does not name ${expected.userName}`;
  }
  if (facts.owningService) return `it is managed by ${facts.owningService}`;
  if (facts.replicaRegions && facts.replicaRegions.length > 0) {
    return `it is replicated to ${facts.replicaRegions.join(', ')}`;
  }
  if (expected.kmsKeyId && (!facts.kmsKeyId || keyIdOf(facts.kmsKeyId) !== keyIdOf(expected.kmsKeyId))) {
    return "it is not encrypted with the stack's KMS key";
  }
  if (facts.policy) {
    let statements: unknown;
    try {
      const parsed = JSON.parse(facts.policy) as { Statement?: unknown };
      statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
    } catch {
      return 'its resource policy cannot be read';
    }
    const grants = (statements as { Effect?: unknown }[]).some((s) => !isRecord(s) || s.Effect !== 'Deny');
    if (grants) return 'its resource policy grants access (the stack only writes Deny statements)';
  }
  return undefined;
}
