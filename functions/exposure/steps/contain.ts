/**
 * Contain: the first change. An inline deny on the user for every session issued before the
 * response began (aws:TokenIssueTime), so temporary credentials minted with the exposed key stop
 * working now. It only removes access. AWS's quarantine policies are never touched.
 */
import { denyOldSessionsPolicy, DENY_OLD_SESSIONS_POLICY_NAME } from '../domain';
import { makeConfirm, stepRunner, type ExposureDeps, type ExposureState } from './context';

export function makeContain(deps: ExposureDeps) {
  const step = stepRunner(deps.logger);
  const confirm = makeConfirm(deps);

  return async function contain(state: ExposureState): Promise<NonNullable<ExposureState['contained']>> {
    return step('contain', async () => {
      const { execution } = await confirm(state);
      // The execution's start, not the clock: a retried step puts the same document.
      const issuedBefore = execution.startDate;
      await deps.iam.putInlinePolicy(state.userName, DENY_OLD_SESSIONS_POLICY_NAME, denyOldSessionsPolicy(issuedBefore));
      deps.logger.info('sessions issued before the response are denied', { userName: state.userName });
      return { policyName: DENY_OLD_SESSIONS_POLICY_NAME, sessionsIssuedBefore: issuedBefore.toISOString() };
    });
  };
}
