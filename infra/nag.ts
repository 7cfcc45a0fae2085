/**
 * cdk-nag (v3) acknowledgements, kept next to the resource they justify. cdk-nag 3 runs as a CDK
 * policy-validation plugin and reads acknowledgements recorded with `Validations.of(x).acknowledge`;
 * an acknowledgement on a construct covers everything under it (a role and its default policy).
 *
 * Every acknowledgement names the rule, the exact finding where the rule reports findings
 * (`AwsSolutions-IAM5[Resource::...]`), and a reason specific to that resource.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export interface Acknowledgement {
  /** Rule id, e.g. `AwsSolutions-L1`, or a finding, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  /** Why the finding is acceptable here. */
  readonly reason: string;
}

export function acknowledge(construct: IConstruct, ...acknowledgements: Acknowledgement[]): void {
  for (const { id, reason } of acknowledgements) Validations.of(construct).acknowledge({ id, reason });
}

/**
 * A value (string or token) rendered the way cdk-nag renders it in finding ids: Ref -> `<Name>`,
 * GetAtt -> `<Name.Attr>`, Fn::Join concatenated, Fn::Sub `${X}` -> `<X>`.
 */
export function nagRendering(scope: IConstruct, value: string): string {
  return flattenCfnValue(Stack.of(scope).resolve(value));
}

/** A resolved CloudFormation value (Ref, Fn::GetAtt, Fn::Join, ...) flattened as cdk-nag does. */
export function flattenCfnValue(resolved: unknown): string {
  const visit = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    const obj = node as Record<string, unknown>;
    if (obj['Fn::Join']) {
      const [delimiter, items] = obj['Fn::Join'] as [string, unknown[]];
      return items.map(visit).join(delimiter);
    }
    if (obj['Fn::Sub']) return visit(obj['Fn::Sub']);
    if (obj['Fn::GetAtt']) {
      const [resource, attribute] = obj['Fn::GetAtt'] as [unknown, unknown];
      return `<${visit(resource)}.${visit(attribute)}>`;
    }
    if (obj['Fn::ImportValue']) return visit(obj['Fn::ImportValue']);
    if (obj.Ref) return `<${visit(obj.Ref)}>`;
    return JSON.stringify(node);
  };
  return visit(resolved);
}

/** The IAM5 finding id of a wildcard resource ARN (given as the same string/token the policy uses). */
export function iam5Resource(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${nagRendering(scope, arn)}]`;
}
