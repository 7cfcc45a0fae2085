/** Errors of the offboarding workflow; the state machine matches on their names. */
import { LifecycleError } from '../shared/errors';

/** A cancel won the race against this step (decision record says "cancel"): the step changes nothing. */
export class OffboardingCancelledError extends LifecycleError {
  constructor(
    readonly userName: string,
    readonly executionName: string,
  ) {
    super(`offboarding ${executionName} of user ${userName} was cancelled; not going on`);
  }
}

/**
 * The user name now belongs to a different IAM user (deleted and re-created: another UserId).
 * The workflow acts only on the user it started with.
 */
export class UserReplacedError extends LifecycleError {
  constructor(
    readonly userName: string,
    readonly expectedUserId: string,
    readonly actualUserId: string,
  ) {
    super(`user ${userName} is no longer the user this offboarding started with (id ${expectedUserId}, now ${actualUserId})`);
  }
}

/** Two-person rule: the principal that asked may not approve its own request. */
export class SelfApprovalError extends LifecycleError {
  constructor(
    readonly userName: string,
    readonly principal: string,
  ) {
    super(`${principal} requested this for user ${userName} and may not approve it; another principal must approve`);
  }
}

/** Nothing awaits approval for this user and action (never requested, or already decided). */
export class NoPendingApprovalError extends LifecycleError {}

/** The request waited longer than approvalExpiryHours; it can no longer be approved. */
export class ApprovalExpiredError extends LifecycleError {}

/**
 * Activity before deletion: the user's credentials were still being used (or CloudTrail could not
 * be read) after every allowed postponement. The user stays disabled, not deleted; a person decides
 * (cancel to restore it, or offboard it again). The message carries counts and times, never a secret.
 */
export class OffboardingHeldError extends LifecycleError {
  constructor(
    readonly userName: string,
    readonly executionName: string,
    readonly postponements: number,
    readonly reason: 'activity' | 'incomplete',
  ) {
    super(
      `offboarding ${executionName} held: ${
        reason === 'activity' ? 'activity of the user' : 'an incomplete CloudTrail lookup'
      } after ${postponements} postponement(s); ${userName} stays disabled and is not deleted: cancel to restore it or offboard it again`,
    );
  }
}
