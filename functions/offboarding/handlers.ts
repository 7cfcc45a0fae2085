/**
 * The offboarding workflow's steps (statemachines/offboarding.asl.json), one file per step under
 * ./steps over the rules in ./domain with AWS adapters, notifier and clock injected; ./lambdas/* wire
 * them to the deployed Lambdas and tests bind the same functions to the Task states locally.
 *
 * Every step is idempotent: it reads what is there now and does only what is missing, so a retry
 * after a crash at any point converges. Every state-changing step first confirms it runs inside a
 * live execution of the offboarding state machine for that user, and re-checks the user's id, scope
 * and protection. What flows between steps holds user names, ids, dates, counts and record digests;
 * the full snapshot stays in S3 and no secret ever passes through.
 */
import type { TrailEventSource } from '../shared/cloudtrail';
import { makeCheckActivity } from './steps/check-activity';
import { makeStepContext, type OffboardingDeps } from './steps/context';
import { makeDeleteUser } from './steps/delete-user';
import { makeDisable } from './steps/disable';
import { makeNotify } from './steps/notify';
import { makeCheckStillDisabled } from './steps/observe';
import { makeRestore } from './steps/restore';
import { makeSnapshot } from './steps/snapshot';
import { makeValidate } from './steps/validate';

export * from './steps/context';

export const OFFBOARDING_ASL_FILE = 'offboarding.asl.json';

/** The steps' dependencies, with where CheckActivity reads CloudTrail and the stack's own principals. */
export interface OffboardingHandlerDeps extends OffboardingDeps {
  /** @default none: every lookup fails, so no user is deleted on it (postponed, then held) */
  readonly trail?: TrailEventSource;
  /** @default [] */
  readonly ownPrincipals?: readonly string[];
}

/** Without a CloudTrail source there is no evidence of "no activity": every lookup fails. */
const NO_TRAIL: TrailEventSource = {
  lookup: () => Promise.reject(new Error('no CloudTrail source is configured for the activity check')),
};

export function makeOffboardingHandlers(deps: OffboardingHandlerDeps) {
  const ctx = makeStepContext(deps);
  return {
    validate: makeValidate(ctx),
    snapshot: makeSnapshot(ctx),
    disable: makeDisable(ctx),
    checkStillDisabled: makeCheckStillDisabled(ctx),
    checkActivity: makeCheckActivity({ ...deps, trail: deps.trail ?? NO_TRAIL, ownPrincipals: deps.ownPrincipals ?? [] }),
    deleteUser: makeDeleteUser(ctx),
    restore: makeRestore(ctx),
    notify: makeNotify(ctx),
  };
}

export type OffboardingHandlers = ReturnType<typeof makeOffboardingHandlers>;

/** Task state name in offboarding.asl.json -> step. The local runner binds these. */
export function offboardingTaskBindings(handlers: OffboardingHandlers) {
  return {
    Validate: handlers.validate,
    ValidateRestore: handlers.validate,
    Snapshot: handlers.snapshot,
    Disable: handlers.disable,
    CheckStillDisabled: handlers.checkStillDisabled,
    CheckActivity: handlers.checkActivity,
    DeleteUser: handlers.deleteUser,
    RestoreUser: handlers.restore,
    NotifyFailed: handlers.notify,
  };
}
