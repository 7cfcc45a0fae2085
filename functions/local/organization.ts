/**
 * Several accounts in one moto: an organization with OUs and member accounts (moto hands out the
 * account ids), the member roles of each account, and the credentials that act in an account.
 *
 * moto answers STS AssumeRole into `arn:aws:iam::<account>:role/<any name>` with credentials that act
 * in <account> (its IAM users, keys and secrets are that account's), whether the role exists or not.
 * Two consequences, both local differences written down here and in the README:
 * - users, keys and member roles are created in an account through AssumeRole of the account's
 *   `OrganizationAccountAccessRole` (the role AWS creates in accounts made by CreateAccount);
 * - `localRoleAssumer` checks the member role with GetRole in the target account first and throws
 *   MemberRoleUnavailableError when it is missing, which AWS's AssumeRole does by refusing
 *   (AccessDenied). moto does not evaluate trust policies, so a role that exists but does not trust
 *   the hub is still assumable locally; the trust policies are checked on the synthesized templates.
 */
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { MemberRoleUnavailableError, type RoleAssumer } from '../shared/accounts';
import { clientConfig, type AwsTarget, type StaticCredentials } from '../shared/aws-target';
import { isNoSuchEntity } from '../shared/iam/records';
import {
  MEMBER_CAPABILITIES,
  memberRoleName,
  type MemberCapability,
  type OrganizationConfig,
} from '../shared/organization-config';

/** The role AWS creates in every account made by CreateAccount; locally, how the seed acts in an account. */
export const ACCOUNT_ACCESS_ROLE = 'OrganizationAccountAccessRole';

/** Credentials that act in `accountId` (moto: any role name works; on AWS, OrganizationAccountAccessRole). */
export async function accountCredentials(
  base: AwsTarget,
  accountId: string,
  roleName = ACCOUNT_ACCESS_ROLE,
): Promise<StaticCredentials> {
  const sts = new STSClient(clientConfig(base));
  try {
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`, RoleSessionName: 'iam-lifecycle-local' }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole into ${accountId} answered no credentials`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
    };
  } finally {
    sts.destroy();
  }
}

/** A target acting in `accountId` (fixed credentials of the account's access role). */
export async function accountTarget(base: AwsTarget, accountId: string): Promise<AwsTarget> {
  return { ...base, credentials: await accountCredentials(base, accountId) };
}

/**
 * The hub's RoleAssumer for local runs: the member role must exist in the account (GetRole, with the
 * account's access role), then STS AssumeRole as on AWS.
 */
export function localRoleAssumer(base: AwsTarget): RoleAssumer {
  return async (roleArn, sessionName, accountId) => {
    const roleName = roleArn.split('/').pop() ?? '';
    const iam = new IAMClient(clientConfig(await accountTarget(base, accountId)));
    try {
      await iam.send(new GetRoleCommand({ RoleName: roleName }));
    } catch (error) {
      if (isNoSuchEntity(error))
        throw new MemberRoleUnavailableError(accountId, roleArn, 'NoSuchEntity: the member stack is not deployed there');
      throw error;
    } finally {
      iam.destroy();
    }
    return accountCredentials(base, accountId, roleName);
  };
}

export interface LocalAccountSpec {
  /** Account name (unique in the organization; the e-mail is derived from it). */
  readonly name: string;
  /** Name of the OU (of `ous`) it moves to; the root when absent. */
  readonly ou?: string;
  /** Create the member roles in it. @default true */
  readonly memberRoles?: boolean;
}

export interface LocalOrganizationSpec {
  /** OUs to create, parents before children; `parent` is another OU's name (the root when absent). */
  readonly ous?: readonly { readonly name: string; readonly parent?: string }[];
  readonly accounts: readonly LocalAccountSpec[];
  readonly organization: Pick<OrganizationConfig, 'memberRolePrefix'>;
  /** Capabilities whose member roles are created. @default every capability */
  readonly capabilities?: readonly MemberCapability[];
  /** Trusted by the member roles (locally not enforced). @default the management account's root */
  readonly hubPrincipalArn?: string;
}

