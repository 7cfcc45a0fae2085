/**
 * CloudTrail `LookupEvents` over the events the tap recorded, with the API's shape so a
 * `LookupEvents` port can answer from it locally: one lookup attribute (AccessKeyId, Username,
 * EventName, EventId, EventSource, ReadOnly), a time range, newest first, MaxResults (1-50,
 * default 50) pages joined by an opaque NextToken bound to the query.
 */
import { ValidationError } from '../../shared/errors';
import type { CloudTrailEvent } from './cloudtrail-shape';

export type LookupAttributeKey = 'AccessKeyId' | 'Username' | 'EventName' | 'EventId' | 'EventSource' | 'ReadOnly';

export interface LookupEventsInput {
  readonly LookupAttributes?: readonly { AttributeKey: LookupAttributeKey; AttributeValue: string }[];
  readonly StartTime?: Date;
  readonly EndTime?: Date;
  readonly MaxResults?: number;
  readonly NextToken?: string;
}

export interface LookedUpEvent {
  readonly EventId: string;
  readonly EventName: string;
  readonly ReadOnly: string;
  readonly AccessKeyId: string;
  readonly EventTime: Date;
  readonly EventSource: string;
  readonly Username?: string;
  readonly Resources: readonly { ResourceType: string; ResourceName: string }[];
  /** The CloudTrail record as a JSON string, as the API returns it. */
  readonly CloudTrailEvent: string;
}

export interface LookupEventsOutput {
  readonly Events: LookedUpEvent[];
  readonly NextToken?: string;
}

/** LookupEvents' `Username`: the caller's user name, or the session name of an assumed role. */
function usernameOf(event: CloudTrailEvent): string | undefined {
  const id = event.detail.userIdentity;
  if (id.userName) return id.userName;
  return id.type === 'AssumedRole' ? id.arn.split('/').pop() : undefined;
}

function attributeValue(event: CloudTrailEvent, key: LookupAttributeKey): string | undefined {
  const d = event.detail;
  switch (key) {
    case 'AccessKeyId':
      return d.userIdentity.accessKeyId;
    case 'Username':
      return usernameOf(event);
    case 'EventName':
      return d.eventName;
    case 'EventId':
      return d.eventID;
    case 'EventSource':
      return d.eventSource;
    case 'ReadOnly':
      return String(d.readOnly);
  }
}

function resourcesOf(event: CloudTrailEvent): LookedUpEvent['Resources'] {
  const p = event.detail.requestParameters ?? {};
  const out: { ResourceType: string; ResourceName: string }[] = [];
  if (typeof p.userName === 'string') out.push({ ResourceType: 'AWS::IAM::User', ResourceName: p.userName });
  if (typeof p.accessKeyId === 'string') out.push({ ResourceType: 'AWS::IAM::AccessKey', ResourceName: p.accessKeyId });
  return out;
}

const fingerprint = (input: LookupEventsInput) =>
  JSON.stringify([input.LookupAttributes ?? [], input.StartTime?.getTime(), input.EndTime?.getTime()]);

/** Answers one LookupEvents page from the recorded events (any order; sorted newest first here). */
export function lookupEvents(recorded: readonly CloudTrailEvent[], input: LookupEventsInput = {}): LookupEventsOutput {
  const attributes = input.LookupAttributes ?? [];
  if (attributes.length > 1) throw new ValidationError('LookupEvents takes at most one lookup attribute');
  const max = input.MaxResults ?? 50;
  if (!Number.isInteger(max) || max < 1 || max > 50) throw new ValidationError('MaxResults must be between 1 and 50');
  let offset = 0;
  if (input.NextToken) {
    let token: { o?: unknown; f?: unknown };
    try {
      token = JSON.parse(Buffer.from(input.NextToken, 'base64url').toString('utf8')) as typeof token;
    } catch {
      throw new ValidationError('InvalidNextTokenException: the NextToken is not one this lookup returned');
    }
    if (typeof token.o !== 'number' || token.f !== fingerprint(input)) {
      throw new ValidationError('InvalidNextTokenException: the NextToken belongs to another query');
    }
    offset = token.o;
  }
  const start = input.StartTime?.getTime() ?? -Infinity;
  const end = input.EndTime?.getTime() ?? Infinity;
  const matching = recorded
    .map((event, index) => ({ event, index, at: Date.parse(event.detail.eventTime) }))
    .filter(
      ({ event, at }) =>
        at >= start && at <= end && attributes.every((a) => attributeValue(event, a.AttributeKey) === a.AttributeValue),
    )
    // Newest first; events of one second keep the newer recording first.
    .sort((a, b) => b.at - a.at || b.index - a.index);
  const page = matching.slice(offset, offset + max).map(({ event }) => {
    const d = event.detail;
    const username = usernameOf(event);
    return {
      EventId: d.eventID,
      EventName: d.eventName,
      ReadOnly: String(d.readOnly),
      AccessKeyId: d.userIdentity.accessKeyId,
      EventTime: new Date(d.eventTime),
      EventSource: d.eventSource,
      ...(username ? { Username: username } : {}),
      Resources: resourcesOf(event),
      CloudTrailEvent: JSON.stringify(d),
    };
  });
  const next =
    offset + max < matching.length
      ? Buffer.from(JSON.stringify({ o: offset + max, f: fingerprint(input) })).toString('base64url')
      : undefined;
  return { Events: page, ...(next ? { NextToken: next } : {}) };
}
