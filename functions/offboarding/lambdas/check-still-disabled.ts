/** Lambda entry of the offboarding's CheckStillDisabled state (statemachines/offboarding.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeCheckStillDisabled } from '../steps/observe';
import { offboardingStep } from './wiring';

const handler = once(() => offboardingStep(runtimeFromEnv(), makeCheckStillDisabled));

export const checkStillDisabled: ReturnType<typeof makeCheckStillDisabled> = (event) => handler()(event);
