/**
 * Lambda entry point of the HTTP API (API Gateway REST proxy integration, AWS_IAM auth). IAM, Step
 * Functions, Secrets Manager (metadata of the per-user secrets) and the records bucket; it publishes
 * nothing and runs no workflow step.
 */
import { iamClientFor, iamUsersFor } from '../shared/clients/iam';
import { snapshotStoreFor } from '../shared/clients/s3';
import { secretStoreFor } from '../shared/clients/secrets-manager';
import { workflowsFor } from '../shared/clients/sfn';
import { makeLogger, once, runtimeFromEnv } from '../shared/runtime';
import { makeApiHandler, type ApiHandler } from './handler';
import { offboardingApi } from './offboarding-api';

const logger = makeLogger('api');
const api = once<ApiHandler>(() => {
  const rt = runtimeFromEnv();
  const iamClient = iamClientFor(rt);
  const iam = iamUsersFor(rt, iamClient);
  const workflows = workflowsFor(rt);
  return makeApiHandler({
    iam,
    secrets: secretStoreFor(rt, iam),
    workflows,
    config: rt.config,
    clock: rt.clock,
    automationUserNames: rt.automationUserNames,
    logger,
    offboarding: offboardingApi({
      iam: iamUsersFor(rt, iamClient),
      records: snapshotStoreFor(rt),
      workflows,
      config: rt.config,
      clock: rt.clock,
      automationUserNames: rt.automationUserNames,
    }),
  });
});

export const handler: ApiHandler = (event) => api()(event);
