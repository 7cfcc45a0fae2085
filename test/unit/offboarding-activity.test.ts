/** Activity before deletion: whose events count, which window a check reads, and what it decides. */
import {
  activityWindow,
  CLOUDTRAIL_DELIVERY_LAG_MS,
  decideActivity,
  eventOwner,
  newUserEvents,
  outcomeOf,
  summarizeUserActivity,
  type ActivityState,
  type ActivitySubject,
} from '../../functions/offboarding/activity';
import type { TrailEvent } from '../../functions/shared/cloudtrail';

const subject: ActivitySubject = { userName: 'alice', userId: 'AIDAALICE00000000001', accessKeyIds: ['AKIAALICE00000000001'] };
const STACK_ROLE = 'AROASTACKDISABLE0001';
const DISABLED_AT = new Date('2026-11-01T10:00:00.400Z');

const ev = (name: string, at: string, identity: TrailEvent['identity'], extra: Partial<TrailEvent> = {}): TrailEvent => ({
  eventName: name,
  eventTime: new Date(at),
  identity,
  ...extra,
});
const byUser = { type: 'IAMUser', userName: 'alice', principalId: 'AIDAALICE00000000001', accessKeyId: 'ASIASESSION000000001' };
const byStack = {
  type: 'AssumedRole',
  principalId: `${STACK_ROLE}:offboarding-disable`,
  arn: 'arn:aws:sts::123456789012:assumed-role/Stack-Disable/offboarding-disable',
  accessKeyId: 'ASIASTACK00000000001',
  sessionIssuer: { type: 'Role', principalId: STACK_ROLE, userName: 'Stack-Disable' },
};

