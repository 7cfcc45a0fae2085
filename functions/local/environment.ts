/**
 * Everything a local run needs, wired once: real SDK clients pointed at the emulator, the real
 * handlers, and the in-process workflow runner executing the real ASL files. Used by the CLI's
 * local mode, `npm start`, the integration tests and the benchmarks.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { LOCAL_CREDENTIALS, makeClients, type AwsClients } from '../shared/aws';
import type { LifecycleConfig } from '../shared/config';
import { IamUsers } from '../shared/iam/users';
import { RecordingNotifier, type Notifier } from '../shared/notifier';
import { makeReadersFor } from '../shared/secret-access';
import { SecretStore } from '../shared/secret-store';
import { makeRotationHandlers, rotationTaskBindings, type RotationHandlers } from '../rotation/handlers';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { SnapshotStore } from '../shared/snapshot-store';
import { makeOffboardingHandlers, type OffboardingHandlers } from '../offboarding/handlers';
import { ensureLocalDenyPolicy, MotoIamGaps, offboardingWorkflowDefinition } from '../offboarding/local';
import type { OffboardingServiceDeps } from '../offboarding/service';
import { LocalWorkflows, type HistoryEvent } from './runner';
import { WorkflowExecutionGuard } from '../shared/execution-guard';
import type { WorkflowKind } from '../shared/workflows';
import { RecordedActivity, type KeyActivitySource, type TrailEventSource } from '../shared/cloudtrail';
import { recordedTrail, type LookupEventsFn } from './tap/trail';
import { makeExposureHandlers, type ExposureHandlers } from '../exposure/handlers';
import { ensureLocalContainmentPolicy, exposureWorkflowDefinition } from '../exposure/local';
import { executionAccountOf, routeHandlersByAccount } from '../shared/account-routing';
import { localAccounts, type LocalAccounts } from './accounts';
import { denyPolicyArnIn } from '../offboarding/deny-policy';

export type StepLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface LocalEnvironmentOptions {
  readonly endpoint: string;
  readonly config: LifecycleConfig;
  readonly region?: string;
  /** Receives every notification after it is recorded. */
  readonly forwardNotifications?: Notifier;
  readonly logger?: StepLogger;
  readonly clock?: () => Date;
  readonly automationUserNames?: readonly string[];
  readonly onEvent?: (kind: WorkflowKind, name: string, event: HistoryEvent) => void;
  readonly waitTimeOverrides?: Record<string, number>;
  readonly retryIntervalOverrides?: Record<string, number | number[]>;
  /** Bucket for offboarding snapshots and records (created by `ready()`). @default 'iam-user-lifecycle-local-records' */
  readonly snapshotBucket?: string;
  /**
   * Fill the IAM features moto 5.2.1 lacks (permissions boundaries, service-specific credentials)
   * in memory, see functions/offboarding/local.ts. Turn off against an emulator that has them.
   * @default true
   */
  readonly emulateMotoGaps?: boolean;
  /** Where the exposure response reads a key's CloudTrail activity (moto has none). @default no recorded events */
  readonly keyActivity?: KeyActivitySource;
  /** Organization mode: the hub's account id. @default moto's own (123456789012) */
  readonly hubAccountId?: string;
  /**
   * Where the offboarding's activity check reads CloudTrail. @default the LookupEvents of the event
   * tap given to `useEventTap` (no events before one is)
   */
  readonly trail?: TrailEventSource;
}

export interface LocalEnvironment {
  readonly config: LifecycleConfig;
  readonly clients: AwsClients;
  readonly iam: IamUsers;
  readonly secrets: SecretStore;
  readonly notifications: RecordingNotifier;
  readonly workflows: LocalWorkflows;
  readonly rotation: RotationHandlers;
  readonly offboarding: OffboardingHandlers;
  readonly exposure: ExposureHandlers;
  readonly records: SnapshotStore;
  /** What the offboarding service (API, CLI) needs. */
  readonly offboardingService: OffboardingServiceDeps;
  /** Organization mode only: every account's clients (./accounts); the workflows route by account. */
  readonly accounts?: LocalAccounts;
  /** ARN of the offboarding deny policy (known once `ready()` has run). */
  denyPolicyArn(): string;
  /** Creates the local resources the deployed stack would have (the records bucket, the deny and containment policies). */
  ready(): Promise<void>;
  /** The offboarding's activity check answers from this tap's recorded calls (see functions/local/tap/trail.ts). */
  useEventTap(tap: { lookupEvents: LookupEventsFn }): void;
}

