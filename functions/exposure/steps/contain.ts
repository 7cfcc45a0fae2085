/**
 * Contain: the first change. Attaches the stack's containment policy (a customer managed policy
 * denying every request made with temporary credentials of the user, see CONTAINMENT_STATEMENT), so
 * sessions minted with the exposed key stop working now while long-term keys (the replacement) keep
 * working. It only removes access: the role may attach this one policy and no other (iam:PolicyARN
 * condition), and writes no inline policy. AWS's quarantine policies are never touched.
 *
 * AttachUserPolicy is idempotent (attaching an attached policy succeeds), so a retry after an error,
 * a throttle, a dropped connection or a lost answer attaches nothing twice.
 */
import { ValidationError } from '../../shared/errors';
import { makeConfirm, stepRunner, type ExposureDeps, type ExposureState } from './context';

export interface ContainDeps extends ExposureDeps {
  /**
   * ARN of the stack's containment policy (EXPOSURE_CONTAINMENT_POLICY_ARN deployed); a getter
   * locally, where the policy is created in the emulator (at start, or on first use).
   */
  readonly containmentPolicyArn: string | (() => string | Promise<string>);
}

export function makeContain(deps: ContainDeps) {
  const step = stepRunner(deps.logger);
  const confirm = makeConfirm(deps);

  return async function contain(state: ExposureState): Promise<NonNullable<ExposureState['contained']>> {
    return step('contain', async () => {
      const policyArn =
        typeof deps.containmentPolicyArn === 'function' ? await deps.containmentPolicyArn() : deps.containmentPolicyArn;
      if (!policyArn) {
        throw new ValidationError('the exposure containment policy ARN is not configured (EXPOSURE_CONTAINMENT_POLICY_ARN)');
      }
      const { execution } = await confirm(state);
      await deps.iam.attachPolicy(state.userName, policyArn);
      deps.logger.info('temporary credentials of the user are denied', { userName: state.userName });
      // The execution's start, not the clock: a retried step answers the same.
      return { policyArn, containedAt: execution.startDate.toISOString() };
    });
  };
}
