/** Lambda entry of the rotation's Prepare step (statemachines/key-rotation.asl.json): only its own code and clients. */
import { secretStoreForScope } from '../../shared/clients/secrets-manager';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makePrepare } from '../steps/prepare';
import { rotationStep } from './wiring';

const handler = once(() =>
  rotationStep(runtimeFromEnv(), makePrepare, (rt, scope, deps) => ({ secrets: secretStoreForScope(rt, scope, deps.iam) })),
);

export const prepare: ReturnType<typeof makePrepare> = (event) => handler()(event);
