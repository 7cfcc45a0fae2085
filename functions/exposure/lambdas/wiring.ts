/**
 * What the exposure step Lambdas share: IAM, the topic, and the execution guard over Step Functions
 * (safety rule 8). Secrets Manager and CloudTrail are added only by the entries whose step calls them.
 */
import { iamUsersFor } from '../../shared/clients/iam';
import { workflowsFor } from '../../shared/clients/sfn';
import { notifierFor } from '../../shared/clients/sns';
import { WorkflowExecutionGuard } from '../../shared/execution-guard';
import { makeLogger, type Runtime } from '../../shared/runtime';
import type { ExposureDeps } from '../steps/context';

export const logger = makeLogger('exposure-response');

export function exposureStepDeps(rt: Runtime): ExposureDeps {
  const workflows = workflowsFor(rt);
  return {
    iam: iamUsersFor(rt),
    notifier: notifierFor(rt),
    config: rt.config,
    clock: rt.clock,
    logger,
    automationUserNames: rt.automationUserNames,
    guard: new WorkflowExecutionGuard(() => workflows),
  };
}
