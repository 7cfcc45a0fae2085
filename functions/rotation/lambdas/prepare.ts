/** Lambda entry of the rotation's Prepare step (statemachines/key-rotation.asl.json): only its own code and clients. */
import { secretStoreFor } from '../../shared/clients/secrets-manager';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makePrepare } from '../steps/prepare';
import { rotationStepDeps } from './wiring';

const handler = once(() => {
  const rt = runtimeFromEnv();
  const deps = rotationStepDeps(rt);
  return makePrepare({ ...deps, secrets: secretStoreFor(rt, deps.iam) });
});

export const prepare: ReturnType<typeof makePrepare> = (event) => handler()(event);
