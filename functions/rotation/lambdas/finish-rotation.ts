/** Lambda entry of the rotation's FinishRotation step (statemachines/key-rotation.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeFinishRotation } from '../steps/finish-rotation';
import { rotationStep } from './wiring';

const handler = once(() => rotationStep(runtimeFromEnv(), makeFinishRotation));

export const finishRotation: ReturnType<typeof makeFinishRotation> = (event) => handler()(event);
