/**
 * Everything a local run needs, wired once: real SDK clients pointed at the emulator, the real
 * handlers, and the in-process workflow runner executing the real ASL files. Used by the CLI's
 * local mode, `npm start`, the integration tests and the benchmarks.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { LOCAL_CREDENTIALS, makeClients, type AwsClients } from '../shared/aws';
import type { LifecycleConfig } from '../shared/config';
import { IamGateway } from '../shared/iam-gateway';
import { RecordingNotifier, type Notifier } from '../shared/notifier';
import { SecretStore } from '../shared/secret-store';
import { makeRotationHandlers, rotationTaskBindings, type RotationHandlers } from '../rotation/handlers';
import { LocalWorkflows, type HistoryEvent } from './runner';
import type { WorkflowKind } from '../shared/workflows';

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
}

export interface LocalEnvironment {
  readonly config: LifecycleConfig;
  readonly clients: AwsClients;
  readonly iam: IamGateway;
  readonly secrets: SecretStore;
  readonly notifications: RecordingNotifier;
  readonly workflows: LocalWorkflows;
  readonly rotation: RotationHandlers;
}

export function createLocalEnvironment(options: LocalEnvironmentOptions): LocalEnvironment {
  const clients = makeClients({
    endpoint: options.endpoint,
    region: options.region ?? 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
  });
  const iam = new IamGateway(clients.iam);
  const secrets = new SecretStore(clients.secrets);
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
  const rotation = makeRotationHandlers(common);
  const workflows = new LocalWorkflows(
    { rotation: { aslFile: 'key-rotation.asl.json', tasks: rotationTaskBindings(rotation) } },
    {
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.waitTimeOverrides ? { waitTimeOverrides: options.waitTimeOverrides } : {}),
      ...(options.retryIntervalOverrides ? { retryIntervalOverrides: options.retryIntervalOverrides } : {}),
    },
  );
  return { config: options.config, clients, iam, secrets, notifications, workflows, rotation };
}
