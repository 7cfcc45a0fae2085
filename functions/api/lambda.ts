/**
 * Lambda entry point of the HTTP API (API Gateway REST proxy integration, AWS_IAM auth). IAM, Step
 * Functions, Secrets Manager (metadata of the per-user secrets) and the records bucket; it publishes
 * nothing and runs no workflow step.
 *
 * Organization mode: `/accounts/{accountId}/...` routes act in that account (./accounts): reads
 * through its member `read` role, a rollback through its `rotation` role, records under
 * `accounts/<accountId>/`; each account's clients are built on first use and kept.
 */
import { accountScopes } from '../shared/account-routing';
import { hubAccountIdFromEnv } from '../shared/account-scope';
import { iamClientFor, iamUsersFor } from '../shared/clients/iam';
import { snapshotStoreFor } from '../shared/clients/s3';
import { secretStoreFor, secretStoreForScope } from '../shared/clients/secrets-manager';
import { workflowsFor } from '../shared/clients/sfn';
import { makeLogger, once, runtimeFromEnv } from '../shared/runtime';
import { accountRouting } from './accounts';
import { makeApiHandler, type ApiDeps, type ApiHandler } from './handler';
import { offboardingApi } from './offboarding-api';

const logger = makeLogger('api');
const api = once<ApiHandler>(() => {
  const rt = runtimeFromEnv();
  const iamClient = iamClientFor(rt);
  const iam = iamUsersFor(rt, iamClient);
  const workflows = workflowsFor(rt);
  const records = snapshotStoreFor(rt);
  const hubAccountId = hubAccountIdFromEnv(rt.env);
  const common = { config: rt.config, clock: rt.clock, automationUserNames: rt.automationUserNames, logger, workflows };
  const single: ApiDeps = {
    ...common,
    iam,
    secrets: secretStoreFor(rt, iam),
    offboarding: offboardingApi({ ...common, iam: iamUsersFor(rt, iamClient), records }),
  };
  if (!rt.config.organization.enabled) return makeApiHandler(single);
  // The member `read` role holds what the single-account API role holds in its account, rollback's
  // UpdateAccessKey included (infra/constructs/account-grants.ts): the API assumes no other role.
  const read = accountScopes({
    config: rt.config,
    base: rt.target,
    capability: 'read',
    ...(hubAccountId ? { hubAccountId } : {}),
  });
  const accounts = accountRouting(rt.config, hubAccountId, (accountId) => {
    if (accountId === undefined) return single;
    const scope = read(accountId);
    const accountIam = iamUsersFor({ target: scope.target });
    const account = { ...common, config: scope.config, accountId };
    return {
      ...account,
      iam: accountIam,
      rollbackIam: accountIam,
      secrets: secretStoreForScope(rt, scope, accountIam),
      offboarding: offboardingApi({ ...account, iam: accountIam, records: records.forAccount(accountId) }),
    };
  });
  return makeApiHandler({ ...single, accounts });
});

export const handler: ApiHandler = (event) => api()(event);
