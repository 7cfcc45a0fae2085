/** Key activity for a Lambda that summarises it: CloudTrail LookupEvents behind the KeyActivitySource port. */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { clientConfig } from '../aws-target';
import { CloudTrailActivity, type KeyActivitySource } from '../cloudtrail';
import type { Runtime } from '../runtime';

export function keyActivityFor(rt: Pick<Runtime, 'target'>): KeyActivitySource {
  return new CloudTrailActivity(new CloudTrailClient(clientConfig(rt.target)));
}
