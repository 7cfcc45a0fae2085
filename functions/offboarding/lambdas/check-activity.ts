/**
 * Lambda entry of the offboarding's CheckActivity state (statemachines/offboarding.asl.json):
 * CloudTrail LookupEvents, Step Functions (execution guard, earlier states' outputs) and the topic;
 * no IAM, no records bucket. STACK_PRINCIPAL_IDS (comma separated unique ids of the stack's roles)
 * names the calls that are never the user's activity.
 */
import { trailEventsFor } from '../../shared/clients/cloudtrail';
import { workflowsFor } from '../../shared/clients/sfn';
import { notifierFor } from '../../shared/clients/sns';
import { listFromEnv, makeLogger, once, runtimeFromEnv } from '../../shared/runtime';
import { makeCheckActivity } from '../steps/check-activity';

const logger = makeLogger('offboarding');

const handler = once(() => {
  const rt = runtimeFromEnv();
  const workflows = workflowsFor(rt);
  return makeCheckActivity({
    trail: trailEventsFor(rt),
    ownPrincipals: listFromEnv(rt.env.STACK_PRINCIPAL_IDS),
    notifier: notifierFor(rt),
    config: rt.config,
    clock: rt.clock,
    logger,
    workflows: () => workflows,
  });
});

export const checkActivity: ReturnType<typeof makeCheckActivity> = (event) => handler()(event);
