/** Lambda entry points of the rotation workflow (one function per step, each with its own role). */
import { WorkflowExecutionGuard } from '../shared/execution-guard';
import { makeLogger, once, runtimeFromEnv } from '../shared/runtime';
import { workflowsFromEnv } from '../shared/workflows';
import { makeRotationHandlers, type RotationHandlers } from './handlers';

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