export function createLocalEnvironment(options: LocalEnvironmentOptions): LocalEnvironment {
  const clients = makeClients({
    endpoint: options.endpoint,
    region: options.region ?? 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
  });
  const iam = new IamUsers(clients.iam);
  // Locally no stack role exists: the policy written denies GetSecretValue to all but the readers.
  const secrets = new SecretStore(clients.secrets, undefined, {
    writerArns: [],
    readersFor: makeReadersFor(options.config.secretReaders, iam),
  });
  const notifications = new RecordingNotifier(options.forwardNotifications);
  const logger =
    options.logger ??
    new Logger({
      serviceName: 'iam-user-lifecycle-local',
      logLevel: (process.env.POWERTOOLS_LOG_LEVEL as 'ERROR' | undefined) ?? 'ERROR',
    });
  const common = {
    iam,
    secrets,
    notifier: notifications,
    config: options.config,
    clock: options.clock ?? (() => new Date()),
    logger,
    automationUserNames: options.automationUserNames ?? [],
  };
  // The runner is built after the handlers it runs: the guard and Prepare reach it through a getter.
  const workflowsRef: { current?: LocalWorkflows } = {};
  const localWorkflows = (): LocalWorkflows => {
    if (!workflowsRef.current) throw new Error('local workflows are not ready');
    return workflowsRef.current;
  };
  const bucket = options.snapshotBucket ?? 'iam-user-lifecycle-local-records';
  const records = new SnapshotStore(clients.s3, bucket);
  const org = options.config.organization.enabled;
  // Organization mode: each workflow's steps act in the account its execution input names.
  const accounts = org
    ? localAccounts({
        config: options.config,
        base: { endpoint: options.endpoint, region: options.region ?? 'us-east-1', credentials: LOCAL_CREDENTIALS },
        ...(options.hubAccountId ? { hubAccountId: options.hubAccountId } : {}),
        records,
        notifier: notifications,
        workflows: localWorkflows,
        clock: common.clock,
        automationUserNames: common.automationUserNames,
        emulateMotoGaps: options.emulateMotoGaps ?? true,
      })
    : undefined;
  const routed = <H extends Record<string, (event: never) => Promise<unknown>>>(
    kind: WorkflowKind,
    build: (a: {
      accountId?: string;
      iam: IamUsers;
      secrets: SecretStore;
      records: SnapshotStore;
      notifier: Notifier;
      config: LifecycleConfig;
    }) => H,
  ): H => {
    if (!accounts) return build({ iam, secrets, records, notifier: notifications, config: options.config });
    const accountOf = executionAccountOf(kind, localWorkflows, options.config, accounts.hubAccountId);
    return routeHandlersByAccount(accountOf, (accountId) => build(accounts.forAccount(accountId, kind)));
  };
  const rotation = routed('rotation', (a) =>
    makeRotationHandlers({
      ...common,
      ...a,
      guard: new WorkflowExecutionGuard(localWorkflows),
      workflows: localWorkflows,
    }),
  );
  if (options.emulateMotoGaps ?? true) new MotoIamGaps().install(clients.iam);
  const admin = new IamUsers(clients.iam);
  let denyPolicyArn = '';
  const tapRef: { current?: LookupEventsFn } = {};
  const offboarding = routed('offboarding', (a) =>
    makeOffboardingHandlers({
      ...common,
      ...a,
      trail: options.trail ?? recordedTrail(() => tapRef.current),
      ...(a.accountId === undefined ? { iam: admin } : {}),
      denyPolicyArn: () => denyPolicyArnIn(denyPolicyArn, a.accountId !== accounts?.hubAccountId ? a.accountId : undefined),
      workflows: localWorkflows,
    }),
  );
  let containmentPolicyArn = '';
  const exposure = routed('exposure', (a) =>
    makeExposureHandlers({
      ...common,
      ...a,
      containmentPolicyArn: () => containmentPolicyArn,
      guard: new WorkflowExecutionGuard(localWorkflows),
      activity: options.keyActivity ?? new RecordedActivity(() => []),
    }),
  );
  const workflows = new LocalWorkflows(
    {
      rotation: { aslFile: 'key-rotation.asl.json', tasks: rotationTaskBindings(rotation) },
      offboarding: offboardingWorkflowDefinition(offboarding),
      exposure: exposureWorkflowDefinition(exposure),
    },
    {
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.waitTimeOverrides ? { waitTimeOverrides: options.waitTimeOverrides } : {}),
      ...(options.retryIntervalOverrides ? { retryIntervalOverrides: options.retryIntervalOverrides } : {}),
    },
  );
  workflowsRef.current = workflows;
  const offboardingService: OffboardingServiceDeps = {
    iam: admin,
    records,
    workflows,
    config: options.config,
    clock: common.clock,
    automationUserNames: common.automationUserNames,
  };
  const ready = async () => {
    try {
      await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      // Object Lock as in the deployed records bucket (final records are written with a retention).
      await clients.s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    }
    denyPolicyArn = await ensureLocalDenyPolicy(clients.iam);
    containmentPolicyArn = await ensureLocalContainmentPolicy(clients.iam);
    // What the member StackSet creates in each listed account.
    for (const accountId of options.config.organization.accountIds) {
      if (accounts && accountId !== accounts.hubAccountId) await accounts.ready(accountId);
    }
  };
  return {
    config: options.config,
    clients,
    iam,
    secrets,
    notifications,
    workflows,
    rotation,
    offboarding,
    exposure,
    records,
    offboardingService,
    ...(accounts ? { accounts } : {}),
    denyPolicyArn: () => denyPolicyArn,
    ready,
    useEventTap: (tap) => {
      tapRef.current = (input) => tap.lookupEvents(input);
    },
  };
}
