/**
 * The rotation workflow's steps. Each is a thin function over the domain rules in ./domain with its
 * AWS adapters, notifier and clock injected (one file per step under ./steps); ./lambdas/* wire each to its deployed Lambda and the
 * local runner binds the same functions to the Task states of statemachines/key-rotation.asl.json.
 *
 * What flows between steps (the execution history) holds user names, key ids, dates and reasons.
 * The secret access key exists only inside createAndStore, on its way to Secrets Manager.
 */
import { makeCheckCutover } from './steps/check-cutover';
import type { RotationDeps } from './steps/context';
import { makeCreateAndStore } from './steps/create-and-store';
import { makeDeactivateOldKey } from './steps/deactivate-old-key';
import { makeFinishRotation } from './steps/finish-rotation';
import { makeNotify } from './steps/notify';
import { makePrepare } from './steps/prepare';

export * from './steps/context';

/** Every step over the same dependencies: the local runner and the tests bind these. */
export function makeRotationHandlers(deps: RotationDeps) {
  return {
    prepare: makePrepare(deps),
    createAndStore: makeCreateAndStore(deps),
    checkCutover: makeCheckCutover(deps),
    deactivateOldKey: makeDeactivateOldKey(deps),
    finishRotation: makeFinishRotation(deps),
    notify: makeNotify(deps),
  };
}

export type RotationHandlers = ReturnType<typeof makeRotationHandlers>;

/** Task state name in key-rotation.asl.json -> step. The local runner binds these. */
export function rotationTaskBindings(handlers: RotationHandlers) {
  return {
    Prepare: handlers.prepare,
    CreateAndStoreKey: handlers.createAndStore,
    NotifyStarted: handlers.notify,
    CheckCutover: handlers.checkCutover,
    DeactivateOldKey: handlers.deactivateOldKey,
    FinishRotation: handlers.finishRotation,
    NotifyFailed: handlers.notify,
  };
}
