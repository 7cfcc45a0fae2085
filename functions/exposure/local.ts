/** The exposure workflow for the local runner: `{ exposure: exposureWorkflowDefinition(handlers) }`. */
import type { LocalWorkflowDefinition } from '../local/runner';
import { exposureTaskBindings, type ExposureHandlers } from './handlers';

export const EXPOSURE_ASL_FILE = 'exposure.asl.json';

export function exposureWorkflowDefinition(handlers: ExposureHandlers): LocalWorkflowDefinition {
  return { aslFile: EXPOSURE_ASL_FILE, tasks: exposureTaskBindings(handlers) };
}
