/**
 * The local event tap (issue 8, "Tests": an AWS CLI or SDK call through it yields exactly the event
 * AWS would): SDK calls through the tap against the test run's moto.
 */
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startEventTap, type CloudTrailEvent, type EventTap } from '../../functions/local/event-tap';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';

const AT = new Date('2026-11-30T12:00:00.000Z');
let tap: EventTap;
const delivered: CloudTrailEvent[] = [];

beforeAll(async () => {
  tap = await startEventTap({ targetEndpoint: motoEndpoint(), onEvent: (e) => void delivered.push(e), clock: () => AT });
});
afterAll(() => tap.stop());

const iamVia = (endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
  new IAMClient({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1 });

/** A user with a key of its own (the caller the events name). */
async function caller(): Promise<{
  userName: string;
  arn: string;
  userId: string;
  key: { accessKeyId: string; secretAccessKey: string };
}> {
  const { iam } = testClients();
  const userName = uniqueName('tap-admin');
  const user = (await iam.send(new CreateUserCommand({ UserName: userName }))).User!;
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  return {
    userName,
    arn: user.Arn!,
    userId: user.UserId!,
    key: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! },
  };
}

const eventsOf = (eventID: (e: CloudTrailEvent) => boolean) => tap.events().filter(eventID);
const forKey = (accessKeyId: string) => eventsOf((e) => e.detail.userIdentity.accessKeyId === accessKeyId);
/** The event without what differs per run (ids, times, request id, user agent). */
function stable(e: CloudTrailEvent) {
  const { id: _id, time: _t, detail } = e;
  const { eventID, eventTime, requestID, userAgent, ...rest } = detail;
  expect(eventID).toMatch(/^[0-9a-f-]{36}$/);
  expect(eventTime).toBe('2026-11-30T12:00:00Z');
  expect(requestID).toBeTruthy();
  expect(userAgent).toContain('aws-sdk-js');
  return { ...e, id: undefined, time: undefined, detail: rest };
}

it('an UpdateAccessKey through the tap yields the CloudTrail event AWS would, with the signing user as userIdentity', async () => {
  // Prepare
  const admin = await caller();
  const { iam } = testClients();
  const target = uniqueName('tap-target');
  await iam.send(new CreateUserCommand({ UserName: target }));
  const targetKey = (await iam.send(new CreateAccessKeyCommand({ UserName: target }))).AccessKey!;
  // Act
  await iamVia(tap.url, admin.key).send(
    new UpdateAccessKeyCommand({ UserName: target, AccessKeyId: targetKey.AccessKeyId, Status: 'Inactive' }),
  );
  // Assess
  const events = forKey(admin.key.accessKeyId);
  expect(events.map(stable)).toEqual([
    {
      version: '0',
      id: undefined,
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.iam',
      account: '123456789012',
      time: undefined,
      region: 'us-east-1',
      resources: [],
      detail: {
        eventVersion: '1.08',
        userIdentity: {
          type: 'IAMUser',
          principalId: admin.userId,
          arn: admin.arn,
          accountId: '123456789012',
          accessKeyId: admin.key.accessKeyId,
          userName: admin.userName,
        },
        eventSource: 'iam.amazonaws.com',
        eventName: 'UpdateAccessKey',
        awsRegion: 'us-east-1',
        sourceIPAddress: '127.0.0.1',
        requestParameters: { userName: target, accessKeyId: targetKey.AccessKeyId, status: 'Inactive' },
        responseElements: null,
        readOnly: false,
        eventType: 'AwsApiCall',
        managementEvent: true,
        recipientAccountId: '123456789012',
        eventCategory: 'Management',
      },
    },
  ]);
  expect(delivered.map((e) => e.detail.eventID)).toContain(events[0]!.detail.eventID);
});

it('CreateAccessKey logs the key without its secret; CreateLoginProfile never logs the password', async () => {
  // Prepare
  const admin = await caller();
  const via = iamVia(tap.url, admin.key);
  const target = uniqueName('tap-target');
  await testClients().iam.send(new CreateUserCommand({ UserName: target }));
  // Act
  const created = (await via.send(new CreateAccessKeyCommand({ UserName: target }))).AccessKey!;
  await via.send(new CreateLoginProfileCommand({ UserName: target, Password: 'Sup3r-secret-pw!', PasswordResetRequired: true }));
  // Assess
  const [key, login] = forKey(admin.key.accessKeyId).map((e) => e.detail);
  expect(key!.requestParameters).toEqual({ userName: target });
  expect(key!.responseElements).toEqual({
    accessKey: {
      userName: target,
      accessKeyId: created.AccessKeyId,
      status: 'Active',
      createDate: expect.stringMatching(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M$/),
    },
  });
  expect(login!.requestParameters).toEqual({ userName: target, passwordResetRequired: true });
  expect(login!.responseElements).toEqual({
    // AWS echoes true here; moto 5.2.1 answers false, and the tap logs the answer it got.
    loginProfile: { userName: target, createDate: expect.any(String), passwordResetRequired: expect.any(Boolean) },
  });
  const everything = JSON.stringify(tap.events());
  expect(everything).not.toContain(created.SecretAccessKey!);
  expect(everything).not.toContain('Sup3r-secret-pw!');
});

