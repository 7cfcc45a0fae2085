/** Key activity for a Lambda that summarises it: CloudTrail LookupEvents behind the KeyActivitySource port. */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { clientConfig } from '../aws-target';
import { CloudTrailActivity, RegionsTrail, type KeyActivitySource, type TrailEventSource } from '../cloudtrail';
import type { Runtime } from '../runtime';

export function keyActivityFor(rt: Pick<Runtime, 'target'>): KeyActivitySource {
  return new CloudTrailActivity(new CloudTrailClient(clientConfig(rt.target)));
}

/** The user's events in the stack's region and in us-east-1 (IAM, STS global endpoint, console sign-ins). */
export function trailEventsFor(rt: Pick<Runtime, 'target'>): TrailEventSource {
  const home = rt.target.region ?? 'us-east-1';
  const regions = home === 'us-east-1' ? [home] : [home, 'us-east-1'];
  return new RegionsTrail(
    regions.map((region) => new CloudTrailActivity(new CloudTrailClient(clientConfig({ ...rt.target, region })))),
  );
}
