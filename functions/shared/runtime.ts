/**
 * Cold-start wiring shared by the Lambda entry points: config validated from the environment, where
 * AWS is (AWS_ENDPOINT_URL honoured), the automation's own user names and the clock. It constructs no
 * SDK client: each entry builds only the adapters it calls with ./clients/*, so a function bundles
 * no client it never calls (test/infra/lambda-bundles.test.ts). Built once per container.
 */
import { targetFromEnv, type AwsTarget } from './aws-target';
import { configFromEnv, type LifecycleConfig } from './config';
import { makeLogger } from './logger';
import { automationUserNamesFromEnv } from './scope';

export interface Runtime {
  readonly config: LifecycleConfig;
  readonly target: AwsTarget;
  readonly automationUserNames: string[];
  readonly clock: () => Date;
  /** The environment the adapters read their names from (topic, bucket, key, writer roles). */
  readonly env: NodeJS.ProcessEnv;
}

export function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function listFromEnv(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

export function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): Runtime {
  return {
    config: configFromEnv(env),
    target: targetFromEnv(env),
    automationUserNames: automationUserNamesFromEnv(env),
    clock: () => new Date(),
    env,
  };
}

/** Memoises a factory so each Lambda container builds its dependencies once, on first use. */
export function once<T>(factory: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= factory());
}

export { makeLogger };
