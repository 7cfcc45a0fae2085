import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { containsSecretLikeValue, redactSecretLikeValues, SnsNotifier } from '../../functions/shared/notifier';
import { ownerFields, severityOf } from '../../functions/shared/notification-attributes';
import type { Notification } from '../../functions/shared/notifier';
import { makeNotify } from '../../functions/rotation/steps/notify';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('secret-like values', () => {
  it('recognises an AWS secret access key and not ordinary identifiers', () => {
    expect(containsSecretLikeValue(`{"x":"${SECRET}"}`)).toBe(true);
    expect(containsSecretLikeValue('{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"ci-deployer"}')).toBe(false);
    expect(containsSecretLikeValue('averyveryverylongusernamewithoutanyhyphensatall')).toBe(false);
  });

  it('redacts secrets but keeps a long user name that happens to look like one', () => {
    const longName = 'ServiceAccount2024ForThePaymentsTeamProd1';
    const text = JSON.stringify({ userName: longName, leaked: SECRET });
    const redacted = redactSecretLikeValues(text, [longName]);
    expect(redacted).toContain(longName);
    expect(redacted).not.toContain(SECRET);
    expect(redacted).toContain('[REDACTED]');
  });

  it('SnsNotifier never publishes a secret, even if a caller passes one', async () => {
    // Prepare
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: '1' });
    const notifier = new SnsNotifier(new SNSClient({ region: 'us-east-1' }), 'arn:aws:sns:us-east-1:123456789012:t');
    // Act
    await notifier.publish({ type: 'rotation.failed', userName: 'bot', errorMessage: `oops ${SECRET}` });
    // Assess
    const message = sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!;
    expect(message).not.toContain(SECRET);
    expect(JSON.parse(message)).toMatchObject({ type: 'rotation.failed', userName: 'bot', errorMessage: 'oops [REDACTED]' });
  });
});

describe('SNS message attributes (filter policies)', () => {
  const publishWith = async (notification: Parameters<SnsNotifier['publish']>[0]) => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: '1' });
    const notifier = new SnsNotifier(new SNSClient({ region: 'us-east-1' }), 'arn:aws:sns:us-east-1:123456789012:t');
    await notifier.publish(notification);
    return sns.commandCalls(PublishCommand)[0]!.args[0].input.MessageAttributes;
  };

  it('carries type, severity, userName, owner and accountId as String attributes', async () => {
    // Act
    const attributes = await publishWith({
      type: 'rotation.blocked',
      userName: 'ci-deployer',
      owner: 'team-payments',
      purpose: 'deploys',
      accountId: '111122223333',
    });
    // Assess
    expect(attributes).toEqual({
      type: { DataType: 'String', StringValue: 'rotation.blocked' },
      severity: { DataType: 'String', StringValue: 'warning' },
      userName: { DataType: 'String', StringValue: 'ci-deployer' },
      owner: { DataType: 'String', StringValue: 'team-payments' },
      accountId: { DataType: 'String', StringValue: '111122223333' },
    });
  });

  it('leaves out empty, missing and secret-looking values (SNS refuses an empty String attribute)', async () => {
    // Act
    const attributes = await publishWith({ type: 'scan.completed', owner: '  ', accountId: SECRET });
    // Assess
    expect(attributes).toEqual({
      type: { DataType: 'String', StringValue: 'scan.completed' },
      severity: { DataType: 'String', StringValue: 'info' },
    });
  });

  it('maps severities per type, an unknown type to warning', () => {
    expect(severityOf('key.exposed')).toBe('critical');
    expect(severityOf('rotation.failed')).toBe('critical');
    expect(severityOf('rotation.key-deactivated')).toBe('warning');
    expect(severityOf('rotation.completed')).toBe('info');
    expect(severityOf('some.future-type')).toBe('warning');
  });

  it('ownerFields reads the configured tag keys and skips blank tags', () => {
    const config = { ownerTagKey: 'Team', purposeTagKey: 'Why' };
    expect(ownerFields({ Team: 'team-payments', Why: 'ci' }, config)).toEqual({ owner: 'team-payments', purpose: 'ci' });
    expect(ownerFields({ Owner: 'x', Team: ' ' }, config)).toEqual({});
    expect(ownerFields(undefined, config)).toEqual({});
  });
});

describe('owner carried through a rotation', () => {
  it('the Notify step passes on the Owner and Purpose Prepare put in the state', async () => {
    // Prepare
    const sent: Notification[] = [];
    const notify = makeNotify({
      notifier: { publish: async (n) => void sent.push(n) },
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    // Act
    await notify({ type: 'rotation.started', state: { userName: 'bot', owner: 'team-payments', purpose: 'batch' } });
    await notify({ type: 'rotation.failed', state: { userName: 'bot' } });
    // Assess
    expect(sent[0]).toMatchObject({ type: 'rotation.started', owner: 'team-payments', purpose: 'batch' });
    expect(sent[1]).not.toHaveProperty('owner');
  });
});
