/**
 * The AWS Organizations adapter of the organization scan: every account under the target OUs with
 * the parents above it, every page read.
 *
 * A target that is a root (`r-...`) is read with ListAccounts (every account of the organization,
 * one paginated call) and ListParents is not needed: the root is above every account. An OU is read
 * with ListAccountsForParent and ListChildren(ORGANIZATIONAL_UNIT), recursively, so accounts in
 * nested OUs are found. Calls are sequential (Organizations allows about one request a second per
 * account and operation, bursts a little more); throttling is retried by the SDK's adaptive retry,
 * then by the state machine's Retry on the ListTargetAccounts task. Reads only: a lost answer or a
 * dropped connection is simply read again.
 */
import {
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  type ListChildrenCommandOutput,
  type Account,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { LifecycleError } from '../shared/errors';
import type { OrganizationAccount } from './domain';

/** A configured target OU or root does not exist in the organization (a config mistake). */
export class TargetOrganizationalUnitNotFoundError extends LifecycleError {
  constructor(readonly parentId: string) {
    super(`organization.targetOrganizationalUnitIds: ${parentId} is not an OU or root of this organization`);
  }
}

export interface OrganizationReader {
  /** Accounts under the given OUs / roots (an account under two of them appears twice). */
  accountsUnder(parentIds: readonly string[]): Promise<OrganizationAccount[]>;
}

function status(account: Account): string {
  // `State` (ACTIVE, SUSPENDED, PENDING_ACTIVATION, CLOSED) replaces `Status`; read either.
  const withState = account as Account & { State?: string };
  return withState.State ?? account.Status ?? 'UNKNOWN';
}

function toAccount(account: Account, parentIds: readonly string[]): OrganizationAccount | undefined {
  if (!account.Id) return undefined;
  return { accountId: account.Id, ...(account.Name ? { name: account.Name } : {}), status: status(account), parentIds };
}

function isParentNotFound(error: unknown): boolean {
  const name = (error as Error).name;
  return name === 'ParentNotFoundException' || name === 'InvalidInputException';
}

export class OrganizationsReader implements OrganizationReader {
  /** Organizations API calls made, for the summary and the benchmark. */
  calls = 0;

  constructor(private readonly client: OrganizationsClient) {}

  async accountsUnder(parentIds: readonly string[]): Promise<OrganizationAccount[]> {
    const result: OrganizationAccount[] = [];
    for (const parentId of parentIds) {
      try {
        if (parentId.startsWith('r-')) result.push(...(await this.allAccounts(parentId)));
        else result.push(...(await this.underOu(parentId, [parentId])));
      } catch (error) {
        if (isParentNotFound(error)) throw new TargetOrganizationalUnitNotFoundError(parentId);
        throw error;
      }
    }
    return result;
  }

  private async allAccounts(rootId: string): Promise<OrganizationAccount[]> {
    const accounts: OrganizationAccount[] = [];
    let NextToken: string | undefined;
    do {
      this.calls++;
      const page = await this.client.send(new ListAccountsCommand({ NextToken }));
      for (const a of page.Accounts ?? []) {
        const account = toAccount(a, [rootId]);
        if (account) accounts.push(account);
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return accounts;
  }

  /** Accounts of `ouId` and of every OU below it; `path` is the OUs from `ouId` down, nearest last. */
  private async underOu(ouId: string, path: readonly string[]): Promise<OrganizationAccount[]> {
    const accounts: OrganizationAccount[] = [];
    const parents = [...path].reverse();
    let NextToken: string | undefined;
    do {
      this.calls++;
      const page = await this.client.send(new ListAccountsForParentCommand({ ParentId: ouId, NextToken }));
      for (const a of page.Accounts ?? []) {
        const account = toAccount(a, parents);
        if (account) accounts.push(account);
      }
      NextToken = page.NextToken;
    } while (NextToken);
    const children: string[] = [];
    NextToken = undefined;
    do {
      this.calls++;
      const page: ListChildrenCommandOutput = await this.client.send(
        new ListChildrenCommand({ ParentId: ouId, ChildType: 'ORGANIZATIONAL_UNIT', NextToken }),
      );
      for (const child of page.Children ?? []) if (child.Id) children.push(child.Id);
      NextToken = page.NextToken;
    } while (NextToken);
    for (const child of children) accounts.push(...(await this.underOu(child, [...path, child])));
    return accounts;
  }
}
