/**
 * Recent CloudTrail activity of one access key (LookupEvents by AccessKeyId), behind a small port so
 * local mode can answer from the events its tap recorded (moto has no LookupEvents of real calls).
 * LookupEvents allows 2 calls per second per account and pages by 50: the walk stops at a time
 * budget or a page limit and says so (`truncated`), it never runs a step into its timeout.
 */
import { CloudTrailClient, LookupEventsCommand, type LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import type { ActivityEvent } from '../exposure/domain';

export interface ActivityLookupOptions {
  readonly startTime: Date;
  readonly endTime: Date;
  /** Stop paging once this many milliseconds have passed. */
  readonly budgetMs: number;
  readonly maxPages?: number;
}

export interface ActivityLookupResult {
  readonly events: ActivityEvent[];
  readonly truncated: boolean;
}

/** The port: CloudTrail when deployed, recorded events locally. */
export interface KeyActivitySource {
  lookupByAccessKey(accessKeyId: string, options: ActivityLookupOptions): Promise<ActivityLookupResult>;
}

const DEFAULT_MAX_PAGES = 40;

interface RawEvent {
  readonly EventName?: string;
  readonly EventTime?: Date;
  readonly EventSource?: string;
  readonly CloudTrailEvent?: string;
}

/** sourceIPAddress and awsRegion are only in the event's JSON record; nothing else of it is kept. */
export function activityEventOf(raw: RawEvent): ActivityEvent | undefined {
  if (!raw.EventName || !raw.EventTime) return undefined;
  let record: { sourceIPAddress?: unknown; awsRegion?: unknown } = {};
  try {
    record = raw.CloudTrailEvent ? (JSON.parse(raw.CloudTrailEvent) as typeof record) : {};
  } catch {
    record = {};
  }
  return {
    eventName: raw.EventName,
    eventTime: raw.EventTime,
    ...(raw.EventSource ? { eventSource: raw.EventSource } : {}),
    ...(typeof record.sourceIPAddress === 'string' ? { sourceIPAddress: record.sourceIPAddress } : {}),
    ...(typeof record.awsRegion === 'string' ? { awsRegion: record.awsRegion } : {}),
  };
}

export class CloudTrailActivity implements KeyActivitySource {
  constructor(
    private readonly client: Pick<CloudTrailClient, 'send'>,
    private readonly now: () => number = Date.now,
  ) {}

  async lookupByAccessKey(accessKeyId: string, options: ActivityLookupOptions): Promise<ActivityLookupResult> {
    const started = this.now();
    const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
    const events: ActivityEvent[] = [];
    let token: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const out: LookupEventsCommandOutput = await this.client.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: accessKeyId }],
          StartTime: options.startTime,
          EndTime: options.endTime,
          MaxResults: 50,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const raw of out.Events ?? []) {
        const event = activityEventOf(raw);
        if (event) events.push(event);
      }
      token = out.NextToken;
      if (!token) return { events, truncated: false };
      if (this.now() - started >= options.budgetMs) return { events, truncated: true };
    }
    return { events, truncated: token !== undefined };
  }
}

/** Local mode: answers from events recorded elsewhere (the event tap), filtered like LookupEvents. */
export class RecordedActivity implements KeyActivitySource {
  constructor(private readonly recorded: () => readonly (ActivityEvent & { readonly accessKeyId?: string })[]) {}

  async lookupByAccessKey(accessKeyId: string, options: ActivityLookupOptions): Promise<ActivityLookupResult> {
    const events = this.recorded().filter(
      (e) =>
        e.accessKeyId === accessKeyId &&
        e.eventTime.getTime() >= options.startTime.getTime() &&
        e.eventTime.getTime() <= options.endTime.getTime(),
    );
    return { events: [...events], truncated: false };
  }
}
