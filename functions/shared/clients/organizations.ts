/** AWS Organizations for the Lambda that lists the target accounts (read-only calls). */
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { clientConfig } from '../aws-target';
import type { Runtime } from '../runtime';

export function organizationsClientFor(rt: Pick<Runtime, 'target'>): OrganizationsClient {
  // Organizations has one endpoint (us-east-1 in the aws partition); the SDK's endpoint rules pick it.
  return new OrganizationsClient(clientConfig(rt.target));
}
