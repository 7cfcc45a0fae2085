/** Lambda entry of ListTargetAccounts (statemachines/organization-scan.asl.json): Organizations reads only. */
import { organizationsClientFor } from '../../shared/clients/organizations';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeListTargetAccounts } from '../list-targets';
import { OrganizationsReader } from '../organizations';
import { hubAccountIdFromEnv, logger } from '../wiring';

const handler = once(() => {
  const rt = runtimeFromEnv();
  const hubAccountId = hubAccountIdFromEnv(rt.env);
  return makeListTargetAccounts({
    reader: new OrganizationsReader(organizationsClientFor(rt)),
    config: rt.config,
    clock: rt.clock,
    logger,
    ...(hubAccountId ? { hubAccountId } : {}),
  });
});

export const listAccounts: ReturnType<typeof makeListTargetAccounts> = (event) => handler()(event);
