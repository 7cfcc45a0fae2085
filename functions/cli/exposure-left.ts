/**
 * The left-state paragraph of an exposure response (Ctrl-C or a failed run): is the exposed key
 * still usable, is the old-sessions deny in place, which key the secret holds, and the command that
 * finishes the job. Read from the account, never from what the workflow said.
 */
import { CONTAINMENT_POLICY_NAME } from '../exposure/domain';
import type { CliContext } from './context';

export interface ExposureLeft {
  readonly userName: string;
  readonly executionName: string;
  readonly accessKeyId: string;
}

export async function exposureLeftState(
  ctx: Pick<CliContext, 'iam'>,
  w: ExposureLeft,
  how: { readonly opening: string; readonly endpoint?: string; readonly target: string },
): Promise<string> {
  const keys = await ctx.iam.listAccessKeys(w.userName);
  // The containment policy is managed: named CONTAINMENT_POLICY_NAME locally, `<stack>-...ContainmentPolicy...` by CDK.
  const policies = (await ctx.iam.listAttachedPolicies(w.userName)).map((p) => p.policyName);
  const exposed = keys.find((k) => k.accessKeyId === w.accessKeyId);
  const others = keys.filter((k) => k.accessKeyId !== w.accessKeyId).map((k) => `${k.accessKeyId} ${k.status}`);
  const denied = policies.some((name) => name === CONTAINMENT_POLICY_NAME || name.includes('ContainmentPolicy'));
  const aws = `aws ${how.endpoint ? `--endpoint-url ${how.endpoint} ` : ''}iam`;
  const state =
    `${w.userName}: the exposed key ${w.accessKeyId} is ${exposed ? exposed.status : 'deleted'}` +
    `${others.length > 0 ? `, other keys ${others.join(', ')}` : ''}; the user's temporary credentials are ${denied ? '' : 'NOT '}denied.`;
  const advice =
    exposed?.status === 'Active'
      ? `The exposed key still works: run the response again (\`iam-lifecycle expose ${w.accessKeyId} --reason TEXT${how.target}\`) ` +
        `or deactivate it now: \`${aws} update-access-key --user-name ${w.userName} --access-key-id ${w.accessKeyId} --status Inactive\`.`
      : exposed
        ? `It no longer works; delete it once nothing needs it: \`${aws} delete-access-key --user-name ${w.userName} --access-key-id ${w.accessKeyId}\`.`
        : 'Nothing is left to do for that key.';
  return `${how.opening} ${state} ${advice}`;
}
