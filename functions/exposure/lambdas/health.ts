/** Lambda entry of the AWS Health rule's target: IAM (the key's owner) and Step Functions (start). */
import { iamUsersFor } from '../../shared/clients/iam';
import { workflowsFor } from '../../shared/clients/sfn';
import { makeLogger, once, runtimeFromEnv } from '../../shared/runtime';
import { makeHealthHandler } from '../health-handler';

const logger = makeLogger('exposure-health');

const handler = once(() => {
  const rt = runtimeFromEnv();
  return makeHealthHandler({ iam: iamUsersFor(rt), workflows: workflowsFor(rt), logger });
});

export const onHealthEvent: ReturnType<typeof makeHealthHandler> = (event) => handler()(event);
