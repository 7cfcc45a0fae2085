/** What the organization scan's Lambda entries share: the logger and the hub's account id. */
import { makeLogger } from '../shared/runtime';

export const logger = makeLogger('organization-scan');

/**
 * The hub's account id, from the rotation state machine's ARN (`arn:<partition>:states:<region>:<account>:...`):
 * no extra environment variable, and it is the account the rotations start in.
 */
export function hubAccountIdFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const account = (env.ROTATION_STATE_MACHINE_ARN ?? '').split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

export function partitionFromEnv(env: NodeJS.ProcessEnv): string {
  return (env.ROTATION_STATE_MACHINE_ARN ?? '').split(':')[1] || 'aws';
}
