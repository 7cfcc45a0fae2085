/** Lambda entry of the rotation's CheckCutover step (statemachines/key-rotation.asl.json): only its own code and clients. */
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeCheckCutover } from '../steps/check-cutover';
import { rotationStep } from './wiring';

const handler = once(() => rotationStep(runtimeFromEnv(), makeCheckCutover));

export const checkCutover: ReturnType<typeof makeCheckCutover> = (event) => handler()(event);
