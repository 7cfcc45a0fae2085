/** Lambda entry of the exposure response's NotifyFailed step (statemachines/exposure.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeNotifyExposureFailed } from '../steps/report';
import { exposureStepDeps } from './wiring';

const handler = once(() => makeNotifyExposureFailed(exposureStepDeps(runtimeFromEnv())));

export const notifyFailed: ReturnType<typeof makeNotifyExposureFailed> = (event) => handler()(event);
