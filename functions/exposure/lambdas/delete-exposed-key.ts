/** Lambda entry of the exposure response's DeleteExposedKey step (statemachines/exposure.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeDeleteExposedKey } from '../steps/delete';
import { exposureStep } from './wiring';

const handler = once(() => exposureStep(runtimeFromEnv(), makeDeleteExposedKey));

export const deleteExposedKey: ReturnType<typeof makeDeleteExposedKey> = (event) => handler()(event);
