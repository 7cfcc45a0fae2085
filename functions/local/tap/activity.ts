/**
 * Every signed call through the tap as the management event CloudTrail's LookupEvents would list for
 * its access key (reads too: GetCallerIdentity, GetSecretValue, ...), kept beside the IAM write
 * events the tap emits. The exposure response reads a key's activity from here locally (issue 8:
 * "look up the exposed key's recent activity"), since moto has no LookupEvents of real calls.
 * Only the event name, source, time, region and source IP are kept: never a parameter or a body.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { RecordedActivity, type KeyActivitySource } from '../../shared/cloudtrail';
import type { ActivityEvent } from '../../exposure/domain';
import type { CloudTrailEvent } from './cloudtrail-shape';
import type { SigV4Scope } from './identity';

export type KeyActivityEvent = ActivityEvent & { readonly accessKeyId: string };

/** The call's API action: the query protocol's `Action` (form body or query string), or the JSON protocol's X-Amz-Target. */
export function actionOf(url: string, headers: IncomingHttpHeaders, body: Buffer): string | undefined {
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) return target.slice(target.lastIndexOf('.') + 1);
  const query = new URLSearchParams(new URL(url, 'http://tap').search).get('Action');
  if (query) return query;
  const type = headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return new URLSearchParams(body.toString('utf8')).get('Action') ?? undefined;
  }
  return undefined; // REST calls (S3 objects): data events, which LookupEvents does not list
}

/** IAM and STS are global services: CloudTrail writes their events in us-east-1. */
const GLOBAL = new Set(['iam', 'sts']);

export function callActivity(scope: SigV4Scope, action: string, at: Date, sourceIPAddress: string): KeyActivityEvent {
  return {
    accessKeyId: scope.accessKeyId,
    eventName: action,
    eventTime: new Date(Math.floor(at.getTime() / 1000) * 1000),
    eventSource: `${scope.service}.amazonaws.com`,
    awsRegion: GLOBAL.has(scope.service) ? 'us-east-1' : scope.region,
    sourceIPAddress,
  };
}

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
export function tapKeyActivity(tap: () => { activity(): readonly KeyActivityEvent[] } | undefined): KeyActivitySource {
  return new RecordedActivity(() => tap()?.activity() ?? []);
}
