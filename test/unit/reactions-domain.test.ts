/** Issue 8: parsing CloudTrail events (AWS's documented shape) and deciding the reaction kind. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../functions/shared/config';
import { ValidationError } from '../../functions/shared/errors';
import { decideReaction, preFilter, tagsBefore, type UserFacts } from '../../functions/reactions/domain';
import { parseCloudTrailEvent, type CloudTrailEvent } from '../../functions/reactions/events';

export function fixture(name: string, userName = 'contractor'): CloudTrailEvent {
  const raw = JSON.parse(readFileSync(join(__dirname, '../fixtures/events', `${name}.json`), 'utf8'));
  raw.detail.requestParameters.userName = userName;
  return parseCloudTrailEvent(raw);
}

const config = parseConfig({ reactions: { adminGroups: ['Admins'] } });
const managed: UserFacts = { path: '/', tags: {} };
const observed: UserFacts = {
  path: '/',
  tags: { 'iam-lifecycle:offboarding': 'disabled', 'iam-lifecycle:offboarding-execution': 'offboard-contractor-1' },
};
const ownRole = 'arn:aws:iam::123456789012:role/AdminRole';

describe('CloudTrail events', () => {
  it.each([
    'UpdateAccessKey',
    'CreateAccessKey',
    'CreateLoginProfile',
    'DetachUserPolicy',
    'AttachUserPolicy',
    'PutUserPolicy',
    'AddUserToGroup',
    'DeleteUserPermissionsBoundary',
    'TagUser',
    'UntagUser',
    'DeactivateMFADevice',
    'UpdateSSHPublicKey',
  ])('parses the %s fixture with its user and eventID', (name) => {
    const event = fixture(name);
    expect(event.detail.eventName).toBe(name);
    expect(event.detail.requestParameters?.userName).toBe('contractor');
    expect(event.detail.eventID).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses what is not a CloudTrail event, naming every problem', () => {
    expect(() => parseCloudTrailEvent({ 'detail-type': 'AWS Health Event', detail: {} })).toThrow(ValidationError);
    expect(() => parseCloudTrailEvent(null)).toThrow(/JSON object/);
    const raw = JSON.parse(JSON.stringify(fixture('TagUser')));
    delete raw.detail.eventID;
    expect(() => parseCloudTrailEvent(raw)).toThrow(/detail.eventID/);
  });
});

describe('reaction kinds', () => {
  it.each([
    ['UpdateAccessKey', 'reenabled'],
    ['CreateAccessKey', 'reenabled'],
    ['CreateLoginProfile', 'reenabled'],
    ['DetachUserPolicy', 'reenabled'],
    ['AttachUserPolicy', 'reenabled'],
    ['UpdateSSHPublicKey', 'reenabled'],
    ['DeleteUserPermissionsBoundary', 'reenabled'],
  ])('%s during observation is a re-enable, acted on by default', (name, kind) => {
    expect(decideReaction(fixture(name), 'contractor', observed, config)).toMatchObject({
      action: 'react',
      kind,
      mode: 'act',
      offboardingExecution: 'offboard-contractor-1',
    });
  });

  it.each([
    ['CreateAccessKey', 'out-of-band-key', managed],
    ['AttachUserPolicy', 'privilege-escalated', managed],
    ['PutUserPolicy', 'privilege-escalated', managed],
    ['AddUserToGroup', 'privilege-escalated', managed],
    ['DeleteUserPermissionsBoundary', 'privilege-escalated', managed],
    ['DeactivateMFADevice', 'mfa-removed', { ...managed, consoleUser: true }],
  ] as const)('%s on a managed user is %s, notify by default', (name, kind, facts) => {
    expect(decideReaction(fixture(name), 'contractor', facts, config)).toMatchObject({ action: 'react', kind, mode: 'notify' });
  });

  it('MFA removed from a user without a console password is not a reaction', () => {
    expect(decideReaction(fixture('DeactivateMFADevice'), 'contractor', managed, config)).toEqual({
      action: 'ignore',
      reason: 'not-relevant',
    });
  });

  it('protected is tampering: tagging protected, untagging the offboarding tag', () => {
    const tagged = fixture('TagUser');
    const after = { 'iam-lifecycle:protected': 'true' };
    const facts = { path: '/', tags: after, tagsBefore: tagsBefore(tagged, after, {}, config) };
    expect(decideReaction(tagged, 'contractor', facts, config)).toMatchObject({
      kind: 'scope-changed',
      mode: 'notify',
      scope: { kind: 'managed' },
    });
    expect(decideReaction(fixture('UntagUser'), 'contractor', managed, config)).toMatchObject({ kind: 'scope-changed' });
  });

  it('removing the managed tag is seen although the user is out of scope afterwards', () => {
    const scoped = parseConfig({ managedUsers: { pathPrefix: '/', tag: { key: 'team', value: 'bots' } } });
    const raw = JSON.parse(JSON.stringify(fixture('UntagUser')));
    raw.detail.requestParameters.tagKeys = ['team'];
    const event = parseCloudTrailEvent(raw);
    const facts = { path: '/', tags: {}, tagsBefore: tagsBefore(event, {}, {}, scoped) };
    expect(decideReaction(event, 'contractor', facts, scoped)).toMatchObject({
      kind: 'scope-changed',
      scope: { kind: 'managed' },
    });
  });

  it('out-of-scope users are ignored, protected users are notified only', () => {
    const scoped = parseConfig({ managedUsers: { pathPrefix: '/bots/' } });
    expect(decideReaction(fixture('UpdateAccessKey'), 'contractor', observed, scoped)).toMatchObject({
      action: 'ignore',
      reason: 'out-of-scope',
    });
    const protectedFacts = { ...observed, tags: { ...observed.tags, 'iam-lifecycle:protected': '' } };
    expect(decideReaction(fixture('UpdateAccessKey'), 'contractor', protectedFacts, config)).toMatchObject({
      kind: 'reenabled',
      mode: 'notify',
    });
  });

  it('configured actions: reenabled notify, out-of-band deactivate at once, privilege revert', () => {
    const c = parseConfig({ reactions: { reenabled: 'notify', outOfBandKey: 'deactivate', privilegeEscalated: 'revert' } });
    expect(decideReaction(fixture('UpdateAccessKey'), 'contractor', observed, c)).toMatchObject({ mode: 'notify' });
    expect(decideReaction(fixture('CreateAccessKey'), 'contractor', managed, c)).toMatchObject({
      kind: 'out-of-band-key',
      mode: 'act',
    });
    expect(decideReaction(fixture('AttachUserPolicy'), 'contractor', managed, c)).toMatchObject({
      kind: 'privilege-escalated',
      mode: 'act',
    });
    const delayed = parseConfig({ reactions: { outOfBandKey: 'deactivate', outOfBandKeyDelayMinutes: 30 } });
    expect(decideReaction(fixture('CreateAccessKey'), 'contractor', managed, delayed)).toMatchObject({ mode: 'notify' });
  });

  it('loop safety: events of the stack’s own roles, failed calls and irrelevant calls cost no read', () => {
    expect(preFilter(fixture('UpdateAccessKey'), [ownRole], config)).toEqual({ action: 'ignore', reason: 'own-role' });
    expect(preFilter(fixture('UpdateAccessKey'), [], config)).toBeUndefined();
    // By unique id, as the deployed stack passes them (STACK_PRINCIPAL_IDS), in any letter case.
    expect(preFilter(fixture('UpdateAccessKey'), ['AROAEXAMPLEADMINROLE'], config)).toEqual({
      action: 'ignore',
      reason: 'own-role',
    });
    expect(preFilter(fixture('UpdateAccessKey'), ['aroaexampleadminrole'], config)).toEqual({
      action: 'ignore',
      reason: 'own-role',
    });
    expect(preFilter(fixture('UpdateAccessKey'), ['AROAOTHERROLE'], config)).toBeUndefined();
    const raw = JSON.parse(JSON.stringify(fixture('UpdateAccessKey')));
    raw.detail.requestParameters.status = 'Inactive';
    expect(preFilter(parseCloudTrailEvent(raw), [], config)).toEqual({ action: 'ignore', reason: 'not-relevant' });
    raw.detail.errorCode = 'AccessDenied';
    expect(preFilter(parseCloudTrailEvent(raw), [], config)).toMatchObject({ reason: 'failed-call' });
  });
});

describe('reactions config', () => {
  it('has documented defaults and refuses nonsense, naming each field', () => {
    expect(parseConfig({}).reactions).toEqual({
      reenabled: 'act',
      outOfBandKey: 'notify',
      outOfBandKeyDelayMinutes: 0,
      scopeChanged: 'notify',
      privilegeEscalated: 'notify',
      mfaRemoved: 'notify',
      adminGroups: [],
    });
    expect(() =>
      parseConfig({ reactions: { reenabled: 'revert', outOfBandKeyDelayMinutes: -1, adminGroups: 'x', foo: 1 } }),
    ).toThrow(
      /reactions.reenabled.*reactions.outOfBandKeyDelayMinutes.*reactions.adminGroups|unknown config field "reactions.foo"/s,
    );
  });
});
