/**
 * Issue 8 infra: the reactions' EventBridge rules (patterns with content filters), the Lambda's
 * loop-safety list, the revert permissions only when configured, and the us-east-1 forwarding stack
 * when the stack lives elsewhere (cdk-nag clean).
 */
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app';
import { REACTION_EVENT_NAMES } from '../../functions/reactions/events';
import { asArray, CDK_JSON_CONTEXT, logicalId, roleStatements, synth } from './support';

function appWith(context: Record<string, unknown>) {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...context, 'aws:cdk:bundling-stacks': [] } });
  const built = buildApp(app);
  app.synth();
  return built;
}

describe('reactions with the default config', () => {
  const s = synth({}, { bundle: false });

  it('routes every listed IAM call on users to the reactions Lambda, failed calls and non-Active status changes excluded', () => {
    // Act
    const rules = Object.values(s.template.findResources('AWS::Events::Rule')) as {
      Properties: {
        EventPattern: { source: string[]; 'detail-type': string[]; detail: Record<string, unknown> };
        Targets: { Arn: unknown }[];
      };
    }[];
    const patterns = rules.map((r) => r.Properties.EventPattern).filter((p) => p.source?.[0] === 'aws.iam');
    // Assess
    expect(patterns).toHaveLength(2);
    const names = patterns.flatMap((p) => p.detail.eventName as string[]).sort();
    expect(names).toEqual([...REACTION_EVENT_NAMES].sort());
    for (const p of patterns) {
      expect(p['detail-type']).toEqual(['AWS API Call via CloudTrail']);
      expect(p.detail).toMatchObject({ eventSource: ['iam.amazonaws.com'], errorCode: [{ exists: false }] });
    }
    expect(patterns[1]!.detail).toMatchObject({
      eventName: expect.arrayContaining(['UpdateAccessKey']),
      requestParameters: { status: ['Active'] },
    });
    const fnArn = { 'Fn::GetAtt': [logicalId(s.stack, s.stack.reactions.function.function), 'Arn'] };
    for (const r of rules.filter((x) => x.Properties.EventPattern.source?.[0] === 'aws.iam')) {
      expect(r.Properties.Targets).toEqual([expect.objectContaining({ Arn: fnArn })]);
    }
  });

  it('tells the Lambda every role of the stack (loop safety), its own included', () => {
    // Act
    const env = (
      s.template.toJSON().Resources[logicalId(s.stack, s.stack.reactions.function.function)] as {
        Properties: { Environment: { Variables: Record<string, unknown> } };
      }
    ).Properties.Environment.Variables;
    const joined = JSON.stringify(env.STACK_PRINCIPAL_IDS);
    // Assess
    const roles = Object.keys(s.template.findResources('AWS::IAM::Role'));
    expect(roles.length).toBeGreaterThan(10);
    for (const role of roles) expect(joined).toContain(`{"Fn::GetAtt":["${role}","RoleId"]}`);
    expect(joined).toContain(logicalId(s.stack, s.stack.reactions.function.role));
  });

  it('grants no grant removal unless privilegeEscalated is "revert"', () => {
    // Prepare
    const revert = synth({ lifecycleConfig: { reactions: { privilegeEscalated: 'revert' } } }, { bundle: false });
    const actions = (x: typeof s) =>
      roleStatements(x.template, logicalId(x.stack, x.stack.reactions.function.role))
        .filter((st) => st.Effect === 'Allow')
        .flatMap((st) => asArray(st.Action));
    // Assess
    expect(actions(s)).not.toEqual(expect.arrayContaining(['iam:DetachUserPolicy']));
    expect(actions(revert)).toEqual(
      expect.arrayContaining(['iam:DetachUserPolicy', 'iam:DeleteUserPolicy', 'iam:RemoveUserFromGroup']),
    );
  });
});

describe('the us-east-1 forwarding stack', () => {
  it('is not built in us-east-1 or without a region', () => {
    expect(appWith({}).forwarding).toBeUndefined();
    expect(appWith({ region: 'us-east-1' }).forwarding).toBeUndefined();
  });

  it('forwards the same patterns to the main region’s default bus with a role EventBridge assumes, cdk-nag clean', () => {
    // Act
    const { forwarding, stack } = appWith({ region: 'eu-west-1' });
    const t = Template.fromStack(forwarding!);
    // Assess
    expect(forwarding!.region).toBe('us-east-1');
    expect(stack.region).toBe('eu-west-1');
    const rules = Object.values(t.findResources('AWS::Events::Rule')) as {
      Properties: { Targets: { Arn: unknown; RoleArn: unknown }[] };
    }[];
    expect(rules).toHaveLength(2);
    for (const r of rules) {
      expect(JSON.stringify(r.Properties.Targets[0]!.Arn)).toContain(':events:eu-west-1:');
      expect(JSON.stringify(r.Properties.Targets[0]!.Arn)).toContain('event-bus/default');
      expect(r.Properties.Targets[0]!.RoleArn).toBeDefined();
    }
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'events.amazonaws.com' } })] },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'events:PutEvents', Effect: 'Allow' })] },
    });
    expect(Annotations.fromStack(forwarding!).findError('*', Match.stringLikeRegexp('AwsSolutions'))).toEqual([]);
    expect(Annotations.fromStack(forwarding!).findWarning('*', Match.stringLikeRegexp('AwsSolutions'))).toEqual([]);
  });
});