it('answers exactly as moto does (status, body) and a refused call (moto 4xx) emits nothing', async () => {
  // Prepare
  const admin = await caller();
  const direct = iamVia(motoEndpoint(), admin.key);
  const via = iamVia(tap.url, admin.key);
  // Act
  const a = await direct.send(new GetUserCommand({ UserName: admin.userName }));
  const b = await via.send(new GetUserCommand({ UserName: admin.userName }));
  const refused = await via
    .send(new UpdateAccessKeyCommand({ UserName: uniqueName('nobody'), AccessKeyId: 'AKIAEXAMPLEXXXXXXXXX', Status: 'Active' }))
    .then(
      () => 'accepted',
      (e: Error) => e.name,
    );
  // Assess
  expect(b.User).toEqual(a.User);
  expect(refused).toBe('NoSuchEntityException');
  expect(forKey(admin.key.accessKeyId)).toEqual([]);
});

it('tags, policies and key deletion are logged with AWS names; reads are not events', async () => {
  // Prepare
  const admin = await caller();
  const via = iamVia(tap.url, admin.key);
  const target = uniqueName('tap-target');
  const policyArn = (
    await testClients().iam.send(
      new CreatePolicyCommand({
        PolicyName: uniqueName('admin'),
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      }),
    )
  ).Policy!.Arn!;
  // Act
  await via.send(new CreateUserCommand({ UserName: target, Tags: [{ Key: 'team', Value: 'x' }] }));
  await via.send(new TagUserCommand({ UserName: target, Tags: [{ Key: 'iam-lifecycle:protected', Value: 'true' }] }));
  await via.send(new UntagUserCommand({ UserName: target, TagKeys: ['team'] }));
  await via.send(new AttachUserPolicyCommand({ UserName: target, PolicyArn: policyArn }));
  await via.send(new ListAccessKeysCommand({ UserName: admin.userName }));
  await via.send(new DeleteAccessKeyCommand({ UserName: admin.userName, AccessKeyId: admin.key.accessKeyId }));
  // Assess
  const details = forKey(admin.key.accessKeyId).map((e) => [e.detail.eventName, e.detail.requestParameters]);
  expect(details).toEqual([
    ['CreateUser', { userName: target, tags: [{ key: 'team', value: 'x' }] }],
    ['TagUser', { userName: target, tags: [{ key: 'iam-lifecycle:protected', value: 'true' }] }],
    ['UntagUser', { userName: target, tagKeys: ['team'] }],
    ['AttachUserPolicy', { userName: target, policyArn }],
    ['DeleteAccessKey', { userName: admin.userName, accessKeyId: admin.key.accessKeyId }],
  ]);
  const createUser = forKey(admin.key.accessKeyId)[0]!.detail.responseElements as { user: Record<string, string> };
  expect(createUser.user).toMatchObject({ userName: target, path: '/', arn: expect.stringContaining(`:user/${target}`) });
  // Deleting the caller's own key still names the caller (resolved before the call).
  expect(forKey(admin.key.accessKeyId).at(-1)!.detail.userIdentity.userName).toBe(admin.userName);
});

it('a call with an assumed role session is an AssumedRole identity with its sessionIssuer (loop safety reads it)', async () => {
  // Prepare
  const roleName = uniqueName('tap-role');
  const role = (
    await testClients().iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    )
  ).Role!;
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: motoEndpoint(),
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'reactions' }))).Credentials!;
  const target = uniqueName('tap-target');
  // Act
  await iamVia(tap.url, { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }).send(
    new CreateUserCommand({ UserName: target }),
  );
  // Assess
  const [event] = forKey(c.AccessKeyId!);
  expect(event!.detail.userIdentity).toMatchObject({
    type: 'AssumedRole',
    arn: `arn:aws:sts::123456789012:assumed-role/${roleName}/reactions`,
    accessKeyId: c.AccessKeyId,
    sessionContext: { sessionIssuer: { type: 'Role', arn: role.Arn, userName: roleName, principalId: role.RoleId } },
  });
  expect(tap.lookupEvents({ LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'reactions' }] }).Events).toHaveLength(
    1,
  );
  expect(JSON.stringify(event)).not.toContain(c.SecretAccessKey!);
  expect(JSON.stringify(event)).not.toContain(c.SessionToken!);
});
