/** Starting a rotation: one execution per exact key, named so that a duplicate start is refused. */
import { rotationTiming, type LifecycleConfig } from '../shared/config';
import { rotationExecutionName } from '../shared/execution-names';
import type { StartResult, WorkflowPort } from '../shared/workflows';

export interface RotationStartRequest {
  readonly userName: string;
  readonly accessKeyId: string;
  /** Who asked: `scan`, `cli`, `api:<principal>`, ... */
  readonly requestedBy: string;
}

export interface RotationExecutionInput extends RotationStartRequest {
  readonly timing: ReturnType<typeof rotationTiming>;
}

export function rotationInput(config: LifecycleConfig, request: RotationStartRequest): RotationExecutionInput {
  return { ...request, timing: rotationTiming(config) };
}

export async function startRotation(
  workflows: WorkflowPort,
  config: LifecycleConfig,
  request: RotationStartRequest,
): Promise<StartResult & { executionName: string }> {
  const executionName = rotationExecutionName(request.userName, request.accessKeyId);
  const result = await workflows.start('rotation', executionName, rotationInput(config, request));
  return { ...result, executionName };
}
