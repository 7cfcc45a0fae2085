/** Lambda entry point of the HTTP API (API Gateway REST proxy integration, AWS_IAM auth). */
import { IamUsers } from '../shared/iam/users';
import { makeLogger, once, runtimeFromEnv } from '../shared/runtime';
import { SnapshotStore } from '../shared/snapshot-store';
import { workflowsFromEnv } from '../shared/workflows';
import { makeApiHandler, type ApiHandler } from './handler';
import { offboardingApi } from './offboarding-api';

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
