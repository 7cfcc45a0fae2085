/**
 * Every Lambda the stack deploys, with its own entry file: the bundle test and the bench build
 * each one (infra/lambda-bundling.ts). Read from the constants the constructs use.
 */
import { SCAN_ENTRY } from './constructs/daily-scan';
import { REACTIONS_ENTRY } from './constructs/iam-event-reactions';
import { ROTATION_STEPS } from './constructs/key-rotation';
import { API_ENTRY } from './constructs/lifecycle-api';
import { OFFBOARDING_STEPS } from './constructs/offboarding';

export type Capability = 'rotation' | 'offboarding' | 'scan' | 'api' | 'reactions';

export interface DeployedFunction {
  /** e.g. `rotation Prepare` */
  readonly name: string;
  readonly capability: Capability;
  /** Repository-relative entry file. */
  readonly entry: string;
  /** Its named export, the Lambda handler. */
  readonly handler: string;
}

export const DEPLOYED_FUNCTIONS: readonly DeployedFunction[] = [
  ...Object.entries(ROTATION_STEPS).map(([handler, step]) => ({
    name: `rotation ${step.id}`,
    capability: 'rotation' as const,
    entry: step.entry,
    handler,
  })),
  ...Object.entries(OFFBOARDING_STEPS).map(([handler, step]) => ({
    name: `offboarding ${step.id}`,
    capability: 'offboarding' as const,
    entry: step.entry,
    handler,
  })),
  { name: 'scan', capability: 'scan', entry: SCAN_ENTRY, handler: 'handler' },
  { name: 'api', capability: 'api', entry: API_ENTRY, handler: 'handler' },
  { name: 'reactions', capability: 'reactions', entry: REACTIONS_ENTRY, handler: 'handler' },
];
