/**
 * Lambda entry of the AWS Health rule's target: IAM (the key's owner) and Step Functions (start).
 * Organization mode: IAM of the event's account, through its member `exposure` role.
 */
import { accountScopes } from '../../shared/account-routing';
import { hubAccountIdFromEnv } from '../../shared/account-scope';
import { iamUsersFor } from '../../shared/clients/iam';
import { workflowsFor } from '../../shared/clients/sfn';
import { makeLogger, once, runtimeFromEnv } from '../../shared/runtime';
import { makeHealthHandler } from '../health-handler';

const logger = makeLogger('exposure-health');

const handler = once(() => {
  const rt = runtimeFromEnv();
  const deps = { iam: iamUsersFor(rt), workflows: workflowsFor(rt), logger };
  if (!rt.config.organization.enabled) return makeHealthHandler(deps);
  const hubAccountId = hubAccountIdFromEnv(rt.env);
  const scopes = accountScopes({
    config: rt.config,
    base: rt.target,
    capability: 'exposure',
    ...(hubAccountId ? { hubAccountId } : {}),
  });
  return makeHealthHandler({
    ...deps,
    organization: {
      config: rt.config,
      ...(hubAccountId ? { hubAccountId } : {}),
      iamIn: (accountId) => iamUsersFor({ target: scopes(accountId).target }),
    },
  });
});

export const onHealthEvent: ReturnType<typeof makeHealthHandler> = (event) => handler()(event);
