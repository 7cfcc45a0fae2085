/**
 * Fixed names for the stack's state machines, so their ARNs are known before they exist: the step
 * Lambdas (which the state machines reference) can then be told their own state machine's ARN and
 * be allowed to describe its executions only, without a dependency cycle. The execution guard
 * (functions/shared/execution-guard.ts) uses both to refuse a step invoked outside a live execution.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { WorkflowKind } from '../../functions/shared/workflows';

export interface WorkflowIdentity {
  readonly kind: WorkflowKind;
  /** `<stackName>-KeyRotation` or `<stackName>-Offboarding` (at most 80 characters). */
  readonly stateMachineName: string;
  readonly stateMachineArn: string;
  /** `arn:...:execution:<stateMachineName>:*`: every execution of this state machine and no other. */
  readonly executionArnPattern: string;
}

const SUFFIX: Record<WorkflowKind, string> = {
  rotation: 'KeyRotation',
  offboarding: 'Offboarding',
  exposure: 'ExposureResponse',
};

export function workflowIdentity(scope: Construct, kind: WorkflowKind): WorkflowIdentity {
  const stack = Stack.of(scope);
  const suffix = `-${SUFFIX[kind]}`;
  // State machine names are limited to 80 characters; stack names to 128.
  const stateMachineName = `${stack.stackName.slice(0, 80 - suffix.length)}${suffix}`;
  const arn = (resource: string, resourceName: string) =>
    stack.formatArn({ service: 'states', resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  return {
    kind,
    stateMachineName,
    stateMachineArn: arn('stateMachine', stateMachineName),
    executionArnPattern: arn('execution', `${stateMachineName}:*`),
  };
}

/** Lets a step role confirm it runs inside a live execution of its own state machine (and nothing else). */
export function grantExecutionCheck(role: iam.IRole, identity: WorkflowIdentity): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DescribeOwnWorkflowExecutions',
      actions: ['states:DescribeExecution'],
      resources: [identity.executionArnPattern],
    }),
  );
}

/**
 * Lets a step read what its own state machine's executions recorded (GetExecutionHistory): a step
 * that acts on an earlier step's result reads it from Step Functions, not from the state it is handed.
 */
export function grantExecutionHistory(role: iam.IRole, identity: WorkflowIdentity): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadOwnWorkflowHistory',
      actions: ['states:GetExecutionHistory'],
      resources: [identity.executionArnPattern],
    }),
  );
}
