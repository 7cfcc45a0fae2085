/**
 * The resources of the stack, on the synthesized template: Lambdas, logs, the rotation state machine
 * and its alarm, the scan schedule, the topic and the keys.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../functions/shared/config';
import { KEY_ROTATION_ASL_FILE, ROTATION_STEPS } from '../../infra/constructs/key-rotation';
import { aslPlaceholders } from '../../infra/constructs/state-machine-definition';
import { logicalId, render, synth, type Json, type Synthesized } from './support';

const ONE_YEAR_IN_DAYS = 365;

interface FunctionProps {
  Runtime: string;
  Architectures: string[];
  Handler: string;
  Role: unknown;
  Code: { S3Key: string };
  LoggingConfig?: { LogGroup?: { Ref?: string } };
  Environment: { Variables: Record<string, unknown> };
}

function functionProps(s: Synthesized): [string, FunctionProps][] {
  return Object.entries(s.template.findResources('AWS::Lambda::Function')).map(([id, r]) => [id, r.Properties as FunctionProps]);
}

describe('the stack with the default config', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  });

  describe('Lambda functions', () => {
    it('are the six rotation steps and the scan, on nodejs22.x and arm64', () => {
      // Act
      const fns = functionProps(s);
      // Assess
      expect(fns.map(([, p]) => p.Handler).sort()).toEqual(
        [
          'index.checkCutover',
          'index.createAndStore',
          'index.deactivateOldKey',
          'index.finishRotation',
          'index.handler',
          'index.notify',
          'index.prepare',
        ].sort(),
      );
      for (const [, p] of fns) {
        expect(p.Runtime).toBe('nodejs22.x');
        expect(p.Architectures).toEqual(['arm64']);
      }
    });

    it('each log to their own explicit log group with a retention', () => {
      // Prepare
      const logGroups = s.template.findResources('AWS::Logs::LogGroup');
      // Act
      const used = functionProps(s).map(([, p]) => p.LoggingConfig?.LogGroup?.Ref);
      // Assess
      expect(used.every((id) => id !== undefined)).toBe(true);
      expect(new Set(used).size).toBe(7);
      for (const id of used) {
        expect(logGroups[id!]).toMatchObject({
          Properties: { RetentionInDays: ONE_YEAR_IN_DAYS },
          DeletionPolicy: 'Retain',
        });
      }
    });

    it('get the environment contract of docs/CONTRIBUTING-NOTES.md', () => {
      // Prepare
      const topic = s.stack.resolve(s.stack.notifications.topic.topicArn);
      const secretsKey = s.stack.resolve(s.stack.secretsKey.key.keyArn);
      const machine = s.stack.resolve(s.stack.keyRotation.stateMachine.stateMachineArn);
      for (const [, p] of functionProps(s)) {
        // Act
        const env = p.Environment.Variables;
        // Assess
        expect(JSON.parse(env.LIFECYCLE_CONFIG as string)).toEqual(parseConfig({}));
        expect(env.NOTIFICATION_TOPIC_ARN).toEqual(topic);
        expect(env.SECRETS_KMS_KEY_ID).toEqual(secretsKey);
        expect(env.AUTOMATION_USER_NAMES).toBe('');
        expect(env.LOG_LEVEL).toBe('INFO');
        expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
        if (p.Handler === 'index.handler') expect(env.ROTATION_STATE_MACHINE_ARN).toEqual(machine);
        else expect(env.ROTATION_STATE_MACHINE_ARN).toBeUndefined();
      }
    });

    it('are bundled by esbuild into one minified file with a source map, handlers included', () => {
      for (const [, p] of functionProps(s)) {
        // Prepare
        const dir = join(s.assemblyDir, `asset.${p.Code.S3Key.replace(/\.zip$/, '')}`);
        // Act
        const code = readFileSync(join(dir, 'index.js'), 'utf8');
        // Assess
        expect(existsSync(join(dir, 'index.js.map'))).toBe(true);
        expect(code).toContain('sourceMappingURL=index.js.map');
        expect(code.length / code.split('\n').length).toBeGreaterThan(2000); // minified: long lines
        expect(code).toContain(p.Handler.replace('index.', ''));
        // The SDK is bundled (pinned by package-lock.json), not taken from the Lambda runtime.
        expect(code).toContain('aws-sdk-js');
        expect(code).not.toMatch(/require\("@aws-sdk\/client-/);
      }
    });
  });

  describe('the rotation state machine', () => {
    function machine(): Json {
      return s.template.findResources('AWS::StepFunctions::StateMachine')[logicalId(s.stack, s.stack.keyRotation.stateMachine)]!
        .Properties as Json;
    }

    it('substitutes every placeholder of the ASL file with one of the six rotation functions', () => {
      // Prepare
      const fnIds = Object.values(s.stack.keyRotation.functions).map((f) => logicalId(s.stack, f.function));
      const placeholders = aslPlaceholders(readFileSync(join(__dirname, '..', '..', KEY_ROTATION_ASL_FILE), 'utf8'));
      // Act
      const substitutions = machine().DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>;
      // Assess
      expect(Object.keys(substitutions).sort()).toEqual(placeholders);
      expect(placeholders.sort()).toEqual(
        Object.values(ROTATION_STEPS)
          .map((step) => step.placeholder)
          .sort(),
      );
      for (const value of Object.values(substitutions)) {
        expect(value['Fn::GetAtt'][1]).toBe('Arn');
        expect(fnIds).toContain(value['Fn::GetAtt'][0]);
      }
      expect(new Set(Object.values(substitutions).map((v) => v['Fn::GetAtt'][0])).size).toBe(6);
    });

    it('deploys a definition that is left without `${` once CloudFormation substitutes, and invokes the functions', () => {
      // Prepare
      const props = machine();
      const location = props.DefinitionS3Location as { Key: string };
      const text = readFileSync(join(s.assemblyDir, `asset.${location.Key}`), 'utf8');
      const substitutions = props.DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>;
      // Act: what CloudFormation does with DefinitionSubstitutions
      const deployed = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (match, name: string) =>
        substitutions[name] ? `arn:aws:lambda:eu-west-1:111111111111:function:${substitutions[name]['Fn::GetAtt'][0]}` : match,
      );
      const definition = JSON.parse(deployed) as { States: Record<string, { Type: string; Resource?: string }> };
      // Assess
      expect(deployed).not.toContain('${');
      const tasks = Object.values(definition.States).filter((st) => st.Type === 'Task');
      expect(tasks.length).toBe(7);
      const invoked = new Set(tasks.map((t) => t.Resource!.split(':function:')[1]));
      expect([...invoked].sort()).toEqual(
        Object.values(s.stack.keyRotation.functions)
          .map((f) => logicalId(s.stack, f.function))
          .sort(),
      );
    });

    it('logs ALL events to a log group with a retention, with X-Ray tracing', () => {
      // Act
      const props = machine();
      // Assess
      expect(props).toMatchObject({
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: false,
          Destinations: [
            {
              CloudWatchLogsLogGroup: {
                LogGroupArn: { 'Fn::GetAtt': [logicalId(s.stack, s.stack.keyRotation.logGroup), 'Arn'] },
              },
            },
          ],
        },
      });
      s.template.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: ONE_YEAR_IN_DAYS },
        DeletionPolicy: 'Retain',
      });
      expect(
        s.template.findResources('AWS::Logs::LogGroup')[logicalId(s.stack, s.stack.keyRotation.logGroup)]!.Properties,
      ).toMatchObject({ RetentionInDays: ONE_YEAR_IN_DAYS });
    });

    it('raises an alarm to the notification topic when an execution fails', () => {
      // Act + Assess
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(s.stack, s.stack.keyRotation.stateMachine) } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: logicalId(s.stack, s.stack.notifications.topic) }],
      });
    });
  });

  describe('the daily scan', () => {
    it('is scheduled with the configured expression and invokes the scan function with {"dryRun": false}', () => {
      // Act + Assess
      s.template.resourceCountIs('AWS::Scheduler::Schedule', 1);
      s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(1 day)',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: { 'Fn::GetAtt': [logicalId(s.stack, s.stack.dailyScan.function.function), 'Arn'] },
          RoleArn: { 'Fn::GetAtt': [logicalId(s.stack, s.stack.dailyScan.schedulerRole), 'Arn'] },
          Input: JSON.stringify({ dryRun: false }),
        },
      });
    });

    it('raises an alarm to the notification topic when the scan function fails', () => {
      // Act + Assess
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(s.stack, s.stack.dailyScan.function.function) } }],
        Threshold: 1,
        AlarmActions: [{ Ref: logicalId(s.stack, s.stack.notifications.topic) }],
      });
    });
  });

  describe('notifications and keys', () => {
    it('encrypt the topic with its own key and refuse requests without TLS', () => {
      // Act + Assess
      s.template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(s.stack, s.stack.notifications.key), 'Arn'] },
      });
      s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:Publish',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('let CloudWatch alarms of this account publish to the encrypted topic', () => {
      // Act + Assess
      s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            }),
          ]),
        },
      });
      s.template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            }),
          ]),
        },
      });
    });

    it('rotate both KMS keys and keep them when the stack is deleted', () => {
      // Act
      const keys = Object.values(s.template.findResources('AWS::KMS::Key'));
      // Assess
      expect(keys).toHaveLength(2);
      for (const key of keys) expect(key).toMatchObject({ Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain' });
    });
  });

  it('outputs what operators need: topic, state machine, scan function (for the CLI) and secrets key', () => {
    // Act
    const outputs = s.template.findOutputs('*');
    // Assess
    expect(Object.keys(outputs).sort()).toEqual([
      'NotificationTopicArn',
      'RotationStateMachineArn',
      'ScanFunctionName',
      'SecretsKmsKeyArn',
    ]);
  });
});

describe('the stack with a custom schedule and config', () => {
  it('uses config.scanSchedule for the schedule and passes the config to every function', () => {
    // Prepare
    const raw = { scanSchedule: 'cron(30 4 * * ? *)', maxKeyAgeDays: 45, secretPrefix: 'team/keys' };
    // Act
    const s = synth({ lifecycleConfig: raw }, { bundle: false });
    // Assess
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(30 4 * * ? *)' });
    for (const [, p] of functionProps(s)) {
      expect(JSON.parse(p.Environment.Variables.LIFECYCLE_CONFIG as string)).toEqual(parseConfig(raw));
    }
    expect(render(s.stack.resolve(s.stack.secretsKey.secretArnPattern))).toMatch(/:secret:team\/keys\/\*$/);
  });
});
