/**
 * Where and how the SDK clients reach AWS (AWS_ENDPOINT_URL or an explicit endpoint for local runs).
 * No SDK import: each Lambda constructs only the clients it calls (functions/shared/clients/*).
 */

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export interface AwsTarget {
  /** Endpoint of a local emulator (moto); undefined means real AWS. */
  readonly endpoint?: string;
  readonly region?: string;
  /**
   * Explicit credentials (local runs), or a provider of them (a member account's assumed role,
   * ./accounts); otherwise the default provider chain.
   */
  readonly credentials?: StaticCredentials | (() => Promise<StaticCredentials>);
}

/** Local emulators accept any credentials; these are fixed so nothing depends on the caller's. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): AwsTarget {
  const endpoint = env.AWS_ENDPOINT_URL;
  return {
    ...(endpoint ? { endpoint } : {}),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
  };
}

export function clientConfig(target: AwsTarget) {
  return {
    region: target.region ?? 'us-east-1',
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
    // Adaptive retry spaces out throttled calls client-side before the state machine's retries.
    retryMode: 'adaptive',
    maxAttempts: 5,
  } as const;
}
