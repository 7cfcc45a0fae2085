/** Lambda entry of the exposure response's DeactivateExposedKey step (statemachines/exposure.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeDeactivateExposedKey } from '../steps/deactivate';
import { exposureStepDeps } from './wiring';

const handler = once(() => makeDeactivateExposedKey(exposureStepDeps(runtimeFromEnv())));

export const deactivateExposedKey: ReturnType<typeof makeDeactivateExposedKey> = (event) => handler()(event);
