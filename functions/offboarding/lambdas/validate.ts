/** Lambda entry of the offboarding's Validate and ValidateRestore states (statemachines/offboarding.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeValidate } from '../steps/validate';
import { offboardingStep } from './wiring';

const handler = once(() => offboardingStep(runtimeFromEnv(), makeValidate));

export const validateOffboarding: ReturnType<typeof makeValidate> = (event) => handler()(event);
