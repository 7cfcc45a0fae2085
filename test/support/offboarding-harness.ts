/**
 * The offboarding as the tests run it: the real handlers and offboarding.asl.json on the local
 * runner (LocalWorkflows) against the test run's moto server, with moto's IAM gaps emulated
 * (functions/offboarding/local.ts) and every IAM command (optionally every Secrets Manager command
 * too) recorded in order.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LocalWorkflows } from '../../functions/local/runner';
import { recordedTrail } from '../../functions/local/tap/trail';
import type { TrailEventSource } from '../../functions/shared/cloudtrail';
import { makeOffboardingHandlers, offboardingTaskBindings, type OffboardingHandlers } from '../../functions/offboarding/handlers';
import { MotoIamGaps } from '../../functions/offboarding/local';
import type { OffboardingServiceDeps } from '../../functions/offboarding/service';
import type { AwsClients } from '../../functions/shared/aws';
import type { LifecycleConfig } from '../../functions/shared/config';
import { IamUsers } from '../../functions/shared/iam/users';
import { RecordingNotifier } from '../../functions/shared/notifier';
import { SecretStore } from '../../functions/shared/secret-store';
import { SnapshotStore } from '../../functions/shared/snapshot-store';
import { testClients } from './aws';

export interface RecordedCall {
  /** The command name without `Command` (`DeleteAccessKey`). */
  readonly command: string;
  readonly userName?: string;
  readonly input: Record<string, unknown>;
}

/** Records every command (name + input) sent through the clients into `calls`, in order. */
export function recordCalls(clients: readonly (IAMClient | SecretsManagerClient)[], calls: RecordedCall[] = []): RecordedCall[] {
  for (const client of clients) {
    (client as IAMClient).middlewareStack.add(
      (next, context) => async (args) => {
        const input = (args.input ?? {}) as Record<string, unknown>;
        calls.push({
          command: (context.commandName ?? '').replace(/Command$/, ''),
          ...(typeof input.UserName === 'string' ? { userName: input.UserName } : {}),
          input,
        });
        return next(args);
      },
      { step: 'initialize', priority: 'high', name: 'recordCalls' },
    );
  }
  return calls;
}

export interface OffboardingHarnessOptions {
  /** Bucket of the offboarding records (Object Lock enabled). */
  readonly bucket: string;
  /** The stack's deny policy, locally from ensureLocalDenyPolicy. */
  readonly denyPolicyArn: string;
  readonly config: LifecycleConfig;
  readonly automationUserNames?: string[];
  readonly retryIntervalOverrides?: Record<string, number>;
  /** Record Secrets Manager commands as well as IAM ones. */
  readonly recordSecretsCalls?: boolean;
  /** Defaults to a new emulation of moto's IAM gaps. */
  readonly gaps?: MotoIamGaps;
  /** Where CheckActivity reads CloudTrail. @default a trail with no events (no activity) */
  readonly trail?: TrailEventSource;
  /** The stack's own principals, whose calls CheckActivity ignores. */
  readonly ownPrincipals?: readonly string[];
  /** @default the real clock */
  readonly clock?: () => Date;
  /** The steps' clients (e.g. through the event tap, signed as a stack role). @default testClients() */
  readonly clients?: AwsClients;
}

export interface OffboardingHarness {
  readonly clients: AwsClients;
  readonly admin: IamUsers;
  readonly records: SnapshotStore;
  readonly notifications: RecordingNotifier;
  readonly workflows: LocalWorkflows;
  readonly service: OffboardingServiceDeps;
  readonly calls: RecordedCall[];
  readonly config: LifecycleConfig;
  readonly handlers: OffboardingHandlers;
}

export function offboardingHarness(options: OffboardingHarnessOptions): OffboardingHarness {
  const clients = options.clients ?? testClients();
  (options.gaps ?? new MotoIamGaps()).install(clients.iam);
  const calls = recordCalls(options.recordSecretsCalls ? [clients.iam, clients.secrets] : [clients.iam]);
  const { config } = options;
  const admin = new IamUsers(clients.iam);
  const records = new SnapshotStore(clients.s3, options.bucket);
  const notifications = new RecordingNotifier();
  const runner: { current?: LocalWorkflows } = {};
  const handlers = makeOffboardingHandlers({
    iam: admin,
    records,
    secrets: new SecretStore(clients.secrets),
    notifier: notifications,
    config,
    clock: options.clock ?? (() => new Date()),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    automationUserNames: options.automationUserNames ?? [],
    denyPolicyArn: options.denyPolicyArn,
    trail: options.trail ?? recordedTrail(() => undefined),
    ...(options.ownPrincipals ? { ownPrincipals: options.ownPrincipals } : {}),
    workflows: () => runner.current!,
  });
  const workflows = new LocalWorkflows(
    { offboarding: { aslFile: 'offboarding.asl.json', tasks: offboardingTaskBindings(handlers) } },
    options.retryIntervalOverrides ? { retryIntervalOverrides: options.retryIntervalOverrides } : {},
  );
  runner.current = workflows;
  const service: OffboardingServiceDeps = {
    iam: admin,
    records,
    workflows,
    config,
    automationUserNames: options.automationUserNames ?? [],
  };
  return { clients, admin, records, notifications, workflows, service, calls, config, handlers };
}
