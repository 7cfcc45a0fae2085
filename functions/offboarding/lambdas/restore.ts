/** Lambda entry of the offboarding's RestoreUser state (statemachines/offboarding.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeStepContext } from '../steps/context';
import { makeRestore } from '../steps/restore';
import { offboardingStepDeps } from './wiring';

const handler = once(() => makeRestore(makeStepContext(offboardingStepDeps(runtimeFromEnv()))));

export const restoreUser: ReturnType<typeof makeRestore> = (event) => handler()(event);
