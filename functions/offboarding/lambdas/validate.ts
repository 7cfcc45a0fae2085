/** Lambda entry of the offboarding's Validate and ValidateRestore states (statemachines/offboarding.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeStepContext } from '../steps/context';
import { makeValidate } from '../steps/validate';
import { offboardingStepDeps } from './wiring';

const handler = once(() => makeValidate(makeStepContext(offboardingStepDeps(runtimeFromEnv()))));

export const validateOffboarding: ReturnType<typeof makeValidate> = (event) => handler()(event);
