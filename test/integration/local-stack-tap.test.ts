/**
 * The event tap in the long-lived local stack (stack in this process): its URL in the state file and
 * in `local status`, its events to the reaction sink set on the running stack (the hook the local
 * reactions handler is linked to).
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import type { CloudTrailEvent } from '../../functions/local/event-tap';
import { readState } from '../../functions/local/stack/state';
import { runCli } from '../support/cli';
import { testClients, uniqueName } from '../support/aws';
import { waitFor } from '../support/iam-fixtures';
import { useInProcessStack } from '../support/local-stack';

describe('the local stack serves the event tap', () => {
  const local = useInProcessStack('local-tap');

  it('records the tap URL in the state file and prints it in `local status`', async () => {
    // Act
    const state = readState(local.home);
    const status = await runCli(['local', 'status']);
    // Assess
    expect(state).toMatchObject({ tapUrl: local.stack.tap.url });
    expect(status.code).toBe(0);
    expect(status.out).toContain(
      `AWS:       ${local.stack.tap.url} (event tap: point the AWS CLI here to act like an account with CloudTrail on`,
    );
  });

  it('sends the events of calls through the tap to the reaction sink set on the stack, and logs them', async () => {
    // Prepare
    const { iam } = testClients();
    const userName = uniqueName('tap-stack');
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
    const received: CloudTrailEvent[] = [];
    local.stack.setReactionSink((event) => void received.push(event));
    const viaTap = new IAMClient({
      region: 'us-east-1',
      endpoint: local.stack.state.tapUrl,
      credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! },
    });
    // Act
    await viaTap.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: key.AccessKeyId, Status: 'Inactive' }));
    await waitFor('the sink to receive the event', () => received.length > 0);
    local.stack.setReactionSink(undefined);
    await viaTap.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: key.AccessKeyId, Status: 'Active' }));
    // Assess
    expect(received.map((e) => [e.detail.eventName, e.detail.requestParameters?.status, e.detail.userIdentity.userName])).toEqual(
      [['UpdateAccessKey', 'Inactive', userName]],
    );
    expect(local.stack.tap.events().filter((e) => e.detail.userIdentity.accessKeyId === key.AccessKeyId)).toHaveLength(2);
    expect(local.log.join('\n')).toContain(`CloudTrail event UpdateAccessKey by arn:aws:iam::123456789012:user/${userName}`);
  });

  it('a failing sink is logged and the call through the tap still answers', async () => {
    // Prepare
    local.stack.setReactionSink(() => Promise.reject(new Error('reactions down')));
    const viaTap = new IAMClient({
      region: 'us-east-1',
      endpoint: local.stack.state.tapUrl,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    // Act
    const out = await viaTap.send(new CreateUserCommand({ UserName: uniqueName('tap-sink') }));
    // Assess
    expect(out.User?.UserName).toBeTruthy();
    await waitFor('the failure in the log', () => local.log.some((l) => l.includes('event tap: Error: reactions down')));
    local.stack.setReactionSink(undefined);
  });
});
