/** LookupEvents over the tap's recorded events: filters, time range, newest first, NextToken pages. */
import type { CloudTrailEvent } from '../../functions/local/event-tap';
import { lookupEvents } from '../../functions/local/tap/lookup';
import { requestParameters } from '../../functions/local/tap/cloudtrail-shape';
import { ValidationError } from '../../functions/shared/errors';

function event(n: number, accessKeyId: string, userName: string): CloudTrailEvent {
  return {
    version: '0',
    id: `id-${n}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.iam',
    account: '123456789012',
    time: `2026-11-30T12:00:0${n}Z`,
    region: 'us-east-1',
    resources: [],
    detail: {
      eventVersion: '1.08',
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDA',
        arn: `arn:aws:iam::123456789012:user/${userName}`,
        accountId: '123456789012',
        accessKeyId,
        userName,
      },
      eventTime: `2026-11-30T12:00:0${n}Z`,
      eventSource: 'iam.amazonaws.com',
      eventName: 'UpdateAccessKey',
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      userAgent: 'test',
      requestParameters: { userName: 'target', accessKeyId: 'AKIATARGET', status: 'Active' },
      responseElements: null,
      requestID: `r-${n}`,
      eventID: `e-${n}`,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '123456789012',
      eventCategory: 'Management',
    },
  };
}

const recorded = [1, 2, 3, 4, 5].map((n) => event(n, n % 2 ? 'AKIAODD' : 'AKIAEVEN', n % 2 ? 'odd' : 'even'));

it('filters by AccessKeyId, newest first, in pages joined by NextToken', () => {
  // Prepare
  const query = { LookupAttributes: [{ AttributeKey: 'AccessKeyId' as const, AttributeValue: 'AKIAODD' }], MaxResults: 2 };
  // Act
  const first = lookupEvents(recorded, query);
  const second = lookupEvents(recorded, { ...query, NextToken: first.NextToken });
  // Assess
  expect(first.Events.map((e) => e.EventId)).toEqual(['e-5', 'e-3']);
  expect(second.Events.map((e) => e.EventId)).toEqual(['e-1']);
  expect(second.NextToken).toBeUndefined();
  expect(JSON.parse(first.Events[0]!.CloudTrailEvent)).toEqual(recorded[4]!.detail);
  expect(first.Events[0]!.Resources).toEqual([
    { ResourceType: 'AWS::IAM::User', ResourceName: 'target' },
    { ResourceType: 'AWS::IAM::AccessKey', ResourceName: 'AKIATARGET' },
  ]);
});

it('filters by Username and a time range (both ends included)', () => {
  // Act
  const out = lookupEvents(recorded, {
    LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'even' }],
    StartTime: new Date('2026-11-30T12:00:03Z'),
    EndTime: new Date('2026-11-30T12:00:04Z'),
  });
  // Assess
  expect(out.Events.map((e) => [e.EventId, e.Username])).toEqual([['e-4', 'even']]);
});

it('refuses a NextToken of another query, two attributes and MaxResults over 50', () => {
  // Prepare
  const token = lookupEvents(recorded, { MaxResults: 1 }).NextToken!;
  // Act / Assess
  expect(() => lookupEvents(recorded, { MaxResults: 1, NextToken: token, StartTime: new Date(0) })).toThrow(ValidationError);
  expect(() => lookupEvents(recorded, { NextToken: 'garbage!' })).toThrow(ValidationError);
  expect(() => lookupEvents(recorded, { MaxResults: 51 })).toThrow(ValidationError);
  expect(() =>
    lookupEvents(recorded, {
      LookupAttributes: [
        { AttributeKey: 'Username', AttributeValue: 'a' },
        { AttributeKey: 'EventName', AttributeValue: 'b' },
      ],
    }),
  ).toThrow(ValidationError);
});

it('requestParameters keep only the fields AWS logs: never the password, nor fields the call does not take', () => {
  // Act
  const out = requestParameters(
    'UpdateLoginProfile',
    new URLSearchParams('Action=UpdateLoginProfile&UserName=u&Password=hunter2&PasswordResetRequired=false&Extra=1'),
  );
  // Assess
  expect(out).toEqual({ userName: 'u', passwordResetRequired: false });
});
