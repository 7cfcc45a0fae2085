/** `iam-lifecycle react --event FILE`: validation, local dispatch, deployed mode (issue 8, "Manually"). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyEvent, react, type ReactDeps } from '../../functions/cli/commands/react';
import type { CliContext } from '../../functions/cli/context';
import type { ExposureInput, ReactionLinks } from '../../functions/cli/react-dispatch';
import { ValidationError } from '../../functions/shared/errors';
import { runCli } from '../support/cli';

/** A CloudTrail record as AWS documents it (UpdateAccessKey by an IAM user). */
const RECORD = {
  eventVersion: '1.08',
  userIdentity: {
    type: 'IAMUser',
    principalId: 'AIDACKCEVSQ6C2EXAMPLE',
    arn: 'arn:aws:iam::444455556666:user/JaneDoe',
    accountId: '444455556666',
    accessKeyId: 'AKIAI44QH8DHBEXAMPLE',
    userName: 'JaneDoe',
  },
  eventTime: '2026-11-30T12:00:00Z',
  eventSource: 'iam.amazonaws.com',
  eventName: 'UpdateAccessKey',
  awsRegion: 'us-east-1',
  sourceIPAddress: '192.0.2.10',
  userAgent: 'aws-cli/2.15.0',
  requestParameters: { userName: 'contractor', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', status: 'Active' },
  responseElements: null,
  requestID: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
  eventID: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE22222',
  readOnly: false,
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: '444455556666',
  eventCategory: 'Management',
};
const ENVELOPE = {
  version: '0',
  id: '7e8a2b7c-0000-0000-0000-EXAMPLE33333',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.iam',
  account: '444455556666',
  time: '2026-11-30T12:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: RECORD,
};
const HEALTH = {
  version: '0',
  id: '121345678-1234-1234-1234-123456789012',
  'detail-type': 'AWS Health Event',
  source: 'aws.health',
  account: '444455556666',
  time: '2026-11-30T12:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    eventArn: 'arn:aws:health:global::event/RISK/AWS_RISK_CREDENTIALS_EXPOSED/AWS_RISK_CREDENTIALS_EXPOSED_XXX',
    service: 'RISK',
    eventTypeCode: 'AWS_RISK_CREDENTIALS_EXPOSED',
    eventTypeCategory: 'issue',
    affectedEntities: [{ entityValue: 'AKIAEXPOSED1EXAMPLE' }, { entityValue: 'AKIAEXPOSED2EXAMPLE' }],
  },
};

function recording() {
  const calls: unknown[] = [];
  const links: ReactionLinks = {
    exposuresFromHealthEvent: (raw) =>
      ((raw as typeof HEALTH).detail.affectedEntities ?? []).map((e) => ({
        accessKeyId: e.entityValue,
        eventArn: HEALTH.detail.eventArn,
        code: HEALTH.detail.eventTypeCode,
      })),
    localDispatcher: () => ({
      cloudTrail: async (event) => (calls.push(['cloudTrail', event]), { kind: 'reenabled', acted: true }),
      startExposure: async (input: ExposureInput) => (
        calls.push(['startExposure', input]),
        { executionName: `x-${input.accessKeyId}`, started: true, userName: 'svc' }
      ),
    }),
  };
  const printed: string[] = [];
  const deps: ReactDeps = { print: (l) => printed.push(l), links, local: {} as CliContext };
  return { calls, printed, deps };
}

function file(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'react-')), 'event.json');
  writeFileSync(path, content);
  return path;
}

it('a malformed file is one line and exit 2, before anything is opened', async () => {
  // Prepare
  const cases = [
    file('{not json'),
    file('[1]'),
    file(JSON.stringify({ source: 'aws.s3' })),
    file(JSON.stringify({ ...ENVELOPE, detail: { ...RECORD, eventID: undefined } })),
    file(JSON.stringify({ ...ENVELOPE, detail: { ...RECORD, eventSource: 's3.amazonaws.com' } })),
    file(JSON.stringify({ ...HEALTH, 'detail-type': 'Something' })),
    join(tmpdir(), 'no-such-dir-react', 'e.json'),
  ];
  // Act
  const results = await Promise.all(cases.map((f) => runCli(['react', '--event', f, '--endpoint', 'http://127.0.0.1:1'])));
  // Assess
  for (const r of results) {
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/nothing was done/);
  }
  expect(results.map((r) => r.err)).toEqual([
    expect.stringMatching(/not JSON/),
    expect.stringMatching(/an event is a JSON object/),
    expect.stringMatching(/neither a CloudTrail event .* nor an AWS Health event/),
    expect.stringMatching(/has no eventID/),
    expect.stringMatching(/only IAM events are reacted to \(eventSource is s3.amazonaws.com\)/),
    expect.stringMatching(/detail-type "AWS Health Event"/),
    expect.stringMatching(/cannot be read \(ENOENT\)/),
  ]);
});

