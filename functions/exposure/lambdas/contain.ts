/** Lambda entry of the exposure response's Contain step (statemachines/exposure.asl.json): IAM, the guard, and the stack's containment policy ARN. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeContain } from '../steps/contain';
import { exposureStepDeps } from './wiring';

const handler = once(() => {
  const rt = runtimeFromEnv();
  return makeContain({ ...exposureStepDeps(rt), containmentPolicyArn: rt.env.EXPOSURE_CONTAINMENT_POLICY_ARN ?? '' });
});

export const contain: ReturnType<typeof makeContain> = (event) => handler()(event);
