/**
 * The offboarding's activity check in local runs: the production CloudTrail adapter (paging, time
 * budget) over LookupEvents answered by the event tap from the calls it recorded (moto has no
 * CloudTrail). Calls that bypass the tap are not recorded, as calls in an account without a trail
 * would not be.
 */
import type { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CloudTrailActivity, type TrailEventSource } from '../../shared/cloudtrail';
import type { LookupEventsInput, LookupEventsOutput } from './lookup';

export type LookupEventsFn = (input: LookupEventsInput) => LookupEventsOutput;

/** `lookup()` answers the tap's LookupEvents, or undefined while no tap runs (then nothing was recorded). */
export function recordedTrail(lookup: () => LookupEventsFn | undefined): TrailEventSource {
  const client = {
    send: (command: LookupEventsCommand) =>
      Promise.resolve().then(() => lookup()?.(command.input as LookupEventsInput) ?? { Events: [] }),
  };
  return new CloudTrailActivity(client as never);
}
