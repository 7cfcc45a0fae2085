/**
 * Where a hub Lambda reaches the account it acts in. Single-account mode (or no account id, or the
 * hub's own account): the Lambda's own target, unchanged. Organization mode: the member role of the
 * same capability in that account (`<memberRolePrefix>-<capability>`), assumed through STS with the
 * Lambda's own credentials; credentials are cached per account and role until shortly before they
 * expire, so a warm container assumes each role once an hour at most.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig, type AwsTarget, type StaticCredentials } from './aws-target';
import type { LifecycleConfig } from './config';
import { isAccountId, memberRoleArn, type MemberCapability } from './organization-config';

/** The member account's role could not be assumed (not deployed there yet, or trust refused). */
export class MemberRoleUnavailableError extends Error {
  override readonly name = 'MemberRoleUnavailableError';
  constructor(
    readonly accountId: string,
    readonly roleArn: string,
    cause: string,
  ) {
    super(`cannot act in account ${accountId}: role ${roleArn} cannot be assumed (${cause})`);
  }
}

export class UnknownAccountError extends Error {
  override readonly name = 'UnknownAccountError';
  constructor(readonly accountId: string) {
    super(`account ${JSON.stringify(accountId)} is not a 12-digit account id`);
  }
}

export interface AccountTargets {
  /** The target to build a capability's clients with for an account (undefined: the hub's own account). */
  forAccount(accountId: string | undefined, capability: MemberCapability): AwsTarget;
}

/** Assumes a role and answers its credentials; local runs may check the role exists (moto does not). */
export type RoleAssumer = (roleArn: string, sessionName: string, accountId: string) => Promise<StaticCredentials>;

const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** STS AssumeRole with the base target's credentials (the hub Lambda's role). */
export function stsRoleAssumer(base: AwsTarget): RoleAssumer {
  const sts = new STSClient(clientConfig(base));
  return async (roleArn, sessionName, accountId) => {
    let answer;
    try {
      answer = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 3600 }));
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'NoSuchEntity') {
        throw new MemberRoleUnavailableError(accountId, roleArn, name);
      }
      throw error;
    }
    const c = answer.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new MemberRoleUnavailableError(accountId, roleArn, 'no credentials returned');
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    };
  };
}

export interface AccountTargetsOptions {
  readonly config: Pick<LifecycleConfig, 'organization'>;
  /** The hub's own target (the Lambda's role). */
  readonly base: AwsTarget;
  /** The hub's account id, when known: acting there needs no member role. */
  readonly hubAccountId?: string;
  /** @default STS AssumeRole with the base target */
  readonly assume?: RoleAssumer;
  readonly partition?: string;
  readonly clock?: () => Date;
}

export function accountTargets(options: AccountTargetsOptions): AccountTargets {
  const { config, base } = options;
  const org = config.organization;
  const assume = options.assume ?? stsRoleAssumer(base);
  const clock = options.clock ?? (() => new Date());
  const cache = new Map<string, AwsTarget>();
  return {
    forAccount(accountId, capability) {
      if (!org.enabled || accountId === undefined || accountId === options.hubAccountId) return base;
      if (!isAccountId(accountId)) throw new UnknownAccountError(accountId);
      const roleArn = memberRoleArn(org, accountId, capability, options.partition);
      const cached = cache.get(roleArn);
      if (cached) return cached;
      let current: Promise<StaticCredentials> | undefined;
      const provider = async (): Promise<StaticCredentials> => {
        const fresh = current ? await current.catch(() => undefined) : undefined;
        if (!fresh || (fresh.expiration && fresh.expiration.getTime() - REFRESH_MARGIN_MS <= clock().getTime())) {
          current = assume(roleArn, `iam-lifecycle-${capability}`, accountId);
        }
        return current as Promise<StaticCredentials>;
      };
      const target: AwsTarget = { ...base, credentials: provider };
      cache.set(roleArn, target);
      return target;
    },
  };
}
