/**
 * The member stack alone: what the secrets option and the hub's capabilities change in it.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../functions/shared/config';
import type { MemberCapability } from '../../functions/shared/organization-config';
import { MemberStack } from '../../infra/organization/member-stack';
import { asArray, type Statement } from './support';

function member(secrets: 'member' | 'central', capabilities: MemberCapability[]): Template {
  const config = parseConfig({
    organization: {
      enabled: true,
      organizationId: 'o-a1b2c3d4e5',
      targetOrganizationalUnitIds: ['ou-x7k2-9d8f3a1b'],
      secrets,
    },
  });
  return Template.fromStack(new MemberStack(new App(), 'Member', { config, capabilities }));
}

const actionsOf = (template: Template): string[] =>
  Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap((p) =>
    (p.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement.flatMap((st) => asArray(st.Action)),
  );

describe('the member stack', () => {
  it('keeps secrets out of member accounts with secrets "central": no key, no secret permission', () => {
    // Act
    const central = member('central', ['rotation', 'offboarding', 'read']);
    const local = member('member', ['rotation', 'offboarding', 'read']);
    // Assess
    expect(Object.keys(central.findResources('AWS::KMS::Key'))).toHaveLength(0);
    expect(actionsOf(central).filter((a) => /^(secretsmanager|kms):/.test(a))).toEqual([]);
    expect(Object.keys(local.findResources('AWS::KMS::Key'))).toHaveLength(1);
    local.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/iam-lifecycle-member-secrets' });
    expect(actionsOf(local)).toEqual(expect.arrayContaining(['secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret']));
  });

  it('creates a role only for the capabilities the hub acts with, and none for exposure until the hub has it', () => {
    // Act
    const template = member('member', ['scan', 'exposure']);
    // Assess
    const names = Object.values(template.findResources('AWS::IAM::Role')).map(
      (r) => (r.Properties as { RoleName?: string }).RoleName,
    );
    expect(names.filter((n) => n !== undefined)).toEqual(['iam-lifecycle-member-scan']);
    expect(Object.keys(template.toJSON().Parameters as object)).toEqual(['HomeRegion', 'HubEventBusArn', 'HubScanRoleArns']);
  });

  it('needs no CDK bootstrap in the member accounts', () => {
    // Act
    const template = member('central', ['scan']).toJSON() as { Parameters: object; Rules?: object };
    // Assess
    expect(template.Parameters).not.toHaveProperty('BootstrapVersion');
    expect(template.Rules ?? {}).not.toHaveProperty('CheckBootstrapVersion');
  });
});
