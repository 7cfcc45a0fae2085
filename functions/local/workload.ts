/**
 * A simulated workload: keeps calling AWS with the access key from its user's secret, reloading the
 * secret on an interval and whenever a call fails, like a well-behaved real client would.
 *
 * moto accepts requests signed with inactive or deleted keys (its auth is off), so "my call
 * succeeded" proves nothing. After every call the workload asks IAM (with separate admin
 * credentials) whether the key it signed with is Active; if not, the call counts as failed.
 * Signing with the key also updates GetAccessKeyLastUsed, which is what cutover detection reads.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig } from '../shared/aws';
import type { IamUsers } from '../shared/iam/users';
import type { SecretStore } from '../shared/secret-store';

export interface WorkloadStats {
  readonly userName: string;
  calls: number;
  failed: number;
  reloads: number;
  /** Key ids this workload signed with, in order of first use. */
  readonly keysUsed: string[];
  /** Failures with the key id and why (never the secret). */
  readonly failures: { at: string; accessKeyId: string; why: string }[];
}

export interface WorkloadOptions {
  readonly userName: string;
  readonly secretName: string;
  readonly endpoint: string;
  readonly secrets: SecretStore;
  /** Admin view used to check that the signing key was really Active. */
  readonly iam: IamUsers;
  /** Pause between calls. @default 100 */
  readonly callIntervalMs?: number;
  /** Reload the secret at least this often. @default 300 */
  readonly reloadIntervalMs?: number;
}

export interface RunningWorkload {
  readonly stats: WorkloadStats;
  stop(): Promise<WorkloadStats>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function startWorkload(options: WorkloadOptions): RunningWorkload {
  const stats: WorkloadStats = { userName: options.userName, calls: 0, failed: 0, reloads: 0, keysUsed: [], failures: [] };
  const callIntervalMs = options.callIntervalMs ?? 100;
  const reloadIntervalMs = options.reloadIntervalMs ?? 300;
  let stopping = false;

  const loop = (async () => {
    let client: STSClient | undefined;
    let accessKeyId: string | undefined;
    let loadedAt = 0;
    const reload = async () => {
      const value = await options.secrets.readCredentials(options.secretName);
      stats.reloads += 1;
      loadedAt = Date.now();
      if (!value) {
        client = undefined;
        accessKeyId = undefined;
        return;
      }
      if (value.credentials.accessKeyId !== accessKeyId) {
        client?.destroy();
        accessKeyId = value.credentials.accessKeyId;
        client = new STSClient({
          ...clientConfig({ endpoint: options.endpoint }),
          credentials: { accessKeyId: value.credentials.accessKeyId, secretAccessKey: value.credentials.secretAccessKey },
          maxAttempts: 1,
        });
      }
    };

    while (!stopping) {
      if (!client || Date.now() - loadedAt >= reloadIntervalMs) await reload();
      if (!client || !accessKeyId) {
        await sleep(callIntervalMs);
        continue;
      }
      const signingKey = accessKeyId;
      stats.calls += 1;
      if (!stats.keysUsed.includes(signingKey)) stats.keysUsed.push(signingKey);
      let why: string | undefined;
      try {
        await client.send(new GetCallerIdentityCommand({}));
        const keys = await options.iam.listAccessKeys(options.userName);
        const status = keys.find((k) => k.accessKeyId === signingKey)?.status;
        if (status !== 'Active') why = status ? `key was ${status}` : 'key no longer exists';
      } catch (error) {
        why = `call failed: ${(error as Error).name}`;
      }
      if (why) {
        stats.failed += 1;
        stats.failures.push({ at: new Date().toISOString(), accessKeyId: signingKey, why });
        await reload();
      }
      await sleep(callIntervalMs);
    }
    client?.destroy();
  })();

  return {
    stats,
    stop: async () => {
      stopping = true;
      await loop;
      return stats;
    },
  };
}
