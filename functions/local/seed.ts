/**
 * Builds IAM users the way they look in a real account that adopts this tool: a user, its key(s),
 * and (for users already under management) the key stored in `<secretPrefix>/<userName>`.
 * Used by `npm start`, the tests and the benchmarks against the emulator.
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, TagUserCommand } from '@aws-sdk/client-iam';
import { secretNameFor, type LifecycleConfig } from '../shared/config';
import type { NewAccessKey } from '../shared/iam/records';
import { requestTokenFor, type SecretStore } from '../shared/secret-store';

export interface SeedUserSpec {
  readonly userName: string;
  /** @default '/' */
  readonly path?: string;
  readonly tags?: Record<string, string>;
  /** How many access keys to create (0-2). @default 1 */
  readonly keys?: number;
  /** Store the first key in the user's secret, as if an earlier rotation had. @default true */
  readonly storeFirstKey?: boolean;
}

export interface SeededUser {
  readonly userName: string;
  readonly accessKeyIds: string[];
  readonly secretName?: string;
}

export async function seedUser(
  deps: { iam: IAMClient; secrets: SecretStore; config: Pick<LifecycleConfig, 'secretPrefix'> },
  spec: SeedUserSpec,
): Promise<SeededUser> {
  await deps.iam.send(new CreateUserCommand({ UserName: spec.userName, Path: spec.path ?? '/' }));
  if (spec.tags && Object.keys(spec.tags).length > 0) {
    await deps.iam.send(
      new TagUserCommand({ UserName: spec.userName, Tags: Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value })) }),
    );
  }
  const created: NewAccessKey[] = [];
  for (let i = 0; i < (spec.keys ?? 1); i += 1) {
    const { AccessKey } = await deps.iam.send(new CreateAccessKeyCommand({ UserName: spec.userName }));
    created.push({
      accessKeyId: AccessKey!.AccessKeyId!,
      secretAccessKey: AccessKey!.SecretAccessKey!,
      createdAt: AccessKey!.CreateDate ?? new Date(),
    });
  }
  const first = created[0];
  if (first && (spec.storeFirstKey ?? true)) {
    const secretName = secretNameFor(deps.config, spec.userName);
    await deps.secrets.storeKey(secretName, spec.userName, first, requestTokenFor(`seed-${spec.userName}-${first.accessKeyId}`));
    return { userName: spec.userName, accessKeyIds: created.map((k) => k.accessKeyId), secretName };
  }
  return { userName: spec.userName, accessKeyIds: created.map((k) => k.accessKeyId) };
}
