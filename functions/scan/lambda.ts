/**
 * Lambda entry point of the daily scan, invoked by EventBridge Scheduler with `{ "dryRun"?: boolean }`.
 * IAM, Step Functions, the topic, and (when the offboarding is deployed: SNAPSHOT_BUCKET set) the
 * records bucket for the lifecycle-signals phase.
 */
import { iamClientFor, iamUsersFor } from '../shared/clients/iam';
import { workflowsFor } from '../shared/clients/sfn';
import { snapshotStoreFor } from '../shared/clients/s3';
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
  const iam = iamUsersFor(rt, iamClient);
  const workflows = workflowsFor(rt);
  // Expiry and inactivity act through the offboarding: only where it is deployed (SNAPSHOT_BUCKET).
  const records = rt.env.SNAPSHOT_BUCKET ? snapshotStoreFor(rt) : undefined;
  const offboarding = records
    ? { iam, records, workflows, config: rt.config, clock: rt.clock, automationUserNames: rt.automationUserNames }
    : undefined;
  return makeScanHandler({
    credentialReport: new IamCredentialReportSource(iamClient),
    iam,
    workflows,
    config: rt.config,
    clock: rt.clock,
    notifier: notifierFor(rt),
    logger,
    automationUserNames: rt.automationUserNames,
    iamCalls: countApiCalls(iamClient),
    ...(records && offboarding ? { signals: { listAllUsers: () => iam.listAllUsers(), marks: records, offboarding } } : {}),
  });
});

export const handler: ScanHandler = (event) => scan()(event);