export interface LocalOrganization {
  readonly organizationId: string;
  readonly rootId: string;
  readonly managementAccountId: string;
  /** OU name -> id. */
  readonly ous: Readonly<Record<string, string>>;
  /** Account name -> id. */
  readonly accounts: Readonly<Record<string, string>>;
}

async function ensureOrganization(org: OrganizationsClient): Promise<{ id: string; managementAccountId: string }> {
  try {
    const out = await org.send(new DescribeOrganizationCommand({}));
    return { id: out.Organization!.Id!, managementAccountId: out.Organization!.MasterAccountId! };
  } catch (error) {
    if ((error as Error).name !== 'AWSOrganizationsNotInUseException') throw error;
  }
  try {
    const out = await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    return { id: out.Organization!.Id!, managementAccountId: out.Organization!.MasterAccountId! };
  } catch (error) {
    // Another test file sharing this moto created it between the two calls.
    if ((error as Error).name !== 'AlreadyInOrganizationException') throw error;
    const out = await org.send(new DescribeOrganizationCommand({}));
    return { id: out.Organization!.Id!, managementAccountId: out.Organization!.MasterAccountId! };
  }
}

async function createAccount(org: OrganizationsClient, name: string): Promise<string> {
  const created = await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
  let status = created.CreateAccountStatus;
  // moto answers SUCCEEDED at once; AWS takes a while.
  for (let i = 0; i < 60 && status?.State === 'IN_PROGRESS'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    status = (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: status.Id! }))).CreateAccountStatus;
  }
  if (status?.State !== 'SUCCEEDED' || !status.AccountId) {
    throw new Error(`CreateAccount ${name}: ${status?.State ?? 'no status'} ${status?.FailureReason ?? ''}`.trim());
  }
  return status.AccountId;
}

/** Creates the member roles (`<prefix>-<capability>`) in an account, through its access role. */
export async function createMemberRoles(
  base: AwsTarget,
  accountId: string,
  spec: Pick<LocalOrganizationSpec, 'organization' | 'capabilities'> & { hubPrincipalArn: string },
): Promise<void> {
  const iam = new IAMClient(clientConfig(await accountTarget(base, accountId)));
  try {
    for (const capability of spec.capabilities ?? MEMBER_CAPABILITIES) {
      const trust = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: spec.hubPrincipalArn }, Action: 'sts:AssumeRole' }],
      };
      await iam.send(
        new CreateRoleCommand({
          RoleName: memberRoleName(spec.organization, capability),
          AssumeRolePolicyDocument: JSON.stringify(trust),
        }),
      );
    }
  } finally {
    iam.destroy();
  }
}

/** An organization in moto (reused when the management account already has one), its OUs and accounts. */
export async function seedOrganization(base: AwsTarget, spec: LocalOrganizationSpec): Promise<LocalOrganization> {
  const org = new OrganizationsClient(clientConfig(base));
  try {
    const { id, managementAccountId } = await ensureOrganization(org);
    const rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    const ous: Record<string, string> = {};
    for (const ou of spec.ous ?? []) {
      const parentId = ou.parent ? ous[ou.parent] : rootId;
      if (!parentId) throw new Error(`OU ${ou.name}: parent ${ou.parent ?? ''} is not created before it`);
      const out = await org.send(new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: ou.name }));
      ous[ou.name] = out.OrganizationalUnit!.Id!;
    }
    const accounts: Record<string, string> = {};
    const hubPrincipalArn = spec.hubPrincipalArn ?? `arn:aws:iam::${managementAccountId}:root`;
    for (const account of spec.accounts) {
      const accountId = await createAccount(org, account.name);
      accounts[account.name] = accountId;
      if (account.ou) {
        const ouId = ous[account.ou];
        if (!ouId) throw new Error(`account ${account.name}: no OU named ${account.ou}`);
        await org.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: rootId, DestinationParentId: ouId }));
      }
      if (account.memberRoles ?? true) {
        await createMemberRoles(base, accountId, { ...spec, hubPrincipalArn });
      }
    }
    return { organizationId: id, rootId, managementAccountId, ous, accounts };
  } finally {
    org.destroy();
  }
}
