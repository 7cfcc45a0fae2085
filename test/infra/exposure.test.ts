/**
 * The deployed exposure response, on the synthesized template: each role's exact permissions, the
 * containment policy (a stack-owned managed deny, attached by exactly one role, no inline policy
 * written by anyone), the state machine's Lambda placeholders, the AWS Health rule with all five
 * codes, its dead-letter queue, and POST /exposures in the API.
 */
import { EXPOSURE_EVENT_CODES } from '../../functions/exposure/health';
import { CONTAINMENT_STATEMENT } from '../../functions/exposure/domain';
import type { LifecycleFunction } from '../../infra/constructs/lifecycle-function';
import { workflowIdentity } from '../../infra/constructs/workflow-identity';
import { allIdentityStatements, asArray, logicalId, render, roleStatements, synth, type Synthesized } from './support';

const PARTITION = '{Ref:AWS::Partition}';
const ACCOUNT = '{Ref:AWS::AccountId}';
const userArn = (resource: string) => `arn:${PARTITION}:iam::${ACCOUNT}:user/${resource}`;

/** `action on label` for every Allow of the function's role, the resources named as in permissions.test.ts. */
function allowed(s: Synthesized, fn: LifecycleFunction): string[] {
  const { stack } = s;
  const exposure = workflowIdentity(stack, 'exposure');
  const labels = new Map<string, string>([
    ['*', '*'],
    [render(stack.resolve(fn.logGroup.logGroupArn)), 'own log group'],
    [render(stack.resolve(stack.notifications.topic.topicArn)), 'topic'],
    [render(stack.resolve(stack.notifications.key.keyArn)), 'topic key'],
    [render(stack.resolve(stack.secretsKey.secretArnPattern)), 'managed secrets'],
    [render(stack.resolve(exposure.executionArnPattern)), 'exposure executions'],
    [render(stack.resolve(stack.exposure.stateMachine.stateMachineArn)), 'exposure state machine'],
    [render(stack.resolve(stack.exposure.health.deadLetterQueue.queueArn)), 'dead-letter queue'],
    [userArn('*'), 'managed users'],
  ]);
  return roleStatements(s.template, logicalId(stack, fn.role))
    .filter((st) => st.Effect === 'Allow')
    .flatMap((st) =>
      asArray(st.Action).flatMap((action) =>
        asArray(st.Resource).map((r) => `${action} on ${labels.get(render(r)) ?? `UNEXPECTED ${render(r)}`}`),
      ),
    )
    .sort();
}

const LOGS = ['logs:CreateLogStream on own log group', 'logs:PutLogEvents on own log group'];
const PUBLISH = ['sns:Publish on topic', 'kms:GenerateDataKey on topic key', 'kms:Decrypt on topic key'];
const CHECK = ['states:DescribeExecution on exposure executions'];
const onUsers = (...actions: string[]) => actions.map((a) => `iam:${a} on managed users`);
const USER = onUsers('GetUser', 'ListUserTags');

const EXPECTED: Record<string, string[]> = {
  assess: [...LOGS, ...USER, ...onUsers('ListAccessKeys', 'ListAttachedUserPolicies'), ...CHECK],
  contain: [...LOGS, ...USER, ...onUsers('AttachUserPolicy'), ...CHECK],
  createAndStore: [
    ...LOGS,
    ...USER,
    ...onUsers('ListAccessKeys', 'GetAccessKeyLastUsed', 'CreateAccessKey', 'DeleteAccessKey'),
    'secretsmanager:DescribeSecret on managed secrets',
    'secretsmanager:GetResourcePolicy on managed secrets',
    'secretsmanager:PutResourcePolicy on managed secrets',
    'secretsmanager:PutSecretValue on managed secrets',
    'secretsmanager:CreateSecret on managed secrets',
    'secretsmanager:TagResource on managed secrets',
    ...CHECK,
    ...PUBLISH,
  ],
  deactivateExposedKey: [...LOGS, ...USER, ...onUsers('UpdateAccessKey'), ...CHECK],
  reportExposure: [...LOGS, 'cloudtrail:LookupEvents on *', ...CHECK, ...PUBLISH],
  deleteExposedKey: [...LOGS, ...USER, ...onUsers('ListAccessKeys', 'DeleteAccessKey'), ...CHECK, ...PUBLISH],
  notifyFailed: [...LOGS, ...PUBLISH],
  health: [
    ...LOGS,
    ...onUsers('GetAccessKeyLastUsed'),
    'states:StartExecution on exposure state machine',
    'states:DescribeExecution on exposure executions',
    // SqsDestination (handler failures after Lambda's async retries): send, and find the queue.
    'sqs:SendMessage on dead-letter queue',
    'sqs:GetQueueAttributes on dead-letter queue',
    'sqs:GetQueueUrl on dead-letter queue',
  ],
};

