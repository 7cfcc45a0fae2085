/**
 * A key's activity from the calls the tap recorded (../event-tap.ts `activity()`: every signed call,
 * reads too: GetCallerIdentity, GetSecretValue, ...), as CloudTrail's LookupEvents by AccessKeyId
 * would list it. The exposure response reads a key's activity from here locally (issue 8:
 * "look up the exposed key's recent activity"), since moto has no LookupEvents of real calls.
 * Only the event name, source, time, region and source IP are kept: never a parameter or a body.
 */
import { RecordedActivity, type KeyActivitySource } from '../../shared/cloudtrail';
import type { ActivityEvent } from '../../exposure/domain';
import type { CloudTrailEvent } from './cloudtrail-shape';

export type KeyActivityEvent = ActivityEvent & { readonly accessKeyId: string };

/** An emitted CloudTrail event as activity: userIdentity.accessKeyId, eventName, eventTime, sourceIPAddress, awsRegion. */
export function activityOfEvent(event: CloudTrailEvent): KeyActivityEvent {
  const d = event.detail;
  return {
    accessKeyId: d.userIdentity.accessKeyId,
    eventName: d.eventName,
    eventTime: new Date(d.eventTime),
    eventSource: d.eventSource,
    sourceIPAddress: d.sourceIPAddress,
    awsRegion: d.awsRegion,
  };
}

/**
 * The exposure response's activity port over a tap (a getter: the tap may start after the local
 * environment is built; no tap yet answers no events).
 */
export function tapKeyActivity(tap: () => { activity(): readonly CloudTrailEvent[] } | undefined): KeyActivitySource {
  return new RecordedActivity(() => (tap()?.activity() ?? []).map(activityOfEvent));
}
