/** Lambda entry of the offboarding's DeleteUser state (statemachines/offboarding.asl.json): only its own code and clients. */
import { secretStoreFor } from '../../shared/clients/secrets-manager';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeStepContext } from '../steps/context';
import { makeDeleteUser } from '../steps/delete-user';
import { offboardingStepDeps } from './wiring';

const handler = once(() => {
  const rt = runtimeFromEnv();
  const deps = offboardingStepDeps(rt);
  return makeDeleteUser(makeStepContext({ ...deps, secrets: secretStoreFor(rt, deps.iam) }));
});

export const deleteUser: ReturnType<typeof makeDeleteUser> = (event) => handler()(event);
