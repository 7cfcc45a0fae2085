/** Lambda entry of the offboarding's RestoreUser state (statemachines/offboarding.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeRestore } from '../steps/restore';
import { offboardingStep } from './wiring';

const handler = once(() => offboardingStep(runtimeFromEnv(), makeRestore));

export const restoreUser: ReturnType<typeof makeRestore> = (event) => handler()(event);