function exposureFunctions(s: Synthesized): Record<string, LifecycleFunction> {
  return { ...s.stack.exposure.functions, health: s.stack.exposure.health.function };
}

describe('exposure response with the default config', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({}, { bundle: false });
  });

  it.each(Object.keys(EXPECTED))('the %s role allows exactly what its handler calls', (name) => {
    // Act
    const permissions = allowed(s, exposureFunctions(s)[name]!);
    // Assess
    expect(permissions).toEqual([...EXPECTED[name]!].sort());
  });

  it('denies IAM writes on protected users in every exposure role with IAM permissions', () => {
    for (const [name, fn] of Object.entries(exposureFunctions(s))) {
      // Act
      const statements = roleStatements(s.template, logicalId(s.stack, fn.role));
      const hasIam = statements.some((st) => st.Effect === 'Allow' && asArray(st.Action).some((a) => a.startsWith('iam:')));
      const deny = statements.find((st) => st.Sid === 'DenyWritesOnProtectedTag');
      // Assess
      expect([name, deny !== undefined]).toEqual([name, hasIam]);
    }
  });

  it('lets no role of the stack put an inline policy', () => {
    // Act
    const puts = allIdentityStatements(s.template).filter(
      (st) => st.Effect === 'Allow' && asArray(st.Action).some((a) => /^iam:(Put|\*|Put\*)/.test(a) || a === '*'),
    );
    // Assess
    expect(puts).toEqual([]);
  });

  it('creates the containment policy as a managed deny of temporary credentials, attachable by Contain only', () => {
    // Prepare
    const policyArn = s.stack.resolve(s.stack.exposure.containmentPolicy.managedPolicyArn) as unknown;
    const policy = s.template.toJSON().Resources[logicalId(s.stack, s.stack.exposure.containmentPolicy)] as {
      Properties: { PolicyDocument: { Statement: unknown[] } };
    };
    const contain = s.stack.exposure.functions.contain;
    const containEnv = (
      s.template.toJSON().Resources[logicalId(s.stack, contain.function)] as {
        Properties: { Environment: { Variables: Record<string, unknown> } };
      }
    ).Properties.Environment.Variables;
    // Act
    const attachers = allIdentityStatements(s.template).filter(
      (st) =>
        st.Effect === 'Allow' &&
        asArray(st.Action).includes('iam:AttachUserPolicy') &&
        JSON.stringify(st.Condition).includes(JSON.stringify(policyArn)),
    );
    const containAttach = roleStatements(s.template, logicalId(s.stack, contain.role)).filter((st) =>
      asArray(st.Action).includes('iam:AttachUserPolicy'),
    );
    // Assess
    expect(policy.Properties.PolicyDocument.Statement).toEqual([CONTAINMENT_STATEMENT]);
    expect(containEnv.EXPOSURE_CONTAINMENT_POLICY_ARN).toEqual(policyArn);
    expect(attachers).toHaveLength(1);
    expect(containAttach).toEqual([
      expect.objectContaining({
        Sid: 'AttachContainmentPolicyOnly',
        Action: 'iam:AttachUserPolicy',
        Condition: { ArnEquals: { 'iam:PolicyARN': [policyArn] } },
      }),
    ]);
    // No role detaches it (a person does, after the 36 h bound): no DetachUserPolicy names it.
    const detachers = allIdentityStatements(s.template).filter(
      (st) => asArray(st.Action).includes('iam:DetachUserPolicy') && JSON.stringify(st.Condition ?? {}).includes('Containment'),
    );
    expect(detachers).toEqual([]);
  });

  it('binds every Lambda placeholder of exposure.asl.json to its own step function', () => {
    // Act
    const machine = s.template.toJSON().Resources[logicalId(s.stack, s.stack.exposure.stateMachine)] as {
      Properties: { DefinitionSubstitutions: Record<string, unknown> };
    };
    // Assess
    const expected = Object.fromEntries(
      Object.entries({
        AssessExposureFunctionArn: 'assess',
        ContainExposureFunctionArn: 'contain',
        ExposureCreateAndStoreKeyFunctionArn: 'createAndStore',
        DeactivateExposedKeyFunctionArn: 'deactivateExposedKey',
        ReportExposureFunctionArn: 'reportExposure',
        DeleteExposedKeyFunctionArn: 'deleteExposedKey',
        ExposureNotifyFailedFunctionArn: 'notifyFailed',
      }).map(([placeholder, step]) => [
        placeholder,
        {
          'Fn::GetAtt': [
            logicalId(s.stack, s.stack.exposure.functions[step as keyof typeof s.stack.exposure.functions].function),
            'Arn',
          ],
        },
      ]),
    );
    expect(machine.Properties.DefinitionSubstitutions).toEqual(expected);
  });

  it('routes AWS Health RISK events under all five exposure codes to the Health Lambda, with a DLQ and retries', () => {
    // Act
    const rules = Object.values(s.template.findResources('AWS::Events::Rule')) as {
      Properties: {
        EventPattern: { source?: string[]; 'detail-type'?: string[]; detail?: Record<string, unknown> };
        Targets: { Arn: unknown; DeadLetterConfig?: { Arn: unknown }; RetryPolicy?: Record<string, number> }[];
      };
    }[];
    const health = rules.filter((r) => r.Properties.EventPattern.source?.[0] === 'aws.health');
    const fn = s.stack.exposure.health.function.function;
    const dlq = { 'Fn::GetAtt': [logicalId(s.stack, s.stack.exposure.health.deadLetterQueue), 'Arn'] };
    const asyncConfig = Object.values(s.template.findResources('AWS::Lambda::EventInvokeConfig')) as {
      Properties: { FunctionName: unknown; DestinationConfig: { OnFailure: { Destination: unknown } } };
    }[];
    // Assess
    expect(health).toHaveLength(1);
    expect(health[0]!.Properties.EventPattern).toEqual({
      source: ['aws.health'],
      'detail-type': ['AWS Health Event'],
      detail: { service: ['RISK'], eventTypeCode: [...EXPOSURE_EVENT_CODES] },
    });
    expect([...EXPOSURE_EVENT_CODES].sort()).toEqual([
      'AWS_RISK_CREDENTIALS_COMPROMISED',
      'AWS_RISK_CREDENTIALS_COMPROMISE_SUSPECTED',
      'AWS_RISK_CREDENTIALS_EXPOSED',
      'AWS_RISK_CREDENTIALS_EXPOSURE_SUSPECTED',
      'AWS_RISK_IAM_QUARANTINE',
    ]);
    expect(health[0]!.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [logicalId(s.stack, fn), 'Arn'] },
        DeadLetterConfig: { Arn: dlq },
        RetryPolicy: { MaximumEventAgeInSeconds: 21600, MaximumRetryAttempts: 8 },
      }),
    ]);
    // A handler failure after Lambda's own retries lands in the same queue.
    expect(asyncConfig).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          FunctionName: { Ref: logicalId(s.stack, fn) },
          DestinationConfig: { OnFailure: { Destination: dlq } },
        }),
      }),
    ]);
  });

  it('tells the starters the exposure state machine, and both secret writers every writer role', () => {
    // Prepare
    const envOf = (fn: LifecycleFunction) =>
      (
        s.template.toJSON().Resources[logicalId(s.stack, fn.function)] as {
          Properties: { Environment: { Variables: Record<string, unknown> } };
        }
      ).Properties.Environment.Variables;
    const machineArn = s.stack.resolve(s.stack.exposure.stateMachine.stateMachineArn) as unknown;
    const rotationWriter = s.stack.keyRotation.functions.createAndStore;
    const exposureWriter = s.stack.exposure.functions.createAndStore;
    const writers = JSON.stringify([s.stack.resolve(rotationWriter.role.roleArn), s.stack.resolve(exposureWriter.role.roleArn)]);
    // Act
    const starters = [s.stack.exposure.health.function, s.stack.api.function].map((fn) => envOf(fn).EXPOSURE_STATE_MACHINE_ARN);
    const writerEnvs = [rotationWriter, exposureWriter].map((fn) => JSON.stringify(envOf(fn).SECRET_WRITER_ROLE_ARNS));
    // Assess
    expect(starters).toEqual([machineArn, machineArn]);
    for (const env of writerEnvs) {
      for (const role of JSON.parse(writers) as unknown[]) expect(env).toContain(JSON.stringify(role));
    }
  });

  it('lets the API start and find exposure responses, and deploys POST /exposures', () => {
    // Prepare
    const api = roleStatements(s.template, logicalId(s.stack, s.stack.api.function.role));
    const machineArn = s.stack.resolve(s.stack.exposure.stateMachine.stateMachineArn) as unknown;
    // Act
    const start = api.filter((st) => st.Sid === 'StartExposureResponses');
    const methods = Object.values(s.template.findResources('AWS::ApiGateway::Method')) as {
      Properties: { HttpMethod: string; AuthorizationType: string; ResourceId: unknown };
    }[];
    const exposures = Object.entries(s.template.findResources('AWS::ApiGateway::Resource')).find(
      ([, r]) => (r.Properties as { PathPart: string }).PathPart === 'exposures',
    );
    // Assess
    expect(start).toEqual([expect.objectContaining({ Action: 'states:StartExecution', Resource: machineArn })]);
    expect(exposures).toBeDefined();
    expect(methods.filter((m) => JSON.stringify(m.Properties.ResourceId) === JSON.stringify({ Ref: exposures![0] }))).toEqual([
      expect.objectContaining({ Properties: expect.objectContaining({ HttpMethod: 'POST', AuthorizationType: 'AWS_IAM' }) }),
    ]);
  });
});

