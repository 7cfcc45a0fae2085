// Frozen copy (issue 7) of the capability-wide Lambda entry as it was before each function got its
// own entry: bench/bundles.ts builds it as the "today" row. Not deployed.
/** Lambda entry points of the rotation workflow (one function per step, each with its own role). */
import { WorkflowExecutionGuard } from '../../functions/shared/execution-guard';
import { makeLogger, once, runtimeFromEnv } from './runtime';
import { workflowsFromEnv } from '../../functions/shared/workflows';
import { makeRotationHandlers, type RotationHandlers } from '../../functions/rotation/handlers';

const logger = makeLogger('key-rotation');
const handlers = once<RotationHandlers>(() => {
  const rt = runtimeFromEnv();
  const workflows = workflowsFromEnv(rt.clients.sfn);
  return makeRotationHandlers({ ...rt, logger, guard: new WorkflowExecutionGuard(() => workflows), workflows: () => workflows });
});

export const prepare: RotationHandlers['prepare'] = (event) => handlers().prepare(event);
export const createAndStore: RotationHandlers['createAndStore'] = (event) => handlers().createAndStore(event);
export const checkCutover: RotationHandlers['checkCutover'] = (event) => handlers().checkCutover(event);
export const deactivateOldKey: RotationHandlers['deactivateOldKey'] = (event) => handlers().deactivateOldKey(event);
export const finishRotation: RotationHandlers['finishRotation'] = (event) => handlers().finishRotation(event);
export const notify: RotationHandlers['notify'] = (event) => handlers().notify(event);
