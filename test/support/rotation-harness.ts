/** Builds the real rotation handlers and the real ASL runner against moto, with optional fault injection. */
import { LocalWorkflows } from '../../functions/local/runner';
import { IamUsers } from '../../functions/shared/iam/users';
import { RecordingNotifier, type Notification, type Notifier } from '../../functions/shared/notifier';
import { SecretStore } from '../../functions/shared/secret-store';
import type { LifecycleConfig } from '../../functions/shared/config';
import { makeRotationHandlers, rotationTaskBindings, type RotationHandlers } from '../../functions/rotation/handlers';
import { WorkflowExecutionGuard } from '../../functions/shared/execution-guard';
import { testClients } from './aws';

export interface RotationHarness {
  readonly clients: ReturnType<typeof testClients>;
  readonly iam: IamUsers;
  readonly secrets: SecretStore;
  readonly notifications: RecordingNotifier;
  readonly handlers: RotationHandlers;
  readonly workflows: LocalWorkflows;
  /** Resolves with the first notification of this type (published from inside the workflow). */
  nextNotification(type: string): Promise<Notification>;
}

const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export function rotationHarness(
  config: LifecycleConfig,
  options: {
    wrap?: (handlers: RotationHandlers) => RotationHandlers;
    retryIntervalOverrides?: Record<string, number>;
    waitTimeOverrides?: Record<string, number>;
  } = {},
): RotationHarness {
  const clients = testClients();
  const iam = new IamUsers(clients.iam);
  const secrets = new SecretStore(clients.secrets);
  const waiters: { type: string; resolve: (n: Notification) => void }[] = [];
  const hook: Notifier = {
    publish: async (n) => {
      for (const w of waiters.filter((x) => x.type === n.type)) w.resolve(n);
    },
  };
  const notifications = new RecordingNotifier(hook);
  // Built after the handlers (they are bound to its Task states): reached through a getter.
  const ref: { current?: LocalWorkflows } = {};
  const port = () => ref.current!;
  const real = makeRotationHandlers({
    guard: new WorkflowExecutionGuard(port),
    workflows: port,
    iam,
    secrets,
    notifier: notifications,
    config,
    clock: () => new Date(),
    logger: silentLogger,
  });
  const handlers = options.wrap ? options.wrap(real) : real;
  const workflows = new LocalWorkflows(
    { rotation: { aslFile: 'key-rotation.asl.json', tasks: rotationTaskBindings(handlers) } },
    {
      ...(options.retryIntervalOverrides ? { retryIntervalOverrides: options.retryIntervalOverrides } : {}),
      ...(options.waitTimeOverrides ? { waitTimeOverrides: options.waitTimeOverrides } : {}),
    },
  );
  ref.current = workflows;
  return {
    clients,
    iam,
    secrets,
    notifications,
    handlers,
    workflows,
    nextNotification: (type) => {
      const seen = notifications.sent.find((n) => n.type === type);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
  };
}
