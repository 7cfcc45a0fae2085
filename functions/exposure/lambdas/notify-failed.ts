/** Lambda entry of the exposure response's NotifyFailed step (statemachines/exposure.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeNotifyExposureFailed } from '../steps/report';
import { exposureStep } from './wiring';

const handler = once(() => exposureStep(runtimeFromEnv(), makeNotifyExposureFailed));

export const notifyFailed: ReturnType<typeof makeNotifyExposureFailed> = (event) => handler()(event);
