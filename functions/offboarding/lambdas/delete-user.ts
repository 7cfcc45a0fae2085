/** Lambda entry of the offboarding's DeleteUser state (statemachines/offboarding.asl.json): only its own code and clients. */
import { secretStoreForScope } from '../../shared/clients/secrets-manager';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeDeleteUser } from '../steps/delete-user';
import { offboardingStep } from './wiring';

const handler = once(() =>
  offboardingStep(runtimeFromEnv(), makeDeleteUser, (rt, scope, deps) => ({ secrets: secretStoreForScope(rt, scope, deps.iam) })),
);

export const deleteUser: ReturnType<typeof makeDeleteUser> = (event) => handler()(event);
