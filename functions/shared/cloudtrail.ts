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

/** LookupEvents attributes the lookups here use (the API takes one per call). */
export type ActivityAttribute = 'AccessKeyId' | 'Username';

/** Who made a call, as far as an activity check needs it (never credentials: CloudTrail logs none). */
export interface TrailIdentity {
  readonly type?: string;
  readonly userName?: string;
  readonly arn?: string;
  readonly principalId?: string;
  readonly accessKeyId?: string;
  readonly sessionIssuer?: {
    readonly type?: string;
    readonly userName?: string;
    readonly arn?: string;
    readonly principalId?: string;
  };
}

/** One event of a lookup with the caller's identity and its error code (a refused call is still activity). */
export interface TrailEvent extends ActivityEvent {
  readonly eventId?: string;
  readonly errorCode?: string;
  readonly identity: TrailIdentity;
}

export interface TrailLookupResult {
  readonly events: TrailEvent[];
  readonly truncated: boolean;
  /** LookupEvents calls made (pages). */
  readonly pages: number;
}

/** The port of the offboarding's activity check: LookupEvents by one attribute, every page within a budget. */
export interface TrailEventSource {
  lookup(attribute: ActivityAttribute, value: string, options: ActivityLookupOptions): Promise<TrailLookupResult>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** The identity fields and error code of the event's JSON record; request and response bodies are dropped. */
export function trailEventOf(raw: RawEvent & { readonly EventId?: string }): TrailEvent | undefined {
  const base = activityEventOf(raw);
  if (!base) return undefined;
  let record: { userIdentity?: Record<string, unknown>; errorCode?: unknown } = {};
  try {
    record = raw.CloudTrailEvent ? (JSON.parse(raw.CloudTrailEvent) as typeof record) : {};
  } catch {
    record = {};
  }
  const id = record.userIdentity ?? {};
  const issuer = ((id.sessionContext as Record<string, unknown> | undefined)?.sessionIssuer ?? {}) as Record<string, unknown>;
  const pick = (o: Record<string, unknown>, keys: readonly string[]) =>
    Object.fromEntries(keys.flatMap((k) => (str(o[k]) ? [[k, str(o[k])]] : [])));
  const sessionIssuer = pick(issuer, ['type', 'userName', 'arn', 'principalId']);
  return {
    ...base,
    ...(str(raw.EventId) ? { eventId: raw.EventId } : {}),
    ...(str(record.errorCode) ? { errorCode: str(record.errorCode) } : {}),
    identity: {
      ...pick(id, ['type', 'userName', 'arn', 'principalId', 'accessKeyId']),
      ...(Object.keys(sessionIssuer).length > 0 ? { sessionIssuer } : {}),
    },
  };
}

export class CloudTrailActivity implements KeyActivitySource, TrailEventSource {
  constructor(
    private readonly client: Pick<CloudTrailClient, 'send'>,
    private readonly now: () => number = Date.now,
  ) {}

  async lookupByAccessKey(accessKeyId: string, options: ActivityLookupOptions): Promise<ActivityLookupResult> {
    const { events, truncated } = await this.walk('AccessKeyId', accessKeyId, options, activityEventOf);
    return { events, truncated };
  }

  lookup(attribute: ActivityAttribute, value: string, options: ActivityLookupOptions): Promise<TrailLookupResult> {
    return this.walk(attribute, value, options, trailEventOf);
  }

  /** Every page of one lookup, newest first, until the budget or the page limit (then `truncated`). */
  private async walk<T>(
    attribute: ActivityAttribute,
    value: string,
    options: ActivityLookupOptions,
    map: (raw: RawEvent & { readonly EventId?: string }) => T | undefined,
  ): Promise<{ events: T[]; truncated: boolean; pages: number }> {
    const started = this.now();
    const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
    const events: T[] = [];
    let token: string | undefined;
    let pages = 0;
    while (pages < maxPages) {
      const out: LookupEventsCommandOutput = await this.client.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: attribute, AttributeValue: value }],
          StartTime: options.startTime,
          EndTime: options.endTime,
          MaxResults: 50,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      pages++;
      for (const raw of out.Events ?? []) {
        const event = map(raw);
        if (event) events.push(event);
      }
      token = out.NextToken;
      if (!token) return { events, truncated: false, pages };
      if (this.now() - started >= options.budgetMs) return { events, truncated: true, pages };
    }
    return { events, truncated: token !== undefined, pages };
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

/**
 * LookupEvents searches one region. IAM, STS's global endpoint and console sign-ins are logged in
 * us-east-1, a session's calls to regional services in their region: the activity check asks each
 * region here in turn (the stack's and us-east-1), within one budget, and joins the answers.
 */
export class RegionsTrail implements TrailEventSource {
  constructor(
    private readonly regions: readonly TrailEventSource[],
    private readonly now: () => number = Date.now,
  ) {}

  async lookup(attribute: ActivityAttribute, value: string, options: ActivityLookupOptions): Promise<TrailLookupResult> {
    const deadline = this.now() + options.budgetMs;
    const events: TrailEvent[] = [];
    let pages = 0;
    let truncated = false;
    for (const region of this.regions) {
      const budgetMs = deadline - this.now();
      if (budgetMs <= 0) return { events, pages, truncated: true };
      const found = await region.lookup(attribute, value, { ...options, budgetMs });
      events.push(...found.events);
      pages += found.pages;
      truncated ||= found.truncated;
    }
    return { events, pages, truncated };
  }
}
