/** Builds the real exposure handlers and the real ASL runner against moto (rotation-harness style). */
import { makeExposureHandlers, exposureTaskBindings, type ExposureHandlers } from '../../functions/exposure/handlers';
import { ensureLocalContainmentPolicy } from '../../functions/exposure/local';
import { LocalWorkflows } from '../../functions/local/runner';
import { RecordedActivity } from '../../functions/shared/cloudtrail';
import type { LifecycleConfig } from '../../functions/shared/config';
import type { ActivityEvent } from '../../functions/exposure/domain';
import { WorkflowExecutionGuard } from '../../functions/shared/execution-guard';
import { IamUsers } from '../../functions/shared/iam/users';
import { RecordingNotifier } from '../../functions/shared/notifier';
import { SecretStore } from '../../functions/shared/secret-store';
import { testClients } from './aws';

const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export type RecordedEvent = ActivityEvent & { readonly accessKeyId: string };

export function exposureHarness(
  config: LifecycleConfig,
  options: {
    retryIntervalOverrides?: Record<string, number>;
    waitTimeOverrides?: Record<string, number>;
    wrap?: (handlers: ExposureHandlers) => ExposureHandlers;
  } = {},
) {
  const clients = testClients();
  const iam = new IamUsers(clients.iam);
  const secrets = new SecretStore(clients.secrets);
  const notifications = new RecordingNotifier();
  /** What the local CloudTrail answers LookupEvents from (the event tap records these locally). */
  const recorded: RecordedEvent[] = [];
  const ref: { current?: LocalWorkflows } = {};
  // The stack-owned containment policy, created in moto on first use as the local environment does.
  let containment: Promise<string> | undefined;
  const real: ExposureHandlers = makeExposureHandlers({
    containmentPolicyArn: () => (containment ??= ensureLocalContainmentPolicy(clients.iam)),
    guard: new WorkflowExecutionGuard(() => ref.current!),
    iam,
    secrets,
    notifier: notifications,
    config,
    clock: () => new Date(),
    logger: silentLogger,
    activity: new RecordedActivity(() => recorded),
  });
  const handlers = options.wrap ? options.wrap(real) : real;
  const workflows = new LocalWorkflows(
    { exposure: { aslFile: 'exposure.asl.json', tasks: exposureTaskBindings(handlers) } },
    {
      ...(options.retryIntervalOverrides ? { retryIntervalOverrides: options.retryIntervalOverrides } : {}),
      ...(options.waitTimeOverrides ? { waitTimeOverrides: options.waitTimeOverrides } : {}),
    },
  );
  ref.current = workflows;
  return { clients, iam, secrets, notifications, handlers, workflows, recorded };
}

export type ExposureHarness = ReturnType<typeof exposureHarness>;
