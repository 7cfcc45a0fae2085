/** Lambda entry of the rotation's CreateAndStoreKey step (statemachines/key-rotation.asl.json): only its own code and clients. */
import { secretStoreFor } from '../../shared/clients/secrets-manager';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeCreateAndStore } from '../steps/create-and-store';
import { rotationStepDeps } from './wiring';

const handler = once(() => {
  const rt = runtimeFromEnv();
  const deps = rotationStepDeps(rt);
  return makeCreateAndStore({ ...deps, secrets: secretStoreFor(rt, deps.iam) });
});

export const createAndStore: ReturnType<typeof makeCreateAndStore> = (event) => handler()(event);
