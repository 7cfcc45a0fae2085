/**
 * Who signed a call, as CloudTrail's `userIdentity`: the access key id from the SigV4 credential
 * scope, resolved once per key through moto's GetCallerIdentity for that key (moto does not check
 * signatures, so the tap re-sends the caller's Authorization header with the STS scope): an IAM
 * user's key is `IAMUser`, an STS session key `AssumedRole` with its `sessionIssuer` (the role).
 */
import type { CloudTrailDetail } from './cloudtrail-shape';

export type UserIdentity = CloudTrailDetail['userIdentity'];

export interface SigV4Scope {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20261130/us-east-1/iam/aws4_request, ...` → its scope. */
export function sigV4Scope(authorization: string | undefined): SigV4Scope | undefined {
  const m = /Credential=([^/\s,]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  return m ? { accessKeyId: m[1]!, region: m[2]!, service: m[3]! } : undefined;
}

interface CallerIdentity {
  readonly userId: string;
  readonly arn: string;
  readonly account: string;
}

/** The `userIdentity` CloudTrail writes for a caller (pure: the caller's identity and key id). */
export function userIdentityOf(caller: CallerIdentity, accessKeyId: string, sessionCreated: string): UserIdentity {
  const assumed = /^arn:aws:sts::(\d+):assumed-role\/([^/]+)\/(.+)$/.exec(caller.arn);
  if (assumed) {
    const [, account, roleName] = assumed as unknown as [string, string, string];
    const rolePrincipal = caller.userId.split(':')[0] ?? caller.userId;
    return {
      type: 'AssumedRole',
      principalId: caller.userId,
      arn: caller.arn,
      accountId: account,
      accessKeyId,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: rolePrincipal,
          arn: `arn:aws:iam::${account}:role/${roleName}`,
          accountId: account,
          userName: roleName,
        },
        webIdFederationData: {},
        attributes: { creationDate: sessionCreated, mfaAuthenticated: 'false' },
      },
    };
  }
  if (/:root$/.test(caller.arn)) {
    return { type: 'Root', principalId: caller.account, arn: caller.arn, accountId: caller.account, accessKeyId };
  }
  // An IAM user (arn:aws:iam::ACCOUNT:user/path/name), or moto's default identity for keys it does not know.
  const userName = caller.arn.split('/').pop() ?? caller.arn;
  return { type: 'IAMUser', principalId: caller.userId, arn: caller.arn, accountId: caller.account, accessKeyId, userName };
}

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

/**
 * Resolves (and caches) the identity behind the access key of a request's Authorization header.
 * `post` sends a query-protocol body with the given headers to the target endpoint.
 */
export function identityResolver(
  post: (body: string, headers: Record<string, string>) => Promise<{ status: number; body: string }>,
  clock: () => Date,
) {
  const cache = new Map<string, Promise<UserIdentity>>();
  const resolve = async (scope: SigV4Scope, headers: Record<string, string>): Promise<UserIdentity> => {
    const authorization = headers.authorization!.replace(`/${scope.service}/aws4_request`, '/sts/aws4_request');
    const answer = await post('Action=GetCallerIdentity&Version=2011-06-15', {
      ...headers,
      authorization,
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    });
    const arn = tag(answer.body, 'Arn');
    const userId = tag(answer.body, 'UserId');
    const account = tag(answer.body, 'Account');
    if (answer.status !== 200 || !arn || !userId || !account) {
      throw new Error(`GetCallerIdentity for ${scope.accessKeyId} answered ${answer.status}`);
    }
    return userIdentityOf(
      { arn, userId, account },
      scope.accessKeyId,
      clock()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
    );
  };
  const lookup = (scope: SigV4Scope, headers: Record<string, string>): Promise<UserIdentity> => {
    let found = cache.get(scope.accessKeyId);
    if (!found) {
      found = resolve(scope, headers);
      // A failed lookup is not cached: the next call tries again.
      found.catch(() => cache.delete(scope.accessKeyId));
      cache.set(scope.accessKeyId, found);
    }
    return found;
  };
  /**
   * Session credentials from GetSessionToken act as the IAM user that asked for them (CloudTrail:
   * `IAMUser`, the session's key id). moto's GetCallerIdentity does not know such a key, so the tap
   * remembers who asked when it forwards the answer.
   */
  const rememberSession = (sessionKeyId: string, issuer: UserIdentity): void => {
    if (issuer.type !== 'IAMUser') return;
    cache.set(sessionKeyId, Promise.resolve({ ...issuer, accessKeyId: sessionKeyId }));
  };
  return Object.assign(lookup, { rememberSession });
}