it('locally, a CloudTrail event (envelope or bare record from the console) goes to the reactions handler unchanged', async () => {
  // Prepare
  const { calls, printed, deps } = recording();
  // Act
  const a = await react(classifyEvent(ENVELOPE, 'f'), deps);
  const b = await react(classifyEvent(RECORD, 'f'), deps);
  // Assess
  expect([a, b]).toEqual([0, 0]);
  expect(calls[0]).toEqual(['cloudTrail', ENVELOPE]);
  expect(calls[1]).toEqual(['cloudTrail', { ...ENVELOPE, id: RECORD.eventID, resources: [] }]);
  expect(printed[0]).toBe(`UpdateAccessKey (eventID ${RECORD.eventID}): {"kind":"reenabled","acted":true}`);
});

it('locally, a Health event starts the exposure response for every affected key, not only the first', async () => {
  // Prepare
  const { calls, printed, deps } = recording();
  // Act
  const code = await react(classifyEvent(HEALTH, 'f'), deps);
  // Assess
  expect(code).toBe(0);
  expect(calls.map((c) => (c as [string, ExposureInput])[1].accessKeyId)).toEqual(['AKIAEXPOSED1EXAMPLE', 'AKIAEXPOSED2EXAMPLE']);
  expect(calls[0]).toEqual([
    'startExposure',
    {
      accessKeyId: 'AKIAEXPOSED1EXAMPLE',
      reason: expect.stringContaining('AWS_RISK_CREDENTIALS_EXPOSED'),
      source: 'cli',
      eventId: HEALTH.detail.eventArn,
    },
  ]);
  expect(printed).toHaveLength(2);
});

it('deployed, a Health event posts /exposures per key and a CloudTrail event is refused (EventBridge runs those)', async () => {
  // Prepare
  const { calls, deps } = recording();
  const posts: unknown[] = [];
  const deployed: ReactDeps = {
    ...deps,
    local: undefined,
    api: { post: async (path, body) => (posts.push([path, body]), { status: 202, body: { started: true } }) },
  };
  // Act
  const health = await react(classifyEvent(HEALTH, 'f'), deployed);
  const refused = react(classifyEvent(ENVELOPE, 'f'), deployed);
  // Assess
  expect(health).toBe(0);
  expect(posts).toEqual([
    ['/exposures', { accessKeyId: 'AKIAEXPOSED1EXAMPLE', reason: expect.stringContaining('AWS_RISK_CREDENTIALS_EXPOSED') }],
    ['/exposures', { accessKeyId: 'AKIAEXPOSED2EXAMPLE', reason: expect.stringContaining('AWS_RISK_CREDENTIALS_EXPOSED') }],
  ]);
  await expect(refused).rejects.toThrow(/reactions to CloudTrail events run from EventBridge when deployed/);
  expect(calls).toEqual([]);
});

it('without the reactions linked, the verb refuses naming what is missing and does nothing', async () => {
  // Prepare
  const { deps } = recording();
  const bare: ReactDeps = { ...deps, links: {} };
  // Act / Assess
  await expect(react(classifyEvent(ENVELOPE, 'f'), bare)).rejects.toThrow(ValidationError);
  await expect(react(classifyEvent(ENVELOPE, 'f'), bare)).rejects.toThrow(/functions\/reactions\/local.ts localReactions/);
  const posts: unknown[] = [];
  const deployed: ReactDeps = {
    ...bare,
    local: undefined,
    api: { post: async (p) => (posts.push(p), { status: 202, body: {} }) },
  };
  await expect(react(classifyEvent(HEALTH, 'f'), deployed)).rejects.toThrow(/exposuresFromHealthEvent is not linked/);
  expect(posts).toEqual([]);
});
