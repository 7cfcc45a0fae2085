/**
 * Local-mode support for the exposure workflow (local runs and tests; never imported by ./lambdas):
 * its ASL binding for the local runner, and the containment policy the deployed stack creates.
 */
import { CreatePolicyCommand, ListPoliciesCommand, type IAMClient } from '@aws-sdk/client-iam';
import type { LocalWorkflowDefinition } from '../local/runner';
import { CONTAINMENT_POLICY_NAME, containmentPolicyDocument } from './domain';
import { exposureTaskBindings, type ExposureHandlers } from './handlers';

export const EXPOSURE_ASL_FILE = 'exposure.asl.json';

/** Path of the local containment policy (the deployed stack creates its own). */
export const LOCAL_CONTAINMENT_POLICY_PATH = '/iam-lifecycle/';

/** `{ exposure: exposureWorkflowDefinition(handlers) }` is what LocalWorkflows needs. */
export function exposureWorkflowDefinition(handlers: ExposureHandlers): LocalWorkflowDefinition {
  return { aslFile: EXPOSURE_ASL_FILE, tasks: exposureTaskBindings(handlers) };
}

/**
 * Creates the containment policy in the emulator as the stack does when deployed (the same
 * document), once: a second call finds the existing one. Answers its ARN, which Contain needs
 * (EXPOSURE_CONTAINMENT_POLICY_ARN when deployed).
 */
export async function ensureLocalContainmentPolicy(iam: IAMClient): Promise<string> {
  try {
    const out = await iam.send(
      new CreatePolicyCommand({
        PolicyName: CONTAINMENT_POLICY_NAME,
        Path: LOCAL_CONTAINMENT_POLICY_PATH,
        PolicyDocument: containmentPolicyDocument(),
        Description: 'iam-user-lifecycle: attached to a user whose key was exposed; denies its temporary credentials',
      }),
    );
    if (out.Policy?.Arn) return out.Policy.Arn;
  } catch (error) {
    if ((error as Error).name !== 'EntityAlreadyExistsException' && (error as Error).name !== 'EntityAlreadyExists') throw error;
  }
  let marker: string | undefined;
  do {
    const page = await iam.send(
      new ListPoliciesCommand({ Scope: 'Local', PathPrefix: LOCAL_CONTAINMENT_POLICY_PATH, Marker: marker }),
    );
    const found = page.Policies?.find((p) => p.PolicyName === CONTAINMENT_POLICY_NAME);
    if (found?.Arn) return found.Arn;
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  throw new Error(`the local containment policy ${CONTAINMENT_POLICY_NAME} could not be created or found`);
}
