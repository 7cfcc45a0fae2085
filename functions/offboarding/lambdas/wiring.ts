/**
 * What the offboarding step Lambdas share: IAM, the records bucket, the topic and Step Functions
 * (execution guard, earlier steps' outputs). SNAPSHOT_BUCKET names the bucket,
 * OFFBOARDING_DENY_POLICY_ARN the stack's managed deny policy. Secrets Manager is added only by the
 * entries whose step calls it (Snapshot, DeleteUser).
 */
import { iamUsersFor } from '../../shared/clients/iam';
import { snapshotStoreFor } from '../../shared/clients/s3';
import { workflowsFor } from '../../shared/clients/sfn';
import { notifierFor } from '../../shared/clients/sns';
import { makeLogger, type Runtime } from '../../shared/runtime';
import type { OffboardingStepDeps } from '../steps/context';

export const logger = makeLogger('offboarding');

export function offboardingStepDeps(rt: Runtime): OffboardingStepDeps {
  const workflows = workflowsFor(rt);
  return {
    iam: iamUsersFor(rt),
    records: snapshotStoreFor(rt),
    notifier: notifierFor(rt),
    config: rt.config,
    clock: rt.clock,
    logger,
    automationUserNames: rt.automationUserNames,
    denyPolicyArn: rt.env.OFFBOARDING_DENY_POLICY_ARN ?? '',
    workflows: () => workflows,
  };
}
