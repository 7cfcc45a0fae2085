/** Lambda entry of the exposure response's Contain step (statemachines/exposure.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeContain } from '../steps/contain';
import { exposureStep } from './wiring';

const handler = once(() => exposureStep(runtimeFromEnv(), makeContain));

export const contain: ReturnType<typeof makeContain> = (event) => handler()(event);
