/** IAM for a Lambda that calls it: one client (its calls counted by the scan) and the IAM adapter. */
import { IAMClient } from '@aws-sdk/client-iam';
import { clientConfig } from '../aws-target';
import { IamUsers } from '../iam/users';
import type { Runtime } from '../runtime';

export function iamClientFor(rt: Pick<Runtime, 'target'>): IAMClient {
  return new IAMClient(clientConfig(rt.target));
}

export function iamUsersFor(rt: Pick<Runtime, 'target'>, client: IAMClient = iamClientFor(rt)): IamUsers {
  return new IamUsers(client);
}
