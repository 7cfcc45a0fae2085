/** Lambda entry of the exposure response's Contain step (statemachines/exposure.asl.json): IAM, the guard, and the stack's containment policy ARN. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeContain } from '../steps/contain';
import { exposureStep } from './wiring';

// The containment policy is the stack's (EXPOSURE_CONTAINMENT_POLICY_ARN); organization mode has no
// member copy yet (see README "Organization mode"), so a member account's Contain fails closed.
const handler = once(() => {
  const rt = runtimeFromEnv();
  return exposureStep(rt, makeContain, () => ({ containmentPolicyArn: rt.env.EXPOSURE_CONTAINMENT_POLICY_ARN ?? '' }));
});

export const contain: ReturnType<typeof makeContain> = (event) => handler()(event);
