/**
 * The member StackSet construct alone (no app synth): regions, deployment targets, who calls it, and
 * a template too large for an inline body.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_ORGANIZATION, type OrganizationConfig } from '../../functions/shared/organization-config';
import { MAX_TEMPLATE_BODY_BYTES, MemberStackSet, type MemberStackSetProps } from '../../infra/organization/stack-set';

const ORG: OrganizationConfig = {
  ...DEFAULT_ORGANIZATION,
  enabled: true,
  organizationId: 'o-a1b2c3d4e5',
  targetOrganizationalUnitIds: ['ou-x7k2-9d8f3a1b'],
};

function stackSet(region: string | undefined, props: Partial<MemberStackSetProps> = {}): Record<string, unknown> {
  const app = new App();
  const stack = new Stack(app, 'Hub', region ? { env: { region } } : {});
  new MemberStackSet(stack, 'MemberStackSet', {
    organization: ORG,
    template: { Resources: {} },
    hubRoleArns: { scan: ['arn:aws:iam::111111111111:role/scan'] },
    eventBusArn: 'arn:aws:events:eu-west-1:111111111111:event-bus/hub',
    ...props,
  });
  const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::CloudFormation::StackSet'));
  return resource!.Properties as Record<string, unknown>;
}

const group = (props: Record<string, unknown>) =>
  (props.StackInstancesGroup as { DeploymentTargets: Record<string, unknown>; Regions: unknown }[])[0]!;

describe('the member StackSet', () => {
  it('deploys to us-east-1 and the hub region, once each', () => {
    // Act
    const elsewhere = stackSet('eu-west-1');
    const inUsEast1 = stackSet('us-east-1');
    // Assess
    expect(group(elsewhere).Regions).toEqual(['us-east-1', 'eu-west-1']);
    expect(group(inUsEast1).Regions).toEqual(['us-east-1']);
    expect(elsewhere.Parameters).toEqual(expect.arrayContaining([{ ParameterKey: 'HomeRegion', ParameterValue: 'eu-west-1' }]));
  });

  it('is created by a delegated administrator when told so, by the management account otherwise', () => {
    // Act / Assess
    expect(stackSet('eu-west-1', { callAs: 'DELEGATED_ADMIN' }).CallAs).toBe('DELEGATED_ADMIN');
    expect(stackSet('eu-west-1').CallAs).toBe('SELF');
  });

  it('leaves out excluded accounts, and keeps to the listed accounts when there is a list', () => {
    // Prepare
    const organization = { ...ORG, accountIds: ['333333333333', '444444444444'], excludedAccountIds: ['444444444444'] };
    // Act
    const listed = group(stackSet('eu-west-1', { organization }));
    const excluded = group(stackSet('eu-west-1', { organization: { ...ORG, excludedAccountIds: ['444444444444'] } }));
    const whole = group(stackSet('eu-west-1'));
    // Assess
    expect(listed.DeploymentTargets).toEqual({
      OrganizationalUnitIds: ['ou-x7k2-9d8f3a1b'],
      AccountFilterType: 'INTERSECTION',
      Accounts: ['333333333333'],
    });
    expect(excluded.DeploymentTargets).toEqual({
      OrganizationalUnitIds: ['ou-x7k2-9d8f3a1b'],
      AccountFilterType: 'DIFFERENCE',
      Accounts: ['444444444444'],
    });
    expect(whole.DeploymentTargets).toEqual({ OrganizationalUnitIds: ['ou-x7k2-9d8f3a1b'] });
  });

  it('passes a template larger than an inline body allows through an S3 asset', () => {
    // Prepare
    const large = { Description: 'x'.repeat(MAX_TEMPLATE_BODY_BYTES), Resources: {} };
    // Act
    const props = stackSet('eu-west-1', { template: large });
    const small = stackSet('eu-west-1');
    // Assess
    expect(props.TemplateBody).toBeUndefined();
    expect(JSON.stringify(props.TemplateURL)).toMatch(/https:\/\/s3\.eu-west-1\..*-assets-.*\.json/);
    expect(JSON.parse(small.TemplateBody as string)).toEqual({ Resources: {} });
  });

  it('passes each capability its hub role ARNs, comma-separated', () => {
    // Act
    const props = stackSet('eu-west-1', {
      hubRoleArns: { rotation: ['arn:aws:iam::111111111111:role/a', 'arn:aws:iam::111111111111:role/b'] },
    });
    // Assess
    expect(props.Parameters).toEqual([
      { ParameterKey: 'HomeRegion', ParameterValue: 'eu-west-1' },
      { ParameterKey: 'HubEventBusArn', ParameterValue: 'arn:aws:events:eu-west-1:111111111111:event-bus/hub' },
      {
        ParameterKey: 'HubRotationRoleArns',
        ParameterValue: 'arn:aws:iam::111111111111:role/a,arn:aws:iam::111111111111:role/b',
      },
    ]);
  });
});
