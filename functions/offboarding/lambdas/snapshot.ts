/** Lambda entry of the offboarding's Snapshot state (statemachines/offboarding.asl.json): only its own code and clients. */
import { secretStoreFor } from '../../shared/clients/secrets-manager';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeStepContext } from '../steps/context';
import { makeSnapshot } from '../steps/snapshot';
import { offboardingStepDeps } from './wiring';

const handler = once(() => {
  const rt = runtimeFromEnv();
  const deps = offboardingStepDeps(rt);
  return makeSnapshot(makeStepContext({ ...deps, secrets: secretStoreFor(rt, deps.iam) }));
});

export const snapshotUser: ReturnType<typeof makeSnapshot> = (event) => handler()(event);
