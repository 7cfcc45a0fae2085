/**
 * Organization mode locally (issue 9): one moto serves every account; STS AssumeRole into
 * `arn:aws:iam::<account>:role/<memberRolePrefix>-<capability>` answers credentials that act in
 * that account, so the production per-account wiring (../shared/account-routing, the default
 * stsRoleAssumer) runs unchanged. Each account's clients, secret store, records view and
 * offboarding service are built on first use and kept; `ready(accountId)` creates what the member
 * stack would (the offboarding deny policy) in that account.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { accountScopes, type AccountScope } from '../shared/account-routing';
import { accountRouting, type AccountRouting } from '../api/accounts';
import type { ApiDeps } from '../api/handler';
import { offboardingApi } from '../api/offboarding-api';
import { clientConfig, type AwsTarget } from '../shared/aws-target';
import type { LifecycleConfig } from '../shared/config';
import { IamUsers } from '../shared/iam/users';
import { notifierForAccount, type Notifier } from '../shared/notifier';
import type { MemberCapability } from '../shared/organization-config';
import { makeReadersFor } from '../shared/secret-access';
import { SecretStore } from '../shared/secret-store';
import type { SnapshotStore } from '../shared/snapshot-store';
import type { WorkflowPort } from '../shared/workflows';
import type { OffboardingServiceDeps } from '../offboarding/service';
import { ensureLocalDenyPolicy, MotoIamGaps } from '../offboarding/local';

/** moto's own account: the hub locally. */
export const LOCAL_HUB_ACCOUNT_ID = '123456789012';

/** What a workflow, the API or the CLI uses in one account. */
export interface LocalAccount {
  readonly accountId?: string;
  readonly scope: AccountScope;
  readonly iamClient: IAMClient;
  readonly iam: IamUsers;
  readonly secrets: SecretStore;
  readonly records: SnapshotStore;
  readonly notifier: Notifier;
  readonly config: LifecycleConfig;
  readonly offboardingService: OffboardingServiceDeps;
}

export interface LocalAccounts {
  readonly hubAccountId: string;
  /** The account's clients for a capability (locally every member role acts alike: moto enforces no policy). */
  forAccount(accountId: string | undefined, capability?: MemberCapability): LocalAccount;
  /** Creates the member stack's offboarding deny policy in the account; answers its ARN. */
  ready(accountId: string): Promise<string>;
}

export function localAccounts(options: {
  readonly config: LifecycleConfig;
  readonly base: AwsTarget;
  readonly hubAccountId?: string;
  readonly records: SnapshotStore;
  readonly notifier: Notifier;
  readonly workflows: () => WorkflowPort;
  readonly clock: () => Date;
  readonly automationUserNames: readonly string[];
  readonly emulateMotoGaps: boolean;
}): LocalAccounts {
  const hubAccountId = options.hubAccountId ?? LOCAL_HUB_ACCOUNT_ID;
  const scopesBy = new Map<MemberCapability, (accountId: string | undefined) => AccountScope>();
  const built = new Map<string, LocalAccount>();
  const forAccount = (accountId: string | undefined, capability: MemberCapability = 'offboarding'): LocalAccount => {
    const key = `${capability}/${accountId ?? ''}`;
    const known = built.get(key);
    if (known) return known;
    let scopes = scopesBy.get(capability);
    if (!scopes) {
      scopes = accountScopes({ config: options.config, base: options.base, hubAccountId, capability });
      scopesBy.set(capability, scopes);
    }
    const scope = scopes(accountId);
    const iamClient = new IAMClient(clientConfig(scope.target));
    if (options.emulateMotoGaps) new MotoIamGaps().install(iamClient);
    const iam = new IamUsers(iamClient);
    const secrets = new SecretStore(new SecretsManagerClient(clientConfig(scope.secrets.target)), undefined, {
      writerArns: [],
      readersFor: makeReadersFor(scope.config.secretReaders, iam),
    });
    const records = options.records.forAccount(accountId);
    const account: LocalAccount = {
      ...(accountId !== undefined ? { accountId } : {}),
      scope,
      iamClient,
      iam,
      secrets,
      records,
      notifier: notifierForAccount(options.notifier, accountId),
      config: scope.config,
      offboardingService: {
        iam,
        records,
        // A getter: the local runner is built after the handlers that route through these accounts.
        get workflows() {
          return options.workflows();
        },
        config: scope.config,
        clock: options.clock,
        automationUserNames: options.automationUserNames,
        ...(accountId !== undefined ? { accountId } : {}),
      },
    };
    built.set(key, account);
    return account;
  };
  return {
    hubAccountId,
    forAccount,
    ready: (accountId) => ensureLocalDenyPolicy(forAccount(accountId).iamClient),
  };
}

/** The API's per-account dependencies over local accounts (what ../api/lambda builds when deployed). */
export function localApiAccounts(
  accounts: LocalAccounts,
  config: LifecycleConfig,
  common: Pick<ApiDeps, 'workflows' | 'clock' | 'logger' | 'automationUserNames'>,
): AccountRouting {
  return accountRouting(config, accounts.hubAccountId, (accountId) => {
    const account = accounts.forAccount(accountId, 'read');
    return {
      ...common,
      config: account.config,
      iam: account.iam,
      rollbackIam: accounts.forAccount(accountId, 'rotation').iam,
      secrets: account.secrets,
      offboarding: offboardingApi(account.offboardingService),
      ...(accountId !== undefined ? { accountId } : {}),
    };
  });
}
