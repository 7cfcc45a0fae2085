/**
 * Counts AWS API calls made through an SDK v3 client, by operation. The scan reports its IAM call
 * count with it (the promise is that it does not grow with the number of users), and the
 * tests and benchmarks use it to check that promise against the real client.
 */
import { randomUUID } from 'node:crypto';

type Next = (args: unknown) => Promise<unknown>;
interface CountingContext {
  readonly commandName?: string;
}

/** The part of an SDK v3 client this needs (every generated client has it). */
export interface MiddlewareHost {
  readonly middlewareStack: { add(middleware: never, options: never): void };
}

interface CountingStack {
  add(
    middleware: (next: Next, context: CountingContext) => Next,
    options: { step: 'initialize'; name: string; tags?: string[] },
  ): void;
}

export interface ApiCallCounter {
  /** Commands sent since creation or the last reset (one per `send`, SDK retries not included). */
  total(): number;
  byOperation(): Record<string, number>;
  reset(): void;
}

/**
 * Adds a counting middleware to `client`. Counted at the initialize step, so one `send` is one call
 * whatever the SDK retries underneath: that is the number IAM's per-account quotas are about.
 */
export function countApiCalls(client: MiddlewareHost): ApiCallCounter {
  let counts: Record<string, number> = {};
  // Each client's stack is typed by its own commands; this middleware only passes arguments through.
  const stack = client.middlewareStack as unknown as CountingStack;
  stack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? 'UnknownCommand').replace(/Command$/, '');
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: `countApiCalls-${randomUUID()}`, tags: ['COUNT_API_CALLS'] },
  );
  return {
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    byOperation: () => ({ ...counts }),
    reset: () => {
      counts = {};
    },
  };
}
