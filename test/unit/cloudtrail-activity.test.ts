/** LookupEvents by AccessKeyId: every page, within a time budget, only the fields the summary needs. */
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CloudTrailActivity, RecordedActivity, RegionsTrail } from '../../functions/shared/cloudtrail';

type Sent = { input: Record<string, unknown> };

function fakeClient(pages: { Events: object[]; NextToken?: string }[]) {
  const sent: Sent[] = [];
  return {
    sent,
    client: {
      send: async (command: LookupEventsCommand) => {
        sent.push({ input: command.input as Record<string, unknown> });
        const page = pages[sent.length - 1];
        if (!page) throw new Error('no more pages');
        return page;
      },
    } as never,
  };
}

const event = (name: string, at: string, ip: string) => ({
  EventName: name,
  EventTime: new Date(at),
  EventSource: 'sts.amazonaws.com',
  CloudTrailEvent: JSON.stringify({ sourceIPAddress: ip, awsRegion: 'us-east-1', requestParameters: { secret: 'x' } }),
});
const window = { startTime: new Date('2026-09-01T00:00:00Z'), endTime: new Date('2026-11-30T00:00:00Z') };

describe('CloudTrailActivity', () => {
  it('follows NextToken over every page, asking by AccessKeyId in the window', async () => {
    // Prepare
    const { client, sent } = fakeClient([
      { Events: [event('ListBuckets', '2026-11-29T00:00:00Z', '203.0.113.9')], NextToken: 't1' },
      { Events: [event('GetCallerIdentity', '2026-11-28T00:00:00Z', '198.51.100.7')] },
    ]);
    // Act
    const found = await new CloudTrailActivity(client).lookupByAccessKey('AKIAEXAMPLEEXPOSED01', { ...window, budgetMs: 10_000 });
    // Assess
    expect(found.truncated).toBe(false);
    expect(found.events).toEqual([
      {
        eventName: 'ListBuckets',
        eventTime: new Date('2026-11-29T00:00:00Z'),
        eventSource: 'sts.amazonaws.com',
        sourceIPAddress: '203.0.113.9',
        awsRegion: 'us-east-1',
      },
      {
        eventName: 'GetCallerIdentity',
        eventTime: new Date('2026-11-28T00:00:00Z'),
        eventSource: 'sts.amazonaws.com',
        sourceIPAddress: '198.51.100.7',
        awsRegion: 'us-east-1',
      },
    ]);
    expect(sent.map((s) => s.input.NextToken)).toEqual([undefined, 't1']);
    expect(sent[0]!.input).toMatchObject({
      LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: 'AKIAEXAMPLEEXPOSED01' }],
      StartTime: window.startTime,
      EndTime: window.endTime,
    });
  });

  it('stops at the time budget and says the result is truncated', async () => {
    // Prepare: every page takes 600 ms of the clock; the budget is one second
    const { client, sent } = fakeClient(
      Array.from({ length: 5 }, (_, i) => ({
        Events: [event('ListBuckets', '2026-11-29T00:00:00Z', '203.0.113.9')],
        NextToken: `t${i}`,
      })),
    );
    let now = 0;
    const clock = () => (now += 600);
    // Act
    const found = await new CloudTrailActivity(client, clock).lookupByAccessKey('AKIAEXAMPLEEXPOSED01', {
      ...window,
      budgetMs: 1000,
    });
    // Assess
    expect(found.truncated).toBe(true);
    expect(sent.length).toBeLessThan(5);
  });

  it('stops at the page limit and says so', async () => {
    // Prepare
    const { client, sent } = fakeClient(Array.from({ length: 5 }, (_, i) => ({ Events: [], NextToken: `t${i}` })));
    // Act
    const found = await new CloudTrailActivity(client).lookupByAccessKey('AKIAEXAMPLEEXPOSED01', {
      ...window,
      budgetMs: 60_000,
      maxPages: 2,
    });
    // Assess
    expect(found.truncated).toBe(true);
    expect(sent).toHaveLength(2);
  });
});

describe('RecordedActivity (local mode)', () => {
  it('answers only the key’s events inside the window', async () => {
    // Prepare
    const recorded = [
      { accessKeyId: 'AKIAEXAMPLEEXPOSED01', eventName: 'A', eventTime: new Date('2026-11-01T00:00:00Z') },
      { accessKeyId: 'AKIAEXAMPLEEXPOSED02', eventName: 'B', eventTime: new Date('2026-11-01T00:00:00Z') },
      { accessKeyId: 'AKIAEXAMPLEEXPOSED01', eventName: 'C', eventTime: new Date('2026-01-01T00:00:00Z') },
    ];
    // Act
    const found = await new RecordedActivity(() => recorded).lookupByAccessKey('AKIAEXAMPLEEXPOSED01', {
      ...window,
      budgetMs: 1,
    });
    // Assess
    expect(found.events.map((e) => e.eventName)).toEqual(['A']);
  });
});

