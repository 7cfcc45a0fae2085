/** Step Functions for a Lambda that checks, reads or starts executions (state machine ARNs from the environment). */
import { SFNClient } from '@aws-sdk/client-sfn';
import { clientConfig } from '../aws-target';
import type { Runtime } from '../runtime';
import { workflowsFromEnv, type StepFunctionsWorkflows } from '../workflows';

export function workflowsFor(rt: Pick<Runtime, 'target' | 'env'>): StepFunctionsWorkflows {
  return workflowsFromEnv(new SFNClient(clientConfig(rt.target)), rt.env);
}
