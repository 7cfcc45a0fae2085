/** Lambda entry of the offboarding's Snapshot state (statemachines/offboarding.asl.json): only its own code and clients. */
import { secretStoreForScope } from '../../shared/clients/secrets-manager';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeSnapshot } from '../steps/snapshot';
import { offboardingStep } from './wiring';

const handler = once(() =>
  offboardingStep(runtimeFromEnv(), makeSnapshot, (rt, scope, deps) => ({ secrets: secretStoreForScope(rt, scope, deps.iam) })),
);

export const snapshotUser: ReturnType<typeof makeSnapshot> = (event) => handler()(event);
