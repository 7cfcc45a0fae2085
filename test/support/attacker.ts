/**
 * What the attacker test compares before and after each attempt: everything about a victim user that
 * could give or keep access (keys and their statuses, attached and inline policies, groups, tags,
 * login profile), the user's secret (value and version stages) and the records under a prefix.
 */
import {
  GetLoginProfileCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import type { AwsClients } from '../../functions/shared/aws';

export interface VictimState {
  readonly keys: { id: string; status: string }[];
  readonly attached: string[];
  readonly inline: string[];
  readonly groups: string[];
  readonly tags: Record<string, string>;
  readonly loginProfile: boolean;
  readonly secret?: { value?: string; versions: { id: string; stages: string[] }[] };
  readonly records: string[];
}

async function orUndefined<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (['NoSuchEntityException', 'NoSuchEntity', 'ResourceNotFoundException'].includes((error as Error).name)) {
      return undefined;
    }
    throw error;
  }
}

/** The victim's state as the attacker's own (read-only) calls see it. */
export async function victimState(
  clients: AwsClients,
  userName: string,
  options: { secretName?: string; bucket?: string; recordsPrefix?: string } = {},
): Promise<VictimState> {
  const { iam, secrets, s3 } = clients;
  const keys = (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
  const attached = (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }))).AttachedPolicies ?? [];
  const inline = (await iam.send(new ListUserPoliciesCommand({ UserName: userName }))).PolicyNames ?? [];
  const groups = (await iam.send(new ListGroupsForUserCommand({ UserName: userName }))).Groups ?? [];
  const tags = (await iam.send(new ListUserTagsCommand({ UserName: userName }))).Tags ?? [];
  const login = await orUndefined(() => iam.send(new GetLoginProfileCommand({ UserName: userName })));
  let secret: VictimState['secret'];
  if (options.secretName) {
    const value = await orUndefined(() => secrets.send(new GetSecretValueCommand({ SecretId: options.secretName })));
    const versions = await orUndefined(() =>
      secrets.send(new ListSecretVersionIdsCommand({ SecretId: options.secretName, IncludeDeprecated: true })),
    );
    secret = {
      ...(value?.SecretString ? { value: value.SecretString } : {}),
      versions: (versions?.Versions ?? [])
        .map((v) => ({ id: v.VersionId ?? '', stages: [...(v.VersionStages ?? [])].sort() }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    };
  }
  let records: string[] = [];
  if (options.bucket && options.recordsPrefix) {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: options.bucket, Prefix: options.recordsPrefix }));
    records = (listed.Versions ?? []).map((v) => `${v.Key ?? ''}@${v.VersionId ?? ''}`).sort();
  }
  return {
    keys: keys.map((k) => ({ id: k.AccessKeyId ?? '', status: k.Status ?? '' })).sort((a, b) => a.id.localeCompare(b.id)),
    attached: attached.map((p) => p.PolicyArn ?? '').sort(),
    inline: [...inline].sort(),
    groups: groups.map((g) => g.GroupName ?? '').sort(),
    tags: Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? ''])),
    loginProfile: login !== undefined,
    ...(secret ? { secret } : {}),
    records,
  };
}

/** The error an attempt ended with (name and message), or 'no error' when it did not throw. */
export async function refusal(attempt: () => Promise<unknown>): Promise<{ name: string; message: string } | 'no error'> {
  try {
    await attempt();
    return 'no error';
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
}
