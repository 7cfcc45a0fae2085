/** Lambda entry of the offboarding's Disable state (statemachines/offboarding.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeDisable } from '../steps/disable';
import { offboardingStep } from './wiring';

const handler = once(() => offboardingStep(runtimeFromEnv(), makeDisable));

export const disableUser: ReturnType<typeof makeDisable> = (event) => handler()(event);
