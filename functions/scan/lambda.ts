/**
 * Lambda entry point of the daily scan, invoked by EventBridge Scheduler with `{ "dryRun"?: boolean }`.
 * IAM, Step Functions and the topic only.
 */
import { iamClientFor, iamUsersFor } from '../shared/clients/iam';
import { workflowsFor } from '../shared/clients/sfn';
import { notifierFor } from '../shared/clients/sns';
import { makeLogger, once, runtimeFromEnv } from '../shared/runtime';
import { countApiCalls } from './api-calls';
import { IamCredentialReportSource } from './credential-report';
import { makeScanHandler, type ScanHandler } from './handler';

const logger = makeLogger('scan');
const scan = once<ScanHandler>(() => {
  // The scan exists to start rotations: fail at cold start, not at the first stale key.
  if (!process.env.ROTATION_STATE_MACHINE_ARN) throw new Error('environment variable ROTATION_STATE_MACHINE_ARN is not set');
  const rt = runtimeFromEnv();
  // One IAM client: the adapter, the credential report and the call counter share it.
  const iamClient = iamClientFor(rt);
  return makeScanHandler({
    credentialReport: new IamCredentialReportSource(iamClient),
    iam: iamUsersFor(rt, iamClient),
    workflows: workflowsFor(rt),
    config: rt.config,
    clock: rt.clock,
    notifier: notifierFor(rt),
    logger,
    automationUserNames: rt.automationUserNames,
    iamCalls: countApiCalls(iamClient),
  });
});

export const handler: ScanHandler = (event) => scan()(event);