describe('exposure response with a managed path', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({ lifecycleConfig: { managedUsers: { pathPrefix: '/service-accounts/' } } }, { bundle: false });
  });

  it('finds a key owner on any user (read-only), and writes on managed users only', () => {
    // Act
    const health = roleStatements(s.template, logicalId(s.stack, s.stack.exposure.health.function.role));
    const writes = Object.values(s.stack.exposure.functions).flatMap((fn) =>
      roleStatements(s.template, logicalId(s.stack, fn.role)).filter(
        (st) => st.Effect === 'Allow' && asArray(st.Action).some((a) => /^iam:(Create|Update|Delete|Attach)/.test(a)),
      ),
    );
    // Assess
    expect(health.filter((st) => st.Sid === 'FindKeyOwnerAnyUser')).toEqual([
      expect.objectContaining({ Action: 'iam:GetAccessKeyLastUsed', Resource: expect.anything() }),
    ]);
    expect(render(health.find((st) => st.Sid === 'FindKeyOwnerAnyUser')!.Resource)).toBe(userArn('*'));
    expect(writes.length).toBe(4); // Contain, CreateAndStoreKey, DeactivateExposedKey, DeleteExposedKey
    for (const st of writes) expect(asArray(st.Resource).map(render)).toEqual([userArn('service-accounts/*')]);
  });
});
