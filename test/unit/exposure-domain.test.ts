/** Pure rules of the exposed-key response: plan, the containment policy, the activity summary. */
import {
  containmentDetachableAfter,
  containmentPolicyDocument,
  planExposure,
  quarantinePolicies,
  summarizeActivity,
} from '../../functions/exposure/domain';

const start = new Date('2026-11-30T12:00:00Z');
const key = (accessKeyId: string, createDate: string, status: 'Active' | 'Inactive' = 'Active') => ({
  accessKeyId,
  status,
  createDate,
});

describe('planExposure', () => {
  it('replaces when the exposed key is the only key', () => {
    // Act
    const plan = planExposure([key('AKIAEXPOSED', '2026-01-01T00:00:00Z')], 'AKIAEXPOSED', 'managed', start);
    // Assess
    expect(plan).toMatchObject({ kind: 'respond', replace: true });
  });

  it('does not replace when a second key created before the response fills the slot, and says why', () => {
    // Act
    const plan = planExposure(
      [key('AKIAEXPOSED', '2026-01-01T00:00:00Z'), key('AKIAOTHER', '2026-06-01T00:00:00Z', 'Inactive')],
      'AKIAEXPOSED',
      'managed',
      start,
    );
    // Assess
    expect(plan).toMatchObject({ kind: 'respond', replace: false });
    expect(plan.note).toContain('AKIAOTHER');
  });

  it('still replaces when the second key was created during this response (a lost CreateAccessKey answer)', () => {
    // Act
    const plan = planExposure(
      [key('AKIAEXPOSED', '2026-01-01T00:00:00Z'), key('AKIAMINE', '2026-11-30T12:00:05Z')],
      'AKIAEXPOSED',
      'managed',
      start,
    );
    // Assess
    expect(plan).toMatchObject({ kind: 'respond', replace: true });
  });

  it.each(['protected', 'out-of-scope'] as const)('only notifies for a %s user', (scope) => {
    expect(planExposure([key('AKIAEXPOSED', '2026-01-01T00:00:00Z')], 'AKIAEXPOSED', scope, start).kind).toBe('notify-only');
  });

  it('reports a key that is not the user’s', () => {
    expect(planExposure([key('AKIAOTHER', '2026-01-01T00:00:00Z')], 'AKIAEXPOSED', 'managed', start).kind).toBe('unknown-key');
  });
});

describe('containmentPolicyDocument', () => {
  it('denies every action to any request made with temporary credentials, and nothing else', () => {
    // Act
    const doc = JSON.parse(containmentPolicyDocument());
    // Assess: a static document (a managed policy), conditioned on the token issue time existing
    expect(doc).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyEveryTemporaryCredentialOfTheUser',
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { Null: { 'aws:TokenIssueTime': 'false' } },
        },
      ],
    });
  });
});

describe('containmentDetachableAfter', () => {
  it('is 36 hours after the deactivation (the longest session a user key can mint)', () => {
    // Act
    const after = containmentDetachableAfter(start);
    // Assess
    expect(after).toBe('2026-12-02T00:00:00.000Z');
  });
});

describe('summarizeActivity', () => {
  it('counts event names and lists source IPs, regions, first and last seen', () => {
    // Prepare
    const events = [
      {
        eventName: 'ListBuckets',
        eventTime: new Date('2026-11-29T10:00:00Z'),
        sourceIPAddress: '198.51.100.7',
        awsRegion: 'us-east-1',
      },
      {
        eventName: 'GetCallerIdentity',
        eventTime: new Date('2026-11-28T09:00:00Z'),
        sourceIPAddress: '203.0.113.9',
        awsRegion: 'eu-west-1',
      },
      {
        eventName: 'ListBuckets',
        eventTime: new Date('2026-11-30T11:00:00Z'),
        sourceIPAddress: '198.51.100.7',
        awsRegion: 'us-east-1',
      },
    ];
    // Act
    const summary = summarizeActivity(events, false);
    // Assess
    expect(summary).toEqual({
      eventCount: 3,
      eventNames: [
        { name: 'ListBuckets', count: 2 },
        { name: 'GetCallerIdentity', count: 1 },
      ],
      sourceIps: ['198.51.100.7', '203.0.113.9'],
      regions: ['eu-west-1', 'us-east-1'],
      firstSeen: '2026-11-28T09:00:00.000Z',
      lastSeen: '2026-11-30T11:00:00.000Z',
      truncated: false,
    });
  });

  it('says when the lookup stopped early', () => {
    expect(summarizeActivity([], true)).toEqual({ eventCount: 0, eventNames: [], sourceIps: [], regions: [], truncated: true });
  });
});

describe('quarantinePolicies', () => {
  it('finds every version of AWS’s quarantine policy', () => {
    expect(
      quarantinePolicies([
        { policyName: 'AWSCompromisedKeyQuarantineV3' },
        { policyName: 'ReadOnlyAccess' },
        { policyName: 'AWSCompromisedKeyQuarantine' },
      ]),
    ).toEqual(['AWSCompromisedKeyQuarantineV3', 'AWSCompromisedKeyQuarantine']);
  });
});
