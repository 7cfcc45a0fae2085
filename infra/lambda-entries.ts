/**
 * Every Lambda the stack deploys, with its own entry file: the bundle test and the bench build
 * each one (infra/lambda-bundling.ts). Read from the constants the constructs use.
 */
import { SCAN_ENTRY } from './constructs/daily-scan';
import { EXPOSURE_HEALTH_ENTRY, EXPOSURE_HEALTH_HANDLER } from './constructs/exposure-health';
import { EXPOSURE_STEPS } from './constructs/exposure-response';
import { REACTIONS_ENTRY } from './constructs/iam-event-reactions';
import { ROTATION_STEPS } from './constructs/key-rotation';
import { API_ENTRY } from './constructs/lifecycle-api';
import { OFFBOARDING_STEPS } from './constructs/offboarding';
import { LIST_ACCOUNTS_ENTRY, SCAN_ACCOUNT_ENTRY, SUMMARIZE_ENTRY } from './constructs/organization-scan';

export type Capability = 'rotation' | 'offboarding' | 'scan' | 'api' | 'reactions' | 'organization';

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
  // The exposed-key response is the reactions' sixth kind (issue 8): its steps and its Health trigger.
  ...Object.entries(EXPOSURE_STEPS).map(([handler, step]) => ({
    name: `exposure ${step.id}`,
    capability: 'reactions' as const,
    entry: step.entry,
    handler,
  })),
  { name: 'exposure Health', capability: 'reactions', entry: EXPOSURE_HEALTH_ENTRY, handler: EXPOSURE_HEALTH_HANDLER },
  // Organization mode only (infra/constructs/organization-scan.ts).
  { name: 'organization ListAccounts', capability: 'organization', entry: LIST_ACCOUNTS_ENTRY, handler: 'listAccounts' },
  { name: 'organization ScanAccount', capability: 'organization', entry: SCAN_ACCOUNT_ENTRY, handler: 'scanAccount' },
  {
    name: 'organization Summarize',
    capability: 'organization',
    entry: SUMMARIZE_ENTRY,
    handler: 'summarizeOrganizationScan',
  },
];
