/**
 * The resources of the stack, on the synthesized template: Lambdas (and their bundles), logs, the
 * rotation and offboarding state machines and their alarms, the snapshot bucket, the HTTP API, the
 * scan schedule, the topic and the keys. The one bundling synth of the infra tests is here.
 */
import { workflowIdentity } from '../../infra/constructs/workflow-identity';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { sha256Hex } from '../../functions/shared/snapshot-store';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { CHANGING_STEP_TIMEOUT_SECONDS } from '../../functions/offboarding/domain';
import { MAX_OBSERVATION_DAYS as SERVICE_MAX_OBSERVATION_DAYS } from '../../functions/offboarding/service';
import { parseConfig } from '../../functions/shared/config';
import { KEY_ROTATION_ASL_FILE, ROTATION_STEPS } from '../../infra/constructs/key-rotation';
import { API_ROUTES, MAX_OBSERVATION_DAYS, USER_NAME_PATTERN } from '../../infra/constructs/lifecycle-api';
import { OFFBOARDING_ASL_FILE, OFFBOARDING_STEPS } from '../../infra/constructs/offboarding';
import { aslPlaceholders } from '../../infra/constructs/state-machine-definition';
import { logicalId, render, synth, type Json, type Synthesized } from './support';

const REPO_ROOT = join(__dirname, '..', '..');

const ONE_YEAR_IN_DAYS = 365;

interface FunctionProps {
  Runtime: string;
  Architectures: string[];
  Handler: string;
  Role: unknown;
  Timeout: number;
  Code: { S3Key: string };
  LoggingConfig?: { LogGroup?: { Ref?: string } };
  Environment: { Variables: Record<string, unknown> };
}

function functionProps(s: Synthesized): [string, FunctionProps][] {
  return Object.entries(s.template.findResources('AWS::Lambda::Function')).map(([id, r]) => [id, r.Properties as FunctionProps]);
}

function bundleFile(s: Synthesized, props: FunctionProps): string {
  return join(s.assemblyDir, `asset.${props.Code.S3Key.replace(/\.zip$/, '')}`, 'index.js');
}

interface AslTask {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
}

function aslStates(file: string): Record<string, AslTask> {
  return (JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8')) as { States: Record<string, AslTask> }).States;
}

/**
 * Runs one export of a bundled Lambda in a fresh Node process (as the Lambda runtime would load it)
 * and answers the name of the error it throws.
 */
function errorNameFromBundle(file: string, exportName: string, event: unknown, env: Record<string, string>): Promise<string> {
  const script = `
    const mod = require(process.argv[1]);
    Promise.resolve()
      .then(() => mod[process.argv[2]](JSON.parse(process.argv[3])))
      .then(() => console.log(JSON.stringify({ name: 'no error' })), (e) => console.log(JSON.stringify({ name: e.name })));`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', script, file, exportName, JSON.stringify(event)],
      {
        timeout: 30_000,
        env: {
          PATH: process.env.PATH ?? '',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          NOTIFICATION_TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:notifications',
          POWERTOOLS_LOG_LEVEL: 'CRITICAL',
          NODE_OPTIONS: '--no-warnings',
          ...env,
        },
      },
      (error, stdout) => {
        const line = stdout.trim().split('\n').at(-1) ?? '';
        try {
          resolve((JSON.parse(line) as { name: string }).name);
        } catch {
          reject(error ?? new Error(`no result from the bundle: ${stdout}`));
        }
      },
    );
  });
}

