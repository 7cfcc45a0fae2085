/** Lambda entry of the offboarding's CheckStillDisabled state (statemachines/offboarding.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeStepContext } from '../steps/context';
import { makeCheckStillDisabled } from '../steps/observe';
import { offboardingStepDeps } from './wiring';

const handler = once(() => makeCheckStillDisabled(makeStepContext(offboardingStepDeps(runtimeFromEnv()))));

export const checkStillDisabled: ReturnType<typeof makeCheckStillDisabled> = (event) => handler()(event);
