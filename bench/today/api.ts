// Frozen copy (issue 7) of the capability-wide Lambda entry as it was before each function got its
// own entry: bench/bundles.ts builds it as the "today" row. Not deployed.
/** Lambda entry point of the HTTP API (API Gateway REST proxy integration, AWS_IAM auth). */
import { IamUsers } from '../../functions/shared/iam/users';
import { makeLogger, once, runtimeFromEnv } from './runtime';
import { SnapshotStore } from '../../functions/shared/snapshot-store';
import { workflowsFromEnv } from '../../functions/shared/workflows';
import { makeApiHandler, type ApiHandler } from '../../functions/api/handler';
import { offboardingApi } from '../../functions/api/offboarding-api';

const logger = makeLogger('api');
const api = once<ApiHandler>(() => {
  const rt = runtimeFromEnv();
  const workflows = workflowsFromEnv(rt.clients.sfn);
  return makeApiHandler({
    iam: rt.iam,
    secrets: rt.secrets,
    workflows,
    config: rt.config,
    clock: rt.clock,
    automationUserNames: rt.automationUserNames,
    logger,
    offboarding: offboardingApi({
      iam: new IamUsers(rt.clients.iam),
      records: new SnapshotStore(rt.clients.s3, process.env.SNAPSHOT_BUCKET ?? ''),
      workflows,
      config: rt.config,
      clock: rt.clock,
      automationUserNames: rt.automationUserNames,
    }),
  });
});

export const handler: ApiHandler = (event) => api()(event);