describe('the stack with the default config', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  });

  describe('Lambda functions', () => {
    it('are the six rotation steps, the scan, the eight offboarding steps, the API, the reactions and the eight exposure functions, on nodejs22.x and arm64', () => {
      // Act
      const fns = functionProps(s);
      // Assess
      expect(fns.map(([, p]) => p.Handler).sort()).toEqual(
        [
          'index.checkCutover',
          'index.createAndStore',
          'index.deactivateOldKey',
          'index.finishRotation',
          'index.handler', // scan
          'index.notify',
          'index.prepare',
          'index.validateOffboarding',
          'index.snapshotUser',
          'index.disableUser',
          'index.checkStillDisabled',
          'index.checkActivity',
          'index.deleteUser',
          'index.restoreUser',
          'index.notify', // offboarding
          'index.handler', // api
          'index.handler', // reactions
          'index.assess',
          'index.contain',
          'index.createAndStore', // exposure
          'index.deactivateExposedKey',
          'index.reportExposure',
          'index.deleteExposedKey',
          'index.notifyFailed',
          'index.onHealthEvent',
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
      expect(new Set(used).size).toBe(25);
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
      const rotation = s.stack.resolve(s.stack.keyRotation.stateMachine.stateMachineArn);
      const offboarding = s.stack.resolve(s.stack.offboarding.stateMachine.stateMachineArn);
      const bucket = s.stack.resolve(s.stack.offboarding.bucket.bucketName);
      const exposureMachine = s.stack.resolve(s.stack.exposure.stateMachine.stateMachineArn);
      const writers = s.stack.resolve(
        `${s.stack.keyRotation.functions.createAndStore.role.roleArn},${s.stack.exposure.functions.createAndStore.role.roleArn}`,
      );
      const extra = new Map<string, Record<string, unknown>>([
        // The scan offboards on expiry and inactivity, and records reminders, in the offboarding's bucket.
        [
          logicalId(s.stack, s.stack.dailyScan.function.function),
          { ROTATION_STATE_MACHINE_ARN: rotation, OFFBOARDING_STATE_MACHINE_ARN: offboarding, SNAPSHOT_BUCKET: bucket },
        ],
        [
          logicalId(s.stack, s.stack.api.function.function),
          {
            ROTATION_STATE_MACHINE_ARN: rotation,
            OFFBOARDING_STATE_MACHINE_ARN: offboarding,
            SNAPSHOT_BUCKET: bucket,
            EXPOSURE_STATE_MACHINE_ARN: exposureMachine,
          },
        ],
        ...Object.values(s.stack.offboarding.functions).map(
          (f) =>
            [
              logicalId(s.stack, f.function),
              {
                SNAPSHOT_BUCKET: bucket,
                OFFBOARDING_DENY_POLICY_ARN: s.stack.resolve(s.stack.offboarding.denyPolicy.managedPolicyArn),
                // The activity check ignores the calls of the stack's own roles.
                ...(f === s.stack.offboarding.functions.checkActivity ? { STACK_PRINCIPAL_IDS: expect.anything() } : {}),
              },
            ] as [string, Record<string, unknown>],
        ),
        [
          logicalId(s.stack, s.stack.reactions.function.function),
          {
            SNAPSHOT_BUCKET: bucket,
            OFFBOARDING_DENY_POLICY_ARN: s.stack.resolve(s.stack.offboarding.denyPolicy.managedPolicyArn),
            STACK_PRINCIPAL_IDS: expect.anything(),
          },
        ],
        // The two writers of the secrets (the rotation's and the exposure's create-and-store) name
        // both in the secrets' resource policy, so neither locks the other out.
        [logicalId(s.stack, s.stack.keyRotation.functions.createAndStore.function), { SECRET_WRITER_ROLE_ARNS: writers }],
        ...Object.entries(s.stack.exposure.functions).map(
          ([step, f]) =>
            [
              logicalId(s.stack, f.function),
              {
                EXPOSURE_STATE_MACHINE_ARN: s.stack.resolve(workflowIdentity(s.stack, 'exposure').stateMachineArn),
                ...(step === 'contain'
                  ? { EXPOSURE_CONTAINMENT_POLICY_ARN: s.stack.resolve(s.stack.exposure.containmentPolicy.managedPolicyArn) }
                  : {}),
                ...(step === 'createAndStore' ? { SECRET_WRITER_ROLE_ARNS: writers } : {}),
              },
            ] as [string, Record<string, unknown>],
        ),
        [logicalId(s.stack, s.stack.exposure.health.function.function), { EXPOSURE_STATE_MACHINE_ARN: exposureMachine }],
      ]);
      const shared = ['LIFECYCLE_CONFIG', 'NOTIFICATION_TOPIC_ARN', 'SECRETS_KMS_KEY_ID', 'AUTOMATION_USER_NAMES', 'LOG_LEVEL'];
      // Every step knows its state machine's fixed ARN (execution guard); scan and API use the resource's own.
      const fixedArns = {
        ROTATION_STATE_MACHINE_ARN: s.stack.resolve(workflowIdentity(s.stack, 'rotation').stateMachineArn),
        OFFBOARDING_STATE_MACHINE_ARN: s.stack.resolve(workflowIdentity(s.stack, 'offboarding').stateMachineArn),
      };
      for (const [id, p] of functionProps(s)) {
        // Act
        const env = p.Environment.Variables;
        // Assess
        expect(JSON.parse(env.LIFECYCLE_CONFIG as string)).toEqual(parseConfig({}));
        expect(env.NOTIFICATION_TOPIC_ARN).toEqual(topic);
        expect(env.SECRETS_KMS_KEY_ID).toEqual(secretsKey);
        expect(env.AUTOMATION_USER_NAMES).toBe('');
        expect(env.LOG_LEVEL).toBe('INFO');
        expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
        const rest = Object.fromEntries(Object.entries(env).filter(([k]) => !shared.includes(k) && k !== 'NODE_OPTIONS'));
        expect([id, rest]).toEqual([id, { ...fixedArns, ...extra.get(id) }]);
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

    it('keep the class names of the errors the state machines match on, in the minified bundle', async () => {
      // Prepare: the bundle of a rotation step, run as the Lambda runtime would load it
      const prepare = functionProps(s).find(([id]) => id === logicalId(s.stack, s.stack.keyRotation.functions.prepare.function))!;
      const file = bundleFile(s, prepare[1]);
      const request = {
        userName: 'alice',
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        executionId: 'arn:aws:states:us-east-1:111111111111:execution:Rotation:rotate-alice-AKIAIOSFODNN7EXAMPLE',
        executionName: 'rotate-alice-AKIAIOSFODNN7EXAMPLE',
        startedAt: '2026-01-01T00:00:00.000Z',
      };
      // Act: an AWS endpoint that refuses connections is a transient failure; no userName is bad input
      const transient = await errorNameFromBundle(file, 'prepare', request, {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        ROTATION_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:111111111111:stateMachine:Rotation',
      });
      const invalid = await errorNameFromBundle(file, 'prepare', {}, {});
      // Assess: the names the ASL Retry/Catch list, not what minification would have made of them
      expect(readFileSync(join(REPO_ROOT, KEY_ROTATION_ASL_FILE), 'utf8')).toContain('"TransientAwsError"');
      expect(transient).toBe('TransientAwsError');
      expect(invalid).toBe('ValidationError');
    });

    it('throw OffboardingCancelledError from the offboarding bundle when a cancel won', async () => {
      // Prepare: an AWS stand-in. Step Functions: the execution is live and its Snapshot step pinned a
      // record; S3: every object is the decision record of a cancel (and the pinned "snapshot").
      const record = JSON.stringify({
        decision: 'cancel',
        at: '2026-01-01T00:00:00.000Z',
        by: 'api',
        executionName: 'restore-x',
      });
      const machine = 'arn:aws:states:us-east-1:111111111111:stateMachine:IamUserLifecycle-Offboarding';
      const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:offboard-alice-AIDAEXAMPLE`;
      const server: Server = createServer((req, res) => {
        const target = String(req.headers['x-amz-target'] ?? '');
        res.writeHead(200, { 'content-type': target ? 'application/x-amz-json-1.0' : 'application/json' });
        if (target.endsWith('DescribeExecution')) {
          res.end(
            JSON.stringify({
              executionArn,
              stateMachineArn: machine,
              name: 'offboard-alice-AIDAEXAMPLE',
              status: 'RUNNING',
              startDate: 0,
              input: JSON.stringify({ action: 'offboard', userName: 'alice', userId: 'AIDAEXAMPLE', reason: 'left' }),
            }),
          );
        } else if (target.endsWith('GetExecutionHistory')) {
          const snapshot = { key: 'offboarding/alice/offboard-alice-AIDAEXAMPLE/snapshot.json', sha256: sha256Hex(record) };
          res.end(
            JSON.stringify({
              events: [
                {
                  id: 1,
                  timestamp: 0,
                  type: 'TaskStateExited',
                  stateExitedEventDetails: { name: 'Snapshot', output: JSON.stringify({ snapshot }) },
                },
              ],
            }),
          );
        } else {
          res.end(record);
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const disable = functionProps(s).find(
        ([id]) => id === logicalId(s.stack, s.stack.offboarding.functions.disableUser.function),
      )!;
      const state = {
        status: 'ready',
        action: 'offboard',
        userName: 'alice',
        userId: 'AIDAEXAMPLE',
        executionName: 'offboard-alice-AIDAEXAMPLE',
        startedAt: '2026-01-01T00:00:00.000Z',
        reason: 'left the company',
        requestedBy: 'hr',
        timing: { observationSeconds: 60, checkIntervalSeconds: 10 },
        snapshot: { key: 'k', takenAt: '2026-01-01T00:00:00.000Z', reused: false, counts: {} },
      };
      try {
        // Act
        const name = await errorNameFromBundle(
          bundleFile(s, disable[1]),
          'disableUser',
          { state, executionId: executionArn },
          {
            AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
            SNAPSHOT_BUCKET: 'snapshots',
            OFFBOARDING_STATE_MACHINE_ARN: machine,
            OFFBOARDING_DENY_POLICY_ARN: 'arn:aws:iam::111111111111:policy/deny',
          },
        );
        // Assess: the Disable state's Catch sends exactly this name to StoppedByCancel
        expect(aslStates(OFFBOARDING_ASL_FILE).Disable).toMatchObject({
          Catch: expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['OffboardingCancelledError'] })]),
        });
        expect(name).toBe('OffboardingCancelledError');
      } finally {
        server.close();
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

    it('raises an alarm when an execution of either workflow reaches the one-year time limit', () => {
      for (const machine of [s.stack.keyRotation.stateMachine, s.stack.offboarding.stateMachine]) {
        s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/States',
          MetricName: 'ExecutionsTimedOut',
          Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(s.stack, machine) } }],
          Threshold: 1,
          AlarmActions: [{ Ref: logicalId(s.stack, s.stack.notifications.topic) }],
        });
      }
    });
  });

  describe('the offboarding state machine', () => {
    function machine(): Json {
      return s.template.findResources('AWS::StepFunctions::StateMachine')[logicalId(s.stack, s.stack.offboarding.stateMachine)]!
        .Properties as Json;
    }

    it('substitutes every placeholder of the ASL file with one of the eight offboarding functions', () => {
      // Prepare
      const fnIds = Object.values(s.stack.offboarding.functions).map((f) => logicalId(s.stack, f.function));
      const placeholders = aslPlaceholders(readFileSync(join(REPO_ROOT, OFFBOARDING_ASL_FILE), 'utf8'));
      // Act
      const substitutions = machine().DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>;
      // Assess
      expect(Object.keys(substitutions).sort()).toEqual(placeholders);
      expect(placeholders).toEqual(
        [
          'CheckActivityFunctionArn',
          'CheckStillDisabledFunctionArn',
          'DeleteUserFunctionArn',
          'DisableUserFunctionArn',
          'OffboardingNotifyFunctionArn',
          'RestoreUserFunctionArn',
          'SnapshotUserFunctionArn',
          'ValidateOffboardingFunctionArn',
        ].sort(),
      );
      for (const [placeholder, value] of Object.entries(substitutions)) {
        const step = Object.entries(OFFBOARDING_STEPS).find(([, v]) => v.placeholder === placeholder)![0];
        expect(value).toEqual({
          'Fn::GetAtt': [
            logicalId(s.stack, s.stack.offboarding.functions[step as keyof typeof OFFBOARDING_STEPS].function),
            'Arn',
          ],
        });
      }
      expect(new Set(Object.values(substitutions).map((v) => v['Fn::GetAtt'][0]))).toEqual(new Set(fnIds));
    });

    it('deploys a definition left without `${` once CloudFormation substitutes', () => {
      // Prepare
      const props = machine();
      const location = props.DefinitionS3Location as { Key: string };
      const text = readFileSync(join(s.assemblyDir, `asset.${location.Key}`), 'utf8');
      const substitutions = props.DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>;
      // Act
      const deployed = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (match, name: string) =>
        substitutions[name] ? `arn:aws:lambda:eu-west-1:111111111111:function:${substitutions[name]['Fn::GetAtt'][0]}` : match,
      );
      const definition = JSON.parse(deployed) as { States: Record<string, AslTask> };
      // Assess
      expect(deployed).not.toContain('${');
      const tasks = Object.values(definition.States).filter((st) => st.Type === 'Task');
      // Validate serves the offboarding and the restore entry (ValidateRestore): 8 Task states, 7 functions.
      expect(tasks).toHaveLength(9);
      expect(new Set(tasks.map((t) => t.Resource!.split(':function:')[1])).size).toBe(8);
    });

    it('gives every step Lambda a timeout well inside its Task state timeout', () => {
      // Prepare: TimeoutSeconds per function, straight from the ASL file
      const states = Object.values(aslStates(OFFBOARDING_ASL_FILE)).filter((st) => st.Type === 'Task');
      const byId = new Map(functionProps(s));
      for (const [step, fn] of Object.entries(s.stack.offboarding.functions)) {
        const placeholder = OFFBOARDING_STEPS[step as keyof typeof OFFBOARDING_STEPS].placeholder;
        const stateTimeout = Math.min(
          ...states.filter((st) => st.Resource === '${' + placeholder + '}').map((st) => st.TimeoutSeconds!),
        );
        // Act
        const timeout = byId.get(logicalId(s.stack, fn.function))!.Timeout;
        // Assess: the Lambda gives up first, with room for a cold start's init phase (up to 10 s)
        expect([step, timeout <= stateTimeout - 20]).toEqual([step, true]);
      }
    });

    it('ends Disable and CheckStillDisabled before a restore stops waiting for them', () => {
      // Prepare
      const byId = new Map(functionProps(s));
      const { disableUser, checkStillDisabled } = s.stack.offboarding.functions;
      for (const fn of [disableUser, checkStillDisabled]) {
        // Act
        const timeout = byId.get(logicalId(s.stack, fn.function))!.Timeout;
        // Assess: invocation time (timeout) plus cold-start init (up to 10 s) within the restore's settle wait
        expect(timeout + 10).toBeLessThanOrEqual(CHANGING_STEP_TIMEOUT_SECONDS);
      }
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
                LogGroupArn: { 'Fn::GetAtt': [logicalId(s.stack, s.stack.offboarding.logGroup), 'Arn'] },
              },
            },
          ],
        },
      });
      expect(s.template.findResources('AWS::Logs::LogGroup')[logicalId(s.stack, s.stack.offboarding.logGroup)]).toMatchObject({
        Properties: { RetentionInDays: ONE_YEAR_IN_DAYS },
        DeletionPolicy: 'Retain',
      });
    });

    it('raises an alarm to the notification topic when an execution fails', () => {
      // Act + Assess
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(s.stack, s.stack.offboarding.stateMachine) } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: logicalId(s.stack, s.stack.notifications.topic) }],
      });
    });
  });

  describe('the snapshot bucket', () => {
    function bucket(construct: Parameters<typeof logicalId>[1]): Json {
      return s.template.findResources('AWS::S3::Bucket')[logicalId(s.stack, construct)]!;
    }
    function policyStatements(construct: Parameters<typeof logicalId>[1]): Json[] {
      const id = logicalId(s.stack, construct);
      const policy = Object.values(s.template.findResources('AWS::S3::BucketPolicy')).find(
        (p) => (p.Properties as { Bucket: { Ref: string } }).Bucket.Ref === id,
      )!;
      return (policy.Properties as { PolicyDocument: { Statement: Json[] } }).PolicyDocument.Statement;
    }

    it('is encrypted, versioned, private, kept when the stack is deleted, and logs access', () => {
      // Act
      const resource = bucket(s.stack.offboarding.bucket);
      // Assess
      expect(resource).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          VersioningConfiguration: { Status: 'Enabled' },
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          LoggingConfiguration: {
            DestinationBucketName: { Ref: logicalId(s.stack, s.stack.offboarding.accessLogsBucket) },
            LogFilePrefix: 'snapshot-bucket/',
          },
        },
      });
      // No lifecycle rule: nothing expires the records or their earlier versions.
      expect((resource.Properties as Json).LifecycleConfiguration).toBeUndefined();
    });

    it('refuses every request without TLS (and below TLS 1.2), and lets nobody else in', () => {
      // Act
      const statements = policyStatements(s.stack.offboarding.bucket);
      // Assess
      expect(statements).toEqual([
        expect.objectContaining({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
        expect.objectContaining({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
        }),
        // Writes and deletes only by the roles that write records (test/infra/permissions.test.ts has the list).
        expect.objectContaining({
          Sid: 'OnlyRecordWritersWrite',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': expect.any(Array) } },
        }),
      ]);
    });

    it('has an access-log bucket only the S3 logging service of this bucket writes to, expiring with the log retention', () => {
      // Act
      const resource = bucket(s.stack.offboarding.accessLogsBucket);
      const allows = policyStatements(s.stack.offboarding.accessLogsBucket).filter((st) => st.Effect === 'Allow');
      // Assess
      expect(resource).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          LifecycleConfiguration: { Rules: [{ ExpirationInDays: ONE_YEAR_IN_DAYS, Status: 'Enabled' }] },
        },
      });
      expect(allows).toEqual([
        expect.objectContaining({
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Condition: {
            ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(s.stack, s.stack.offboarding.bucket), 'Arn'] } },
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          },
        }),
      ]);
    });
  });

  describe('the HTTP API', () => {
    interface MethodProps {
      HttpMethod: string;
      AuthorizationType: string;
      ResourceId: { Ref: string };
      RequestValidatorId?: { Ref: string };
      RequestModels?: Record<string, { Ref: string }>;
      RequestParameters?: Record<string, boolean>;
      Integration: { Type: string; IntegrationHttpMethod: string; Uri: unknown };
    }

    /** Every method as "VERB /path", with its properties (paths rebuilt from the Resource tree). */
    function methods(): Map<string, MethodProps> {
      const resources = s.template.findResources('AWS::ApiGateway::Resource');
      const pathOf = (id: string): string => {
        const r = resources[id];
        if (!r) return '';
        const props = r.Properties as { PathPart: string; ParentId: { Ref?: string } };
        return `${pathOf(props.ParentId.Ref ?? '')}/${props.PathPart}`;
      };
      return new Map(
        Object.values(s.template.findResources('AWS::ApiGateway::Method')).map((m) => {
          const props = m.Properties as MethodProps;
          return [`${props.HttpMethod} ${pathOf(props.ResourceId.Ref)}`, props];
        }),
      );
    }

    it('has exactly the routes the API handler dispatches', () => {
      // Prepare: the route keys of functions/api/handler.ts
      const handler = readFileSync(join(REPO_ROOT, 'functions/api/handler.ts'), 'utf8');
      const handled = [...handler.matchAll(/^\s*'((?:GET|POST|PUT|PATCH|DELETE) \/[^']*)':/gm)].map((m) => m[1]);
      // Act
      const deployed = [...methods().keys()];
      // Assess
      expect(deployed.sort()).toEqual([...API_ROUTES].sort());
      expect(handled.sort()).toEqual([...API_ROUTES].sort());
    });

    it('requires AWS_IAM on every method and proxies each to the API function', () => {
      // Prepare
      const fn = logicalId(s.stack, s.stack.api.function.function);
      for (const [route, props] of methods()) {
        // Act + Assess
        expect([route, props.AuthorizationType]).toEqual([route, 'AWS_IAM']);
        expect(props.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
        expect(JSON.stringify(props.Integration.Uri)).toContain(`"${fn}","Arn"`);
      }
    });

    it('validates every request: JSON-schema models for the POST bodies, required userName path parameters', () => {
      // Prepare
      const validator = logicalId(s.stack, s.stack.api.requestValidator);
      const models = {
        'POST /offboardings': logicalId(s.stack, s.stack.api.offboardingRequestModel),
        'POST /rotations': logicalId(s.stack, s.stack.api.rotationRequestModel),
        'POST /offboardings/{userName}/approval': logicalId(s.stack, s.stack.api.approvalRequestModel),
        'POST /exposures': logicalId(s.stack, s.stack.api.exposureRequestModel),
      } as Record<string, string>;
      // Act
      const all = methods();
      // Assess
      s.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
        ValidateRequestBody: true,
        ValidateRequestParameters: true,
      });
      for (const [route, props] of all) {
        expect([route, props.RequestValidatorId]).toEqual([route, { Ref: validator }]);
        if (models[route]) expect(props.RequestModels).toEqual({ 'application/json': { Ref: models[route] } });
        else expect(props.RequestModels).toBeUndefined();
        if (route.includes('{userName}')) expect(props.RequestParameters).toEqual({ 'method.request.path.userName': true });
      }
    });

    it('describes the POST bodies exactly: known fields only, user name pattern, bounded strings and days', () => {
      // Act
      const schemaOf = (model: Parameters<typeof logicalId>[1]) =>
        (s.template.findResources('AWS::ApiGateway::Model')[logicalId(s.stack, model)]!.Properties as { Schema: Json }).Schema;
      // Assess
      expect(schemaOf(s.stack.api.offboardingRequestModel)).toEqual({
        $schema: 'http://json-schema.org/draft-04/schema#',
        title: 'OffboardingRequest',
        type: 'object',
        required: ['userName', 'reason'],
        additionalProperties: false,
        properties: {
          userName: { type: 'string', pattern: '^[\\w+=,.@-]{1,64}$' },
          reason: { type: 'string', minLength: 1, maxLength: 1000 },
          requestedBy: { type: 'string', minLength: 1, maxLength: 256 },
          observationDays: { type: 'integer', minimum: 1, maximum: 360 },
        },
      });
      expect(schemaOf(s.stack.api.rotationRequestModel)).toEqual({
        $schema: 'http://json-schema.org/draft-04/schema#',
        title: 'RotationRequest',
        type: 'object',
        required: ['userName'],
        additionalProperties: false,
        properties: { userName: { type: 'string', pattern: '^[\\w+=,.@-]{1,64}$' } },
      });
      expect(schemaOf(s.stack.api.approvalRequestModel)).toEqual({
        $schema: 'http://json-schema.org/draft-04/schema#',
        title: 'ApprovalRequest',
        type: 'object',
        required: ['action'],
        additionalProperties: false,
        properties: {
          action: { type: 'string', enum: ['offboard', 'cancel'] },
          requestId: { type: 'string', pattern: '^(offboard|cancel)-[0-9]{4,}$' },
        },
      });
      // The same limits as the code behind it.
      expect(MAX_OBSERVATION_DAYS).toBe(SERVICE_MAX_OBSERVATION_DAYS);
      const pattern = new RegExp(USER_NAME_PATTERN);
      expect(['ci.deployer@corp', 'a', 'x'.repeat(64), 'a+b=c,d_e-f'].every((n) => pattern.test(n))).toBe(true);
      expect(['', 'x'.repeat(65), 'has space', 'slash/name', 'semi;colon'].some((n) => pattern.test(n))).toBe(false);
    });

    it('logs access as JSON with the IAM caller to a log group with a retention, traces and throttles the stage', () => {
      // Act
      const stage = s.template.findResources('AWS::ApiGateway::Stage');
      // Assess
      expect(Object.keys(stage)).toHaveLength(1);
      const props = Object.values(stage)[0]!.Properties as {
        AccessLogSetting: { DestinationArn: unknown; Format: string };
        MethodSettings: Json[];
        TracingEnabled: boolean;
        StageName: string;
      };
      expect(render(props.AccessLogSetting.DestinationArn)).toContain(
        `:log-group:{Ref:${logicalId(s.stack, s.stack.api.accessLogGroup)}}`,
      );
      const format = JSON.parse(props.AccessLogSetting.Format) as Record<string, string>;
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        userArn: '$context.identity.userArn',
        caller: '$context.identity.caller',
        status: '$context.status',
        resourcePath: '$context.resourcePath',
        validationError: '$context.error.validationErrorString',
      });
      expect(props.TracingEnabled).toBe(true);
      expect(props.StageName).toBe('v1');
      expect(props.MethodSettings).toEqual([
        expect.objectContaining({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 10,
          ThrottlingBurstLimit: 20,
          MetricsEnabled: true,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        }),
      ]);
      expect(s.template.findResources('AWS::Logs::LogGroup')[logicalId(s.stack, s.stack.api.accessLogGroup)]).toMatchObject({
        Properties: { RetentionInDays: ONE_YEAR_IN_DAYS },
        DeletionPolicy: 'Retain',
      });
      // The stage waits for the account's logging role, or its deployment could fail.
      expect(Object.values(stage)[0]!.DependsOn).toEqual(
        expect.arrayContaining([logicalId(s.stack, s.stack.api.node.findChild('Account'))]),
      );
    });

    it('lets API Gateway invoke the function only for its own methods on this stage, without console test calls', () => {
      // Act
      const permissions = Object.values(s.template.findResources('AWS::Lambda::Permission'))
        .map((p) => p.Properties as { Principal: string; FunctionName: unknown; SourceArn: unknown })
        .filter((p) => p.Principal !== 'events.amazonaws.com'); // the reactions' rules (test/infra/reactions.test.ts)
      // Assess
      expect(permissions).toHaveLength(API_ROUTES.length);
      for (const p of permissions) {
        expect(p.Principal).toBe('apigateway.amazonaws.com');
        expect(p.FunctionName).toEqual({ 'Fn::GetAtt': [logicalId(s.stack, s.stack.api.function.function), 'Arn'] });
        expect(render(p.SourceArn)).toContain(`/{Ref:${logicalId(s.stack, s.stack.api.api.deploymentStage)}}/`);
        expect(render(p.SourceArn)).not.toContain('test-invoke-stage');
      }
    });

    it('raises an alarm to the notification topic when the API answers 5xx', () => {
      // Act + Assess
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApiGateway',
        MetricName: '5XXError',
        Dimensions: [{ Name: 'ApiName', Value: Match.anyValue() }],
        Statistic: 'Sum',
        Threshold: 1,
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

  it('outputs what operators and the CLI need: topic, state machines, scan function, secrets key, bucket, API URL', () => {
    // Act
    const outputs = s.template.findOutputs('*');
    // Assess
    expect(Object.keys(outputs).sort()).toEqual([
      'ApiUrl',
      'ExposureStateMachineArn',
      'NotificationTopicArn',
      'OffboardingStateMachineArn',
      'RotationStateMachineArn',
      'ScanFunctionName',
      'SecretsKmsKeyArn',
      'SnapshotBucketName',
    ]);
    expect(outputs.OffboardingStateMachineArn!.Value).toEqual({ Ref: logicalId(s.stack, s.stack.offboarding.stateMachine) });
    expect(outputs.SnapshotBucketName!.Value).toEqual({ Ref: logicalId(s.stack, s.stack.offboarding.bucket) });
    expect(render(outputs.ApiUrl!.Value)).toBe(
      `https://{Ref:${logicalId(s.stack, s.stack.api.api)}}.execute-api.{Ref:AWS::Region}.{Ref:AWS::URLSuffix}/` +
        `{Ref:${logicalId(s.stack, s.stack.api.api.deploymentStage)}}/`,
    );
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
