/** Lambda entry of the rotation's DeactivateOldKey step (statemachines/key-rotation.asl.json): only its own code and clients. */
import { secretStoreForScope } from '../../shared/clients/secrets-manager';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeDeactivateOldKey } from '../steps/deactivate-old-key';
import { rotationStep } from './wiring';

const handler = once(() =>
  rotationStep(runtimeFromEnv(), makeDeactivateOldKey, (rt, scope, deps) => ({
    secrets: secretStoreForScope(rt, scope, deps.iam),
  })),
);

export const deactivateOldKey: ReturnType<typeof makeDeactivateOldKey> = (event) => handler()(event);
