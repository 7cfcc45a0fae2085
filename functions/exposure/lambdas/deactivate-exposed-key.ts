/** Lambda entry of the exposure response's DeactivateExposedKey step (statemachines/exposure.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeDeactivateExposedKey } from '../steps/deactivate';
import { exposureStep } from './wiring';

const handler = once(() => exposureStep(runtimeFromEnv(), makeDeactivateExposedKey));

export const deactivateExposedKey: ReturnType<typeof makeDeactivateExposedKey> = (event) => handler()(event);