describe('eventOwner', () => {
  it.each([
    ['a call from a session the user obtained (GetSessionToken: IAMUser, session key)', byUser, 'user'],
    [
      'a call signed by one of its keys, whatever identity is shown',
      { type: 'Unknown', accessKeyId: 'AKIAALICE00000000001' },
      'user',
    ],
    ['a console sign-in attempt naming the user', { type: 'IAMUser', userName: 'alice' }, 'user'],
    [
      'a federated session the user issued (GetFederationToken: the session issuer is the user)',
      { type: 'FederatedUser', sessionIssuer: { type: 'IAMUser', userName: 'alice', principalId: 'AIDAALICE00000000001' } },
      'user',
    ],
    ["the stack's Disable step acting on the user", byStack, 'stack'],
    [
      'another role, not one of the stack unique ids',
      {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::123456789012:assumed-role/Stack-Disable/s',
        sessionIssuer: { arn: 'arn:aws:iam::123456789012:role/Stack-Disable' },
      },
      'other',
    ],
    ['an administrator acting on the user', { type: 'IAMUser', userName: 'admin', principalId: 'AIDAADMIN' }, 'other'],
    [
      "a role session that carries the user's name (LookupEvents' Username matches it)",
      { type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/Sso/alice', principalId: 'AROASSO:alice' },
      'other',
    ],
  ])('%s', (_label, identity, expected) => {
    // Act
    const owner = eventOwner(ev('ListBuckets', '2026-11-02T00:00:00Z', identity), subject, [STACK_ROLE]);
    // Assess
    expect(owner).toBe(expected);
  });
});

describe('newUserEvents', () => {
  it("counts the user's calls after the disable (its second included) once, refused ones too, and counts the rest as ignored", () => {
    // Prepare: the same event answers the lookup by name and by key; the stack's AttachUserPolicy names the user
    const events = [
      ev('GetCallerIdentity', '2026-11-01T09:59:59Z', byUser, { eventId: 'before' }),
      ev('ListUsers', '2026-11-01T10:00:00Z', byUser, { eventId: 'same-second', errorCode: 'AccessDenied' }),
      ev('ListBuckets', '2026-11-01T11:00:00Z', byUser, { eventId: 'e1', sourceIPAddress: '203.0.113.9' }),
      ev('ListBuckets', '2026-11-01T11:00:00Z', byUser, { eventId: 'e1', sourceIPAddress: '203.0.113.9' }),
      ev('AttachUserPolicy', '2026-11-01T10:00:01Z', byStack, { eventId: 's1' }),
      ev('UpdateAccessKey', '2026-11-01T10:00:02Z', { type: 'IAMUser', userName: 'admin' }, { eventId: 'o1' }),
    ];
    // Act
    const counted = newUserEvents(events, subject, [STACK_ROLE], { disabledAt: DISABLED_AT });
    // Assess
    expect(counted.user.map((e) => e.eventId)).toEqual(['same-second', 'e1']);
    expect(counted.stack).toBe(1);
    expect(counted.other).toBe(1);
  });

  it('counts only events newer than the newest one an earlier check counted', () => {
    // Prepare
    const events = [ev('ListBuckets', '2026-11-01T11:00:00Z', byUser), ev('ListBuckets', '2026-11-01T12:00:00Z', byUser)];
    // Act
    const counted = newUserEvents(events, subject, [], { disabledAt: DISABLED_AT, lastActivityAt: '2026-11-01T11:00:00.000Z' });
    // Assess
    expect(counted.user.map((e) => e.eventTime.toISOString())).toEqual(['2026-11-01T12:00:00.000Z']);
  });
});

describe('activityWindow', () => {
  it('starts at the second of the disable, then at the end of the last complete window less the delivery lag', () => {
    // Prepare
    const now = new Date('2026-12-01T10:00:00Z');
    const previous = { coveredUntil: '2026-11-30T10:00:00.000Z' } as ActivityState;
    // Act
    const first = activityWindow(DISABLED_AT, now);
    const later = activityWindow(DISABLED_AT, now, previous);
    const soonAfterDisable = activityWindow(DISABLED_AT, now, { coveredUntil: '2026-11-01T10:05:00.000Z' } as ActivityState);
    // Assess
    expect(first).toEqual({ start: new Date('2026-11-01T10:00:00Z'), end: now });
    expect(later.start.getTime()).toBe(Date.parse('2026-11-30T10:00:00Z') - CLOUDTRAIL_DELIVERY_LAG_MS);
    expect(soonAfterDisable.start).toEqual(new Date('2026-11-01T10:00:00Z'));
  });
});

describe('decideActivity', () => {
  it.each([
    ['nothing found by complete lookups: delete', 'clear', 0, 3, 'delete'],
    ['activity with postponements left: postpone', 'activity', 2, 3, 'postpone'],
    ['activity after the last postponement: hold for a person', 'activity', 3, 3, 'hold'],
    ['a failed or cut-short lookup never deletes: postpone', 'incomplete', 0, 3, 'postpone'],
    ['a failed lookup after the last postponement: hold', 'incomplete', 3, 3, 'hold'],
    ['no postponements configured: activity holds at once', 'activity', 0, 0, 'hold'],
  ] as const)('%s', (_label, outcome, so_far, max, expected) => {
    // Act / Assess
    expect(decideActivity(outcome, so_far, max)).toBe(expected);
  });

  it('reads a failed or truncated lookup with nothing found as incomplete, and activity as activity either way', () => {
    // Prepare
    const ok = { attribute: 'Username' as const, value: 'alice', events: 0, pages: 1, truncated: false };
    // Act / Assess
    expect(outcomeOf(0, [ok])).toBe('clear');
    expect(outcomeOf(0, [ok, { ...ok, attribute: 'AccessKeyId', error: 'ThrottlingException' }])).toBe('incomplete');
    expect(outcomeOf(0, [{ ...ok, truncated: true }])).toBe('incomplete');
    expect(outcomeOf(2, [{ ...ok, error: 'ThrottlingException' }])).toBe('activity');
  });
});

describe('summarizeUserActivity', () => {
  it('gives event names, source IPs, error codes and times, and nothing of the calls themselves', () => {
    // Prepare
    const events = [
      ev('ListBuckets', '2026-11-01T11:00:00Z', byUser, { sourceIPAddress: '203.0.113.9', errorCode: 'AccessDenied' }),
      ev('ListBuckets', '2026-11-01T12:00:00Z', byUser, { sourceIPAddress: '198.51.100.7', errorCode: 'AccessDenied' }),
      ev('ConsoleLogin', '2026-11-01T10:30:00Z', { type: 'IAMUser', userName: 'alice' }, { sourceIPAddress: '203.0.113.9' }),
    ];
    // Act
    const summary = summarizeUserActivity(events);
    // Assess
    expect(summary).toEqual({
      eventCount: 3,
      eventNames: [
        { name: 'ListBuckets', count: 2 },
        { name: 'ConsoleLogin', count: 1 },
      ],
      sourceIps: ['198.51.100.7', '203.0.113.9'],
      errorCodes: [{ code: 'AccessDenied', count: 2 }],
      first: '2026-11-01T10:30:00.000Z',
      last: '2026-11-01T12:00:00.000Z',
    });
    expect(summarizeUserActivity([])).toBeUndefined();
  });
});
