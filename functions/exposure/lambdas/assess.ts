/** Lambda entry of the exposure response's Assess step (statemachines/exposure.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeAssess } from '../steps/assess';
import { exposureStep } from './wiring';

const handler = once(() => exposureStep(runtimeFromEnv(), makeAssess));

export const assess: ReturnType<typeof makeAssess> = (event) => handler()(event);
