/** Lambda entry of the rotation's CreateAndStoreKey step (statemachines/key-rotation.asl.json): only its own code and clients. */
import { secretStoreForScope } from '../../shared/clients/secrets-manager';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeCreateAndStore } from '../steps/create-and-store';
import { rotationStep } from './wiring';

const handler = once(() =>
  rotationStep(runtimeFromEnv(), makeCreateAndStore, (rt, scope, deps) => ({
    secrets: secretStoreForScope(rt, scope, deps.iam),
  })),
);

export const createAndStore: ReturnType<typeof makeCreateAndStore> = (event) => handler()(event);
