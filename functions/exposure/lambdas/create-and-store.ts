/** Lambda entry of the exposure response's CreateAndStoreKey step (the rotation's create-and-store under this workflow's check). */
import { secretStoreForScope } from '../../shared/clients/secrets-manager';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeExposureCreateAndStore } from '../steps/create-and-store';
import { exposureStep } from './wiring';

const handler = once(() =>
  exposureStep(runtimeFromEnv(), makeExposureCreateAndStore, (rt, scope, deps) => ({
    secrets: secretStoreForScope(rt, scope, deps.iam),
  })),
);

export const createAndStore: ReturnType<typeof makeExposureCreateAndStore> = (event) => handler()(event);