describe('CloudTrailActivity.lookup (activity before deletion)', () => {
  it('asks by Username over every page and keeps the caller identity and error code, not the request', async () => {
    // Prepare
    const record = {
      sourceIPAddress: '203.0.113.9',
      awsRegion: 'us-east-1',
      errorCode: 'AccessDenied',
      requestParameters: { secretToken: 'do-not-keep' },
      userIdentity: {
        type: 'IAMUser',
        userName: 'alice',
        principalId: 'AIDAALICE',
        arn: 'arn:aws:iam::123456789012:user/alice',
        accessKeyId: 'ASIASESSION',
        sessionContext: { attributes: { mfaAuthenticated: 'false' } },
      },
    };
    const { client, sent } = fakeClient([
      {
        Events: [
          {
            EventId: 'e1',
            EventName: 'ListUsers',
            EventTime: new Date('2026-11-29T00:00:00Z'),
            CloudTrailEvent: JSON.stringify(record),
          },
        ],
        NextToken: 't1',
      },
      {
        Events: [
          { EventId: 'e2', EventName: 'ConsoleLogin', EventTime: new Date('2026-11-28T00:00:00Z'), CloudTrailEvent: '{not json' },
        ],
      },
    ]);
    // Act
    const found = await new CloudTrailActivity(client).lookup('Username', 'alice', { ...window, budgetMs: 10_000 });
    // Assess
    expect(found).toMatchObject({ truncated: false, pages: 2 });
    expect(found.events[0]).toEqual({
      eventId: 'e1',
      eventName: 'ListUsers',
      eventTime: new Date('2026-11-29T00:00:00Z'),
      sourceIPAddress: '203.0.113.9',
      awsRegion: 'us-east-1',
      errorCode: 'AccessDenied',
      identity: {
        type: 'IAMUser',
        userName: 'alice',
        principalId: 'AIDAALICE',
        arn: 'arn:aws:iam::123456789012:user/alice',
        accessKeyId: 'ASIASESSION',
      },
    });
    expect(found.events[1]).toEqual({
      eventId: 'e2',
      eventName: 'ConsoleLogin',
      eventTime: new Date('2026-11-28T00:00:00Z'),
      identity: {},
    });
    expect(JSON.stringify(found)).not.toContain('do-not-keep');
    expect(sent[0]!.input.LookupAttributes).toEqual([{ AttributeKey: 'Username', AttributeValue: 'alice' }]);
    expect(sent[1]!.input.NextToken).toBe('t1');
  });

  it('stops at the time budget with what it read, saying truncated', async () => {
    // Prepare
    const { client, sent } = fakeClient(
      Array.from({ length: 5 }, (_, i) => ({
        Events: [event('ListBuckets', '2026-11-29T00:00:00Z', '203.0.113.9')],
        NextToken: `t${i}`,
      })),
    );
    let now = 0;
    // Act
    const found = await new CloudTrailActivity(client, () => (now += 600)).lookup('AccessKeyId', 'AKIAALICE', {
      ...window,
      budgetMs: 1000,
    });
    // Assess
    expect(found.truncated).toBe(true);
    expect(found.pages).toBe(sent.length);
    expect(sent.length).toBeLessThan(5);
  });
});

describe('RegionsTrail', () => {
  it('asks every region in turn within one budget and joins the answers', async () => {
    // Prepare
    const asked: { region: string; budgetMs: number }[] = [];
    let now = 0;
    const region = (name: string, truncated: boolean) => ({
      lookup: async (_a: 'Username' | 'AccessKeyId', _v: string, o: { budgetMs: number }) => {
        asked.push({ region: name, budgetMs: o.budgetMs });
        now += 400;
        return { events: [{ eventName: `In-${name}`, eventTime: new Date(0), identity: {} }], pages: 1, truncated };
      },
    });
    // Act
    const found = await new RegionsTrail([region('eu-west-1', false), region('us-east-1', true)], () => now).lookup(
      'Username',
      'alice',
      { ...window, budgetMs: 1000 },
    );
    const outOfTime = await new RegionsTrail([region('a', false), region('b', false), region('c', false)], () => now).lookup(
      'Username',
      'alice',
      { ...window, budgetMs: 500 },
    );
    // Assess
    expect(found.events.map((e) => e.eventName)).toEqual(['In-eu-west-1', 'In-us-east-1']);
    expect(found).toMatchObject({ pages: 2, truncated: true });
    expect(asked.slice(0, 2)).toEqual([
      { region: 'eu-west-1', budgetMs: 1000 },
      { region: 'us-east-1', budgetMs: 600 },
    ]);
    expect(outOfTime).toMatchObject({ pages: 2, truncated: true });
  });
});
