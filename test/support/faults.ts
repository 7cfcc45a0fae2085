/**
 * Fault injection on real SDK clients talking to moto: a middleware inside the SDK's retry loop
 * (deserialize step), so the SDK retries for real and a call whose answer is "lost" has really
 * reached moto. One injector counts the calls of every client it is installed on, in order, so a
 * test can aim a single fault at "call number N of this rotation".
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export type FaultKind =
  /** A 500 answer before the call reaches the service (nothing happened). */
  | 'error'
  /** A throttling answer before the call reaches the service (nothing happened). */
  | 'throttling'
  /** The connection drops before the request is sent (nothing happened). */
  | 'dropped'
  /** The call reaches the service and takes effect; its answer is lost (connection reset). */
  | 'answer-lost';

export const FAULT_KINDS: readonly FaultKind[] = ['error', 'throttling', 'dropped', 'answer-lost'];

export interface Fault {
  readonly kind: FaultKind;
  /** Inject at this call (0-based, counted over every client the injector is installed on)... */
  readonly callIndex?: number;
  /** ...or at the first call of this command (e.g. 'CreateAccessKeyCommand'). */
  readonly command?: string;
}

function networkError(message: string, code: string): Error {
  return Object.assign(new Error(message), { name: 'Error', code, $metadata: {} });
}

function serviceError(kind: 'error' | 'throttling'): Error {
  const error =
    kind === 'throttling'
      ? Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 } })
      : Object.assign(new Error('injected service failure'), {
          name: 'ServiceFailure',
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
        });
  return error;
}

export class FaultInjector {
  /** Every call seen (retries of the SDK included), as `<Command>`. */
  readonly calls: string[] = [];
  /** What was injected: `<index> <Command> <kind>`. */
  readonly injected: string[] = [];
  private fault: Fault | undefined;

  constructor(fault?: Fault) {
    this.fault = fault;
  }

  arm(fault: Fault | undefined): void {
    this.fault = fault;
  }

  install(...clients: (IAMClient | SecretsManagerClient)[]): this {
    for (const client of clients) {
      (client as IAMClient).middlewareStack.add(
        (next, context) => async (args) => {
          const command = context.commandName ?? 'unknown';
          const index = this.calls.length;
          this.calls.push(command);
          const fault = this.fault;
          const hit =
            fault !== undefined && (fault.callIndex !== undefined ? fault.callIndex === index : fault.command === command);
          if (!hit) return next(args);
          this.fault = undefined; // one fault per arming
          this.injected.push(`${index} ${command} ${fault.kind}`);
          if (fault.kind === 'error' || fault.kind === 'throttling') throw serviceError(fault.kind);
          if (fault.kind === 'dropped') throw networkError('connect ECONNRESET (injected before the call)', 'ECONNRESET');
          await next(args);
          throw networkError('socket hang up (injected after the call: the answer is lost)', 'ECONNRESET');
        },
        { step: 'deserialize', name: 'faultInjection', priority: 'high' },
      );
    }
    return this;
  }
}
