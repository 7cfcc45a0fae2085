/** Lambda entry of the exposure response's CreateAndStoreKey step (the rotation's create-and-store under this workflow's check). */
import { secretStoreFor } from '../../shared/clients/secrets-manager';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeExposureCreateAndStore } from '../steps/create-and-store';
import { exposureStepDeps } from './wiring';

const handler = once(() => {
  const rt = runtimeFromEnv();
  const deps = exposureStepDeps(rt);
  return makeExposureCreateAndStore({ ...deps, secrets: secretStoreFor(rt, deps.iam) });
});

export const createAndStore: ReturnType<typeof makeExposureCreateAndStore> = (event) => handler()(event);
