/** Lambda entry of the offboarding's Disable state (statemachines/offboarding.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeStepContext } from '../steps/context';
import { makeDisable } from '../steps/disable';
import { offboardingStepDeps } from './wiring';

const handler = once(() => makeDisable(makeStepContext(offboardingStepDeps(runtimeFromEnv()))));

export const disableUser: ReturnType<typeof makeDisable> = (event) => handler()(event);
