// Frozen copy (issue 7) of the capability-wide Lambda entry as it was before each function got its
// own entry: bench/bundles.ts builds it as the "today" row. Not deployed.
/** Lambda entry point of the daily scan, invoked by EventBridge Scheduler with `{ "dryRun"?: boolean }`. */
import { makeLogger, once, runtimeFromEnv } from './runtime';
import { workflowsFromEnv } from '../../functions/shared/workflows';
import { countApiCalls } from '../../functions/scan/api-calls';
import { IamCredentialReportSource } from '../../functions/scan/credential-report';
import { makeScanHandler, type ScanHandler } from '../../functions/scan/handler';

const logger = makeLogger('scan');
const scan = once<ScanHandler>(() => {
  // The scan exists to start rotations: fail at cold start, not at the first stale key.
  if (!process.env.ROTATION_STATE_MACHINE_ARN) throw new Error('environment variable ROTATION_STATE_MACHINE_ARN is not set');
  const rt = runtimeFromEnv();
  return makeScanHandler({
    credentialReport: new IamCredentialReportSource(rt.clients.iam),
    iam: rt.iam,
    workflows: workflowsFromEnv(rt.clients.sfn),
    config: rt.config,
    clock: rt.clock,
    notifier: rt.notifier,
    logger,
    automationUserNames: rt.automationUserNames,
    iamCalls: countApiCalls(rt.clients.iam),
  });
});

export const handler: ScanHandler = (event) => scan()(event);
