// Frozen copy (issue 7) of the capability-wide Lambda entry as it was before each function got its
// own entry: bench/bundles.ts builds it as the "today" row. Not deployed.
/**
 * Lambda entry points of the offboarding workflow: one function per step, each with its own role
 * (see the IAM actions listed per export). SNAPSHOT_BUCKET names the snapshot bucket,
 * OFFBOARDING_DENY_POLICY_ARN the stack's managed deny policy.
 */
import { IamUsers } from '../../functions/shared/iam/users';
import { makeLogger, once, runtimeFromEnv } from './runtime';
import { SnapshotStore } from '../../functions/shared/snapshot-store';
import { workflowsFromEnv } from '../../functions/shared/workflows';
import { makeOffboardingHandlers, type OffboardingHandlers } from '../../functions/offboarding/handlers';

const logger = makeLogger('offboarding');
const handlers = once<OffboardingHandlers>(() => {
  const rt = runtimeFromEnv();
  const workflows = workflowsFromEnv(rt.clients.sfn);
  return makeOffboardingHandlers({
    iam: new IamUsers(rt.clients.iam),
    records: new SnapshotStore(rt.clients.s3, process.env.SNAPSHOT_BUCKET ?? ''),
    secrets: rt.secrets,
    notifier: rt.notifier,
    config: rt.config,
    clock: rt.clock,
    logger,
    automationUserNames: rt.automationUserNames,
    denyPolicyArn: process.env.OFFBOARDING_DENY_POLICY_ARN ?? '',
    workflows: () => workflows,
  });
});

export const validateOffboarding: OffboardingHandlers['validate'] = (event) => handlers().validate(event);
export const snapshotUser: OffboardingHandlers['snapshot'] = (event) => handlers().snapshot(event);
export const disableUser: OffboardingHandlers['disable'] = (event) => handlers().disable(event);
export const checkStillDisabled: OffboardingHandlers['checkStillDisabled'] = (event) => handlers().checkStillDisabled(event);
export const deleteUser: OffboardingHandlers['deleteUser'] = (event) => handlers().deleteUser(event);
export const restoreUser: OffboardingHandlers['restore'] = (event) => handlers().restore(event);
export const notify: OffboardingHandlers['notify'] = (event) => handlers().notify(event);
