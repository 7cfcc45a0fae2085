import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { containsSecretLikeValue, redactSecretLikeValues, SnsNotifier } from '../../functions/shared/notifier';

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
