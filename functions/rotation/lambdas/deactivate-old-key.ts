/** Lambda entry of the rotation's DeactivateOldKey step (statemachines/key-rotation.asl.json): only its own code and clients. */
import { secretStoreFor } from '../../shared/clients/secrets-manager';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeDeactivateOldKey } from '../steps/deactivate-old-key';
import { rotationStepDeps } from './wiring';

const handler = once(() => {
  const rt = runtimeFromEnv();
  const deps = rotationStepDeps(rt);
  return makeDeactivateOldKey({ ...deps, secrets: secretStoreFor(rt, deps.iam) });
});

export const deactivateOldKey: ReturnType<typeof makeDeactivateOldKey> = (event) => handler()(event);
