/**
 * The offboarding deny policy in the account a workflow acts in. Organization mode: the member stack
 * creates the same policy (same path and name) in every member account, so its ARN is the hub's
 * with the member account id in place of the hub's.
 */
export function denyPolicyArnIn(hubArn: string, accountId: string | undefined): string {
  if (accountId === undefined) return hubArn;
  return hubArn.replace(/^(arn:[\w-]+:iam::)\d{12}(:policy\/)/, `$1${accountId}$2`);
}
