/**
 * Helpers for the CDK tests: build the real app (infra/app.ts) from a context, synthesize it once per
 * describe block, and read IAM policies out of the template by role.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../infra/app';
import type { IamUserLifecycleStack } from '../../infra/stack';

export interface Synthesized {
  readonly app: App;
  readonly stack: IamUserLifecycleStack;
  readonly template: Template;
  /** Cloud assembly directory (assets, e.g. the state machine definition). */
  readonly assemblyDir: string;
}

export interface SynthOptions {
  /**
   * Bundle the Lambdas with esbuild. Bundling changes only the code assets, not the template's
   * IAM, resources or cdk-nag findings, so only stack.test.ts (which reads the bundles) bundles; the
   * others skip it to keep the infra tests fast on small machines.
   * @default true
   */
  readonly bundle?: boolean;
}

/** The context of cdk.json (feature flags), which the CLI passes to the app and `new App()` does not. */
export const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> }
).context;

/** Builds and synthesizes the app as `cdk synth` would, with `context` as given by `-c` on top of cdk.json. */
export function synth(context: Record<string, unknown> = {}, options: SynthOptions = {}): Synthesized {
  const app = new App({
    context: {
      ...CDK_JSON_CONTEXT,
      ...context,
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
    },
  });
  const { stack } = buildApp(app);
  const assembly = app.synth();
  return { app, stack, template: Template.fromStack(stack), assemblyDir: assembly.directory };
}

export type Json = Record<string, unknown>;

export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Sid?: string;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: Json;
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The logical id of a construct's CloudFormation resource (role, function, ...). */
export function logicalId(stack: IamUserLifecycleStack, construct: IConstruct): string {
  const child = construct.node.defaultChild ?? construct;
  return stack.getLogicalId(child as Parameters<IamUserLifecycleStack['getLogicalId']>[0]);
}

/** Every statement of every policy attached to the role (AWS::IAM::Policy and inline policies). */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const statements: Statement[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const props = policy.Properties as { Roles?: { Ref?: string }[]; PolicyDocument: { Statement: Statement[] } };
    if ((props.Roles ?? []).some((r) => r.Ref === roleLogicalId)) statements.push(...props.PolicyDocument.Statement);
  }
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId];
  if (!role) throw new Error(`no role ${roleLogicalId} in the template`);
  for (const inline of (role.Properties as { Policies?: { PolicyDocument: { Statement: Statement[] } }[] }).Policies ?? []) {
    statements.push(...inline.PolicyDocument.Statement);
  }
  return statements;
}

/** Every statement of every identity policy in the template. */
export function allIdentityStatements(template: Template): Statement[] {
  const statements: Statement[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    statements.push(...(policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement);
  }
  for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
    for (const inline of (role.Properties as { Policies?: { PolicyDocument: { Statement: Statement[] } }[] }).Policies ?? []) {
      statements.push(...inline.PolicyDocument.Statement);
    }
  }
  for (const policy of Object.values(template.findResources('AWS::IAM::ManagedPolicy'))) {
    statements.push(...(policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement);
  }
  return statements;
}

/** A CloudFormation value rendered to a comparable string (Ref/GetAtt/Join flattened). */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const obj = value as Json;
  if (obj && typeof obj === 'object') {
    if ('Ref' in obj) return `{Ref:${String(obj.Ref)}}`;
    if ('Fn::GetAtt' in obj) return `{GetAtt:${(obj['Fn::GetAtt'] as string[]).join('.')}}`;
    if ('Fn::Join' in obj) {
      const [delimiter, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(delimiter);
    }
  }
  return JSON.stringify(value);
}
