/**
 * cdk-nag AwsSolutions checks: no unacknowledged finding (error or warning), every acknowledgement
 * reasoned and pointing at something that exists, and the checks are wired into `cdk synth`.
 */
import { App, Validations, type Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../infra/app';
import { flattenCfnValue } from '../../infra/nag';
import { asArray, CDK_JSON_CONTEXT, logicalId, roleStatements, synth, type Synthesized } from './support';

interface AcknowledgementEntry {
  readonly path: string;
  readonly construct: IConstruct;
  readonly id: string;
  readonly reason: string;
}

function acknowledgements(stack: Stack): AcknowledgementEntry[] {
  const entries: AcknowledgementEntry[] = [];
  for (const construct of stack.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        entries.push({ path: construct.node.path, construct, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return entries;
}

function violations(stack: Stack) {
  return new AwsSolutionsChecks().validateScope(stack).violations;
}

/** The default stack built with acknowledgements on the REST API ignored (checks only, no synth). */
function synthWithoutApiAcknowledgements(): Stack {
  const original = Validations.prototype.acknowledge;
  const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (this: Validations, ack) {
    if (!/^AwsSolutions-(APIG|COG)/.test(ack.id)) original.call(this, ack);
  });
  try {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    return buildApp(app).stack;
  } finally {
    spy.mockRestore();
  }
}

describe('cdk-nag AwsSolutions checks on the default stack', () => {
  let s: Synthesized;
  beforeAll(() => {
    // buildApp registers AwsSolutionsChecks as a validation plugin: synth itself fails on a finding.
    s = synth({}, { bundle: false });
  });

  it('report no unacknowledged error or warning', () => {
    // Act
    const found = violations(s.stack);
    // Assess
    expect(
      found.map((v) => `${v.ruleName} (${v.severity}) at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    ).toEqual([]);
  });

  it('leave no CDK error or warning annotation', () => {
    // Act
    const annotations = Annotations.fromStack(s.stack);
    // Assess
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('acknowledge only the reviewed findings, each with a specific reason', () => {
    // Act
    const acks = acknowledgements(s.stack);
    // Assess
    const summary = [...new Set(acks.map((a) => a.id))].sort();
    expect(summary).toEqual(
      [
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:group/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:mfa/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:iam-user-lifecycle/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<KeyRotationStateMachine66548551.Name>:*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<OffboardingStateMachineDCDEFA80.Name>:*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:IamUserLifecycle-KeyRotation:*]',
        // The offboarding steps' execution guard and history reads (fixed state machine name).
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:IamUserLifecycle-Offboarding:*]',
        // The exposure steps' execution guard and the starters' look-up of a running response.
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:IamUserLifecycle-ExposureResponse:*]',
        'AwsSolutions-IAM5[Resource::<OffboardingSnapshotBucketAA4520F5.Arn>/offboarding/*]',
        'AwsSolutions-IAM5[Resource::<OffboardingSnapshotBucketAA4520F5.Arn>/approvals/*]',
        // The reactions' idempotency markers and re-enable records (keyed by CloudTrail eventID).
        'AwsSolutions-IAM5[Resource::<OffboardingSnapshotBucketAA4520F5.Arn>/reactions/events/*]',
        'AwsSolutions-IAM5[Resource::<OffboardingSnapshotBucketAA4520F5.Arn>/offboarding/*/reenabled/*]',
        // The scan's write-once reminder markers (functions/scan/signals-phase.ts), keyed by user.
        'AwsSolutions-IAM5[Resource::<OffboardingSnapshotBucketAA4520F5.Arn>/signals/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*]',
        'AwsSolutions-APIG3',
        'AwsSolutions-COG4',
        'AwsSolutions-L1',
        // The AWS Health rule's dead-letter queue has no dead-letter queue of its own.
        'AwsSolutions-SQS3',
      ].sort(),
    );
    for (const ack of acks) {
      expect(ack.reason.length).toBeGreaterThanOrEqual(80);
      expect(ack.reason.toLowerCase()).not.toMatch(/^(ok|fine|n\/a|not needed|suppress)/);
    }
  });

  it('acknowledge IAM5 only on roles whose policy has exactly that wildcard resource', () => {
    for (const ack of acknowledgements(s.stack).filter((a) => a.id.startsWith('AwsSolutions-IAM5'))) {
      // Prepare
      const role = ack.construct as iam.Role;
      expect(role).toBeInstanceOf(iam.Role);
      const resource = /\[Resource::(.*)\]$/.exec(ack.id)![1];
      // Act
      const allowed = roleStatements(s.template, logicalId(s.stack, role))
        .filter((st) => st.Effect === 'Allow')
        .flatMap((st) => asArray(st.Resource).map(flattenCfnValue));
      // Assess
      expect([ack.path, allowed]).toEqual([ack.path, expect.arrayContaining([resource])]);
    }
  });

  it('acknowledge AwsSolutions-L1 (runtime) on every deployed function only', () => {
    // Act
    const l1 = acknowledgements(s.stack).filter((a) => a.id === 'AwsSolutions-L1');
    // Assess
    const functions = [
      ...Object.values(s.stack.keyRotation.functions),
      s.stack.dailyScan.function,
      ...Object.values(s.stack.offboarding.functions),
      s.stack.api.function,
      s.stack.reactions.function,
      ...Object.values(s.stack.exposure.functions),
      s.stack.exposure.health.function,
    ];
    expect(functions).toHaveLength(25);
    expect(l1.map((a) => a.path).sort()).toEqual(functions.map((f) => f.function.node.path).sort());
  });

  it('acknowledge the API findings (no WAF, no Cognito) on the REST API only, and fix the rest', () => {
    // Act
    const api = acknowledgements(s.stack).filter((a) => /^AwsSolutions-(APIG|COG)/.test(a.id));
    // Assess
    expect(api.map((a) => [a.id, a.path]).sort()).toEqual(
      [
        ['AwsSolutions-APIG3', s.stack.api.api.node.path],
        ['AwsSolutions-COG4', s.stack.api.api.node.path],
      ].sort(),
    );
    // Access logging (APIG1), request validation (APIG2), authorization (APIG4) and execution logging
    // (APIG6) are configured, not acknowledged: with the acknowledgements removed, only these two remain.
    const unacknowledged = new AwsSolutionsChecks()
      .validateScope(synthWithoutApiAcknowledgements())
      .violations.map((v) => v.ruleName)
      .filter((rule) => /^AwsSolutions-(APIG|COG)/.test(rule));
    expect([...new Set(unacknowledged)].sort()).toEqual(['AwsSolutions-APIG3', 'AwsSolutions-COG4']);
  });
});

describe('cdk-nag AwsSolutions checks on a stack shaped by the config', () => {
  it('report nothing for a managed path, managed tag and protected users', () => {
    // Prepare
    const s = synth(
      {
        lifecycleConfig: {
          managedUsers: { pathPrefix: '/service-accounts/', tag: { key: 'lifecycle', value: 'managed' } },
          protectedUsers: { userNames: ['break-glass'], tagKey: 'security:protected' },
          secretPrefix: 'prod/iam-keys',
        },
      },
      { bundle: false },
    );
    // Act
    const found = violations(s.stack);
    // Assess
    expect(found).toEqual([]);
  });
});

describe('the cdk-nag wiring', () => {
  it('fails synth on a new unacknowledged wildcard, so the checks above can fail', () => {
    // Prepare
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const { stack } = buildApp(app);
    stack.keyRotation.functions.notify.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['iam:List*'], resources: ['*'] }),
    );
    // Act
    const found = violations(stack).map((v) => v.ruleName);
    const synthesize = () => app.synth();
    // Assess
    expect(found).toEqual(expect.arrayContaining(['AwsSolutions-IAM5[Action::iam:List*]', 'AwsSolutions-IAM5[Resource::*]']));
    expect(synthesize).toThrow(/AwsSolutions-IAM5\[Action::iam:List\*\]/);
  });
});
