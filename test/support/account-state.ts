/**
 * For the preview tests: a realistic IAM user built in moto, and a snapshot of everything in the
 * account a rotation or offboarding could change (users under a path with every credential, policy,
 * group and tag; virtual MFA devices; customer managed policies; secrets and their versions; the
 * local records bucket's objects), to compare before and after a `--dry-run`.
 */
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  GetLoginProfileCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListPoliciesCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  ListVirtualMFADevicesCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  UploadSigningCertificateCommand,
  UploadSSHPublicKeyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { HeadBucketCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { ListSecretsCommand, ListSecretVersionIdsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsClients } from '../../functions/shared/aws';
import { SecretStore } from '../../functions/shared/secret-store';
import { enableVirtualMfa, exists, sshRsaPublicKey, TEST_CERTIFICATE } from './iam-fixtures';

const POLICY = (action: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

export interface RealisticUser {
  readonly userName: string;
  /** Active and stored in the user's secret. */
  readonly activeKeyId: string;
  /** Inactive (a key retired by hand earlier). */
  readonly inactiveKeyId: string;
  readonly sshPublicKeyId: string;
  readonly certificateId: string;
  readonly mfaSerial: string;
  readonly managedPolicyArns: readonly string[];
  readonly inlinePolicyNames: readonly string[];
  readonly groups: readonly string[];
  readonly secretName: string;
}

/** Console password, two keys (one active and stored, one inactive), SSH key, signing certificate, virtual MFA, policies, groups. */
export async function createRealisticUser(
  clients: Pick<AwsClients, 'iam' | 'secrets'>,
  spec: { userName: string; path: string; secretName: string },
): Promise<RealisticUser> {
  const { iam } = clients;
  const { userName } = spec;
  await iam.send(new CreateUserCommand({ UserName: userName, Path: spec.path, Tags: [{ Key: 'team', Value: 'data' }] }));
  await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: 'Initial-Pass-1!' }));
  const active = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  const inactive = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  await iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: inactive.AccessKeyId!, Status: 'Inactive' }));
  const mfa = await enableVirtualMfa(iam, userName);
  const ssh = (await iam.send(new UploadSSHPublicKeyCommand({ UserName: userName, SSHPublicKeyBody: sshRsaPublicKey() })))
    .SSHPublicKey!;
  const cert = (await iam.send(new UploadSigningCertificateCommand({ UserName: userName, CertificateBody: TEST_CERTIFICATE })))
    .Certificate!;
  const groups = [`${userName}-g1`, `${userName}-g2`];
  for (const group of groups) {
    await iam.send(new CreateGroupCommand({ GroupName: group }));
    await iam.send(new AddUserToGroupCommand({ UserName: userName, GroupName: group }));
  }
  const managedPolicyArns: string[] = [];
  for (const name of ['reader', 'writer']) {
    const arn = (
      await iam.send(new CreatePolicyCommand({ PolicyName: `${userName}-${name}`, PolicyDocument: POLICY('s3:Get*') }))
    ).Policy!.Arn!;
    await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: arn }));
    managedPolicyArns.push(arn);
  }
  const inlinePolicyNames = ['inline-logs', 'inline-sqs'];
  for (const PolicyName of inlinePolicyNames) {
    await iam.send(new PutUserPolicyCommand({ UserName: userName, PolicyName, PolicyDocument: POLICY('logs:*') }));
  }
  await new SecretStore(clients.secrets).storeKey(
    spec.secretName,
    userName,
    { accessKeyId: active.AccessKeyId!, secretAccessKey: active.SecretAccessKey!, createdAt: active.CreateDate! },
    'preview-'.padEnd(40, '0'),
  );
  return {
    userName,
    activeKeyId: active.AccessKeyId!,
    inactiveKeyId: inactive.AccessKeyId!,
    sshPublicKeyId: ssh.SSHPublicKeyId!,
    certificateId: cert.CertificateId!,
    mfaSerial: mfa.SerialNumber!,
    managedPolicyArns,
    inlinePolicyNames,
    groups,
    secretName: spec.secretName,
  };
}

async function iamState(iam: IAMClient, path: string, namePrefix: string) {
  const users = (await iam.send(new ListUsersCommand({ PathPrefix: path }))).Users ?? [];
  const details = [];
  for (const u of users) {
    const UserName = u.UserName!;
    details.push({
      userName: UserName,
      userId: u.UserId,
      path: u.Path,
      tags: (await iam.send(new ListUserTagsCommand({ UserName }))).Tags,
      keys: (await iam.send(new ListAccessKeysCommand({ UserName }))).AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status]),
      loginProfile: await exists(() => iam.send(new GetLoginProfileCommand({ UserName }))),
      mfa: (await iam.send(new ListMFADevicesCommand({ UserName }))).MFADevices?.map((d) => d.SerialNumber),
      attached: (await iam.send(new ListAttachedUserPoliciesCommand({ UserName }))).AttachedPolicies?.map((p) => p.PolicyArn),
      inline: (await iam.send(new ListUserPoliciesCommand({ UserName }))).PolicyNames,
      groups: (await iam.send(new ListGroupsForUserCommand({ UserName }))).Groups?.map((g) => g.GroupName),
      ssh: (await iam.send(new ListSSHPublicKeysCommand({ UserName }))).SSHPublicKeys?.map((k) => [k.SSHPublicKeyId, k.Status]),
      certificates: (await iam.send(new ListSigningCertificatesCommand({ UserName }))).Certificates?.map((c) => [
        c.CertificateId,
        c.Status,
      ]),
    });
  }
  const devices = ((await iam.send(new ListVirtualMFADevicesCommand({}))).VirtualMFADevices ?? [])
    .filter((d) => d.SerialNumber?.includes(namePrefix))
    .map((d) => [d.SerialNumber, d.User?.UserName]);
  const policies = ((await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? [])
    .filter((p) => p.PolicyName?.startsWith(namePrefix))
    .map((p) => [p.Arn, p.AttachmentCount, p.DefaultVersionId]);
  return { users: details, devices, policies };
}

async function secretsState(secrets: SecretsManagerClient, secretPrefix: string) {
  const list = (await secrets.send(new ListSecretsCommand({ IncludePlannedDeletion: true }))).SecretList ?? [];
  const ours = list.filter((s) => s.Name?.startsWith(`${secretPrefix}/`));
  const state = [];
  for (const s of ours) {
    const versions = (await secrets.send(new ListSecretVersionIdsCommand({ SecretId: s.Name!, IncludeDeprecated: true })))
      .Versions;
    state.push({
      name: s.Name,
      deletedDate: s.DeletedDate,
      tags: s.Tags,
      versions: versions?.map((v) => [v.VersionId, [...(v.VersionStages ?? [])].sort()]),
    });
  }
  return state;
}

async function recordsState(s3: S3Client, bucket: string, prefix: string) {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    return { bucket: 'absent' };
  }
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
  return { bucket: 'present', versions: (out.Versions ?? []).map((v) => [v.Key, v.VersionId]) };
}

/** Everything under `path`, named `namePrefix*`, or in secrets `secretPrefix/*` and records `offboarding/<namePrefix>*`. */
export async function accountState(
  clients: Pick<AwsClients, 'iam' | 'secrets' | 's3'>,
  scope: { path: string; namePrefix: string; secretPrefix: string; recordsBucket: string },
) {
  return {
    iam: await iamState(clients.iam, scope.path, scope.namePrefix),
    secrets: await secretsState(clients.secrets, scope.secretPrefix),
    records: await recordsState(clients.s3, scope.recordsBucket, `offboarding/${scope.namePrefix}`),
  };
}
