/**
 * The one adapter for IAM users: every IAM call the project makes on a user, its access keys, its
 * other credentials, policies, groups and MFA devices (records and shared rules in ./records.ts).
 *
 * Reads: list calls paginate (allPages) and throw UserNotFoundError when the user does not exist.
 * Changes answer `true` when they changed something and `false` when the thing was already gone
 * (NoSuchEntity), so every step built on them can be retried safely.
 */
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteSigningCertificateCommand,
  DeleteSSHPublicKeyCommand,
  DeleteUserCommand,
  DeleteUserPermissionsBoundaryCommand,
  DeleteUserPolicyCommand,
  DeleteVirtualMFADeviceCommand,
  DetachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountAuthorizationDetailsCommand,
  GetLoginProfileCommand,
  GetSSHPublicKeyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  PutUserPermissionsBoundaryCommand,
  RemoveUserFromGroupCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
  UpdateServiceSpecificCredentialCommand,
  UpdateSigningCertificateCommand,
  UpdateSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { UserNotFoundError } from '../errors';
import {
  allPages,
  credentialStatus,
  isNoSuchEntity,
  isVirtualMfaSerial,
  iso,
  type AccessKeyRecord,
  type AttachedPolicyRecord,
  type CredentialStatus,
  type IamUser,
  type InlinePolicyRecord,
  type InventoryOptions,
  type LoginProfileRecord,
  type MfaDeviceRecord,
  type NewAccessKey,
  type ServiceCredentialRecord,
  type SigningCertificateRecord,
  type SshPublicKeyRecord,
  type UserInventory,
  type UserReadOptions,
} from './records';

function decodePolicy(document: string | undefined): string {
  if (!document) return '';
  try {
    return decodeURIComponent(document);
  } catch {
    return document;
  }
}

export class IamUsers {
  constructor(private readonly iam: IAMClient) {}

  /** Runs a change; NoSuchEntity means "already gone" and answers false. */
  private async change(send: () => Promise<unknown>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (isNoSuchEntity(error)) return false;
      throw error;
    }
  }

  // ---- the user ---------------------------------------------------------------------------------

  /** The user, or undefined when it does not exist. */
  async findUser(userName: string, options: UserReadOptions = {}): Promise<IamUser | undefined> {
    try {
      return await this.getUser(userName, options);
    } catch (error) {
      if (error instanceof UserNotFoundError) return undefined;
      throw error;
    }
  }

  /** The user with its path, immutable id, boundary and every tag; UserNotFoundError if absent. */
  async getUser(userName: string, options: UserReadOptions = {}): Promise<IamUser> {
    let user;
    try {
      ({ User: user } = await this.iam.send(new GetUserCommand({ UserName: userName })));
    } catch (error) {
      if (isNoSuchEntity(error)) throw new UserNotFoundError(userName);
      throw error;
    }
    if (!user?.UserId) throw new UserNotFoundError(userName);
    const tags =
      options.tagsFromGetUser && user.Tags
        ? Object.fromEntries(user.Tags.map((t) => [t.Key ?? '', t.Value ?? '']))
        : await this.listTags(userName);
    const boundary = user.PermissionsBoundary?.PermissionsBoundaryArn;
    return {
      userName: user.UserName ?? userName,
      userId: user.UserId,
      arn: user.Arn ?? '',
      path: user.Path ?? '/',
      ...(user.CreateDate ? { createDate: user.CreateDate.toISOString() } : {}),
      ...(boundary ? { permissionsBoundaryArn: boundary } : {}),
      tags,
    };
  }

  /**
   * Every IAM user of the account with its path, id and tags, in pages of up to 1000 users
   * (GetAccountAuthorizationDetails, filter User): the fleet report's one read of every user's tags,
   * instead of one ListUserTags per user. Policies and groups in the answer are ignored.
   */
  async listAllUsers(): Promise<IamUser[]> {
    const users: IamUser[] = [];
    let marker: string | undefined;
    do {
      const out = await this.iam.send(
        new GetAccountAuthorizationDetailsCommand({ Filter: ['User'], MaxItems: 1000, Marker: marker }),
      );
      for (const u of out.UserDetailList ?? []) {
        if (!u.UserName) continue;
        const boundary = u.PermissionsBoundary?.PermissionsBoundaryArn;
        users.push({
          userName: u.UserName,
          userId: u.UserId ?? '',
          arn: u.Arn ?? '',
          path: u.Path ?? '/',
          ...(u.CreateDate ? { createDate: u.CreateDate.toISOString() } : {}),
          ...(boundary ? { permissionsBoundaryArn: boundary } : {}),
          tags: Object.fromEntries((u.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        });
      }
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
    return users;
  }

  async listTags(userName: string): Promise<Record<string, string>> {
    const tags = await allPages(userName, async (Marker) => {
      const out = await this.iam.send(new ListUserTagsCommand({ UserName: userName, Marker }));
      return { items: out.Tags, isTruncated: out.IsTruncated, marker: out.Marker };
    });
    return Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? '']));
  }

  async listGroups(userName: string): Promise<string[]> {
    const groups = await allPages(userName, async (Marker) => {
      const out = await this.iam.send(new ListGroupsForUserCommand({ UserName: userName, Marker }));
      return { items: out.Groups, isTruncated: out.IsTruncated, marker: out.Marker };
    });
    return groups.map((g) => g.GroupName ?? '').filter((name) => name !== '');
  }

  async listAttachedPolicies(userName: string): Promise<AttachedPolicyRecord[]> {
    const policies = await allPages(userName, async (Marker) => {
      const out = await this.iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName, Marker }));
      return { items: out.AttachedPolicies, isTruncated: out.IsTruncated, marker: out.Marker };
    });
    return policies.map((p) => ({ policyArn: p.PolicyArn ?? '', policyName: p.PolicyName ?? '' }));
  }

  async listInlinePolicyNames(userName: string): Promise<string[]> {
    return allPages(userName, async (Marker) => {
      const out = await this.iam.send(new ListUserPoliciesCommand({ UserName: userName, Marker }));
      return { items: out.PolicyNames, isTruncated: out.IsTruncated, marker: out.Marker };
    });
  }

  /** The decoded policy JSON, or undefined when the user has no inline policy of that name. */
  async getInlinePolicy(userName: string, policyName: string): Promise<string | undefined> {
    try {
      const out = await this.iam.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: policyName }));
      return decodePolicy(out.PolicyDocument);
    } catch (error) {
      if (isNoSuchEntity(error)) return undefined;
      throw error;
    }
  }

  /** Whether a console password exists (the password itself is never readable). */
  async getLoginProfile(userName: string): Promise<LoginProfileRecord | undefined> {
    try {
      const { LoginProfile } = await this.iam.send(new GetLoginProfileCommand({ UserName: userName }));
      if (!LoginProfile) return undefined;
      return {
        ...(LoginProfile.CreateDate ? { createDate: LoginProfile.CreateDate.toISOString() } : {}),
        passwordResetRequired: LoginProfile.PasswordResetRequired ?? false,
      };
    } catch (error) {
      // NoSuchEntity here means "no password" (or no user; callers check the user first).
      if (isNoSuchEntity(error)) return undefined;
      throw error;
    }
  }

  // ---- access keys ------------------------------------------------------------------------------

  /** The user's keys (metadata); with `lastUsed`, one GetAccessKeyLastUsed per key after listing. */
  async listAccessKeys(userName: string, options: { lastUsed?: boolean } = {}): Promise<AccessKeyRecord[]> {
    const keys = await allPages(userName, async (Marker) => {
      const out = await this.iam.send(new ListAccessKeysCommand({ UserName: userName, Marker }));
      return { items: out.AccessKeyMetadata, isTruncated: out.IsTruncated, marker: out.Marker };
    });
    const records: AccessKeyRecord[] = [];
    for (const key of keys) {
      const accessKeyId = key.AccessKeyId ?? '';
      const lastUsed = options.lastUsed && accessKeyId ? await this.readLastUsed(accessKeyId) : undefined;
      records.push({
        accessKeyId,
        status: credentialStatus(key.Status),
        ...(key.CreateDate ? { createDate: key.CreateDate.toISOString() } : {}),
        ...(lastUsed?.LastUsedDate ? { lastUsedDate: lastUsed.LastUsedDate.toISOString() } : {}),
        // IAM answers "N/A" for a key that never signed a request.
        ...(lastUsed?.ServiceName && lastUsed.ServiceName !== 'N/A' ? { lastUsedService: lastUsed.ServiceName } : {}),
      });
    }
    return records;
  }

  /** When the key last signed a request, or undefined when it never did. */
  async lastUsed(accessKeyId: string): Promise<Date | undefined> {
    return (await this.readLastUsed(accessKeyId))?.LastUsedDate ?? undefined;
  }

  /**
   * The user that owns the key (GetAccessKeyLastUsed answers UserName), or undefined when the key does
   * not exist in this account. How an exposure report naming only a key id finds its user.
   */
  async keyOwner(accessKeyId: string): Promise<string | undefined> {
    try {
      return (await this.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }))).UserName ?? undefined;
    } catch (error) {
      if (isNoSuchEntity(error)) return undefined;
      throw error;
    }
  }

  /** GetAccessKeyLastUsed; a key deleted meanwhile (by a person or an offboarding) is not in use any more. */
  private async readLastUsed(accessKeyId: string): Promise<{ LastUsedDate?: Date; ServiceName?: string } | undefined> {
    try {
      return (await this.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }))).AccessKeyLastUsed;
    } catch (error) {
      if (isNoSuchEntity(error)) return undefined;
      throw error;
    }
  }

  async createAccessKey(userName: string): Promise<NewAccessKey> {
    const { AccessKey } = await this.iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    if (!AccessKey?.AccessKeyId || !AccessKey.SecretAccessKey) throw new Error('CreateAccessKey returned no key');
    return {
      accessKeyId: AccessKey.AccessKeyId,
      secretAccessKey: AccessKey.SecretAccessKey,
      createdAt: AccessKey.CreateDate ?? new Date(),
    };
  }

  /**
   * Switches the key on or off; false when it was already gone. With `mustExist`, a missing key
   * is not "already done": IAM's NoSuchEntity error propagates (rotation wants to know).
   */
  async setAccessKeyStatus(
    userName: string,
    accessKeyId: string,
    to: CredentialStatus,
    options: { mustExist?: boolean } = {},
  ): Promise<boolean> {
    const send = () => this.iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: to }));
    if (!options.mustExist) return this.change(send);
    await send();
    return true;
  }

  /** Deletes the exact key; false when it was already gone. */
  async deleteAccessKey(userName: string, accessKeyId: string): Promise<boolean> {
    return this.change(() => this.iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId })));
  }

  // ---- other credentials ------------------------------------------------------------------------

  async listMfaDevices(userName: string): Promise<MfaDeviceRecord[]> {
    const devices = await allPages(userName, async (Marker) => {
      const out = await this.iam.send(new ListMFADevicesCommand({ UserName: userName, Marker }));
      return { items: out.MFADevices, isTruncated: out.IsTruncated, marker: out.Marker };
    });
    return devices.map((d) => {
      const serialNumber = d.SerialNumber ?? '';
      return {
        serialNumber,
        ...(d.EnableDate ? { enableDate: d.EnableDate.toISOString() } : {}),
        virtual: isVirtualMfaSerial(serialNumber),
      };
    });
  }

  async listSshPublicKeys(userName: string, options: { bodies?: boolean } = {}): Promise<SshPublicKeyRecord[]> {
    const keys = await allPages(userName, async (Marker) => {
      const out = await this.iam.send(new ListSSHPublicKeysCommand({ UserName: userName, Marker }));
      return { items: out.SSHPublicKeys, isTruncated: out.IsTruncated, marker: out.Marker };
    });
    const records: SshPublicKeyRecord[] = [];
    for (const key of keys) {
      const sshPublicKeyId = key.SSHPublicKeyId ?? '';
      let detail: { Fingerprint?: string; SSHPublicKeyBody?: string } | undefined;
      if (options.bodies && sshPublicKeyId) {
        try {
          detail = (
            await this.iam.send(
              new GetSSHPublicKeyCommand({ UserName: userName, SSHPublicKeyId: sshPublicKeyId, Encoding: 'SSH' }),
            )
          ).SSHPublicKey;
        } catch (error) {
          if (!isNoSuchEntity(error)) throw error;
        }
      }
      records.push({
        sshPublicKeyId,
        status: credentialStatus(key.Status),
        ...(key.UploadDate ? { uploadDate: key.UploadDate.toISOString() } : {}),
        ...(detail?.Fingerprint ? { fingerprint: detail.Fingerprint } : {}),
        ...(detail?.SSHPublicKeyBody ? { body: detail.SSHPublicKeyBody } : {}),
      });
    }
    return records;
  }

  async listSigningCertificates(userName: string, options: { bodies?: boolean } = {}): Promise<SigningCertificateRecord[]> {
    const certificates = await allPages(userName, async (Marker) => {
      const out = await this.iam.send(new ListSigningCertificatesCommand({ UserName: userName, Marker }));
      return { items: out.Certificates, isTruncated: out.IsTruncated, marker: out.Marker };
    });
    return certificates.map((c) => ({
      certificateId: c.CertificateId ?? '',
      status: credentialStatus(c.Status),
      ...(c.UploadDate ? { uploadDate: c.UploadDate.toISOString() } : {}),
      ...(options.bodies && c.CertificateBody ? { body: c.CertificateBody } : {}),
    }));
  }

  async listServiceSpecificCredentials(userName: string): Promise<ServiceCredentialRecord[]> {
    const credentials = await allPages(userName, async (Marker) => {
      const out = await this.iam.send(new ListServiceSpecificCredentialsCommand({ UserName: userName, Marker }));
      return { items: out.ServiceSpecificCredentials, isTruncated: out.IsTruncated, marker: out.Marker };
    });
    return credentials.map((c) => ({
      serviceSpecificCredentialId: c.ServiceSpecificCredentialId ?? '',
      serviceName: c.ServiceName ?? '',
      ...(c.ServiceUserName ? { serviceUserName: c.ServiceUserName } : {}),
      status: credentialStatus(c.Status),
      ...(c.CreateDate ? { createDate: iso(c.CreateDate) } : {}),
    }));
  }

  /**
   * Reads everything the user has. The list calls are independent, so they run concurrently;
   * per-item details cost one call each and are read only when asked for.
   */
  async inventory(userName: string, options: InventoryOptions = {}): Promise<UserInventory> {
    const user = await this.getUser(userName);
    const [groups, attachedPolicies, inlineNames, loginProfile, accessKeys, mfaDevices, sshPublicKeys, signingCertificates] =
      await Promise.all([
        this.listGroups(userName),
        this.listAttachedPolicies(userName),
        this.listInlinePolicyNames(userName),
        this.getLoginProfile(userName),
        this.listAccessKeys(userName, { lastUsed: options.accessKeyLastUsed ?? false }),
        this.listMfaDevices(userName),
        this.listSshPublicKeys(userName, { bodies: options.publicKeyBodies ?? false }),
        this.listSigningCertificates(userName, { bodies: options.publicKeyBodies ?? false }),
      ]);
    const serviceSpecificCredentials = await this.listServiceSpecificCredentials(userName);
    const inlinePolicies: InlinePolicyRecord[] = [];
    for (const policyName of inlineNames) {
      const document = options.policyDocuments ? await this.getInlinePolicy(userName, policyName) : undefined;
      inlinePolicies.push({ policyName, document: document ?? '' });
    }
    return {
      user,
      groups,
      attachedPolicies,
      inlinePolicies,
      ...(loginProfile ? { loginProfile } : {}),
      accessKeys,
      mfaDevices,
      sshPublicKeys,
      signingCertificates,
      serviceSpecificCredentials,
    };
  }

  // ---- switching credentials off and on, tags, policies, groups ---------------------------------

  async deleteLoginProfile(userName: string): Promise<boolean> {
    return this.change(() => this.iam.send(new DeleteLoginProfileCommand({ UserName: userName })));
  }

  async setSshPublicKeyStatus(userName: string, sshPublicKeyId: string, to: CredentialStatus): Promise<boolean> {
    return this.change(() =>
      this.iam.send(new UpdateSSHPublicKeyCommand({ UserName: userName, SSHPublicKeyId: sshPublicKeyId, Status: to })),
    );
  }

  async setSigningCertificateStatus(userName: string, certificateId: string, to: CredentialStatus): Promise<boolean> {
    return this.change(() =>
      this.iam.send(new UpdateSigningCertificateCommand({ UserName: userName, CertificateId: certificateId, Status: to })),
    );
  }

  async setServiceCredentialStatus(userName: string, credentialId: string, to: CredentialStatus): Promise<boolean> {
    return this.change(() =>
      this.iam.send(
        new UpdateServiceSpecificCredentialCommand({ UserName: userName, ServiceSpecificCredentialId: credentialId, Status: to }),
      ),
    );
  }

  async tagUser(userName: string, tags: Readonly<Record<string, string>>): Promise<void> {
    const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    if (list.length > 0) await this.iam.send(new TagUserCommand({ UserName: userName, Tags: list }));
  }

  async untagUser(userName: string, keys: readonly string[]): Promise<boolean> {
    if (keys.length === 0) return false;
    return this.change(() => this.iam.send(new UntagUserCommand({ UserName: userName, TagKeys: [...keys] })));
  }

  async attachPolicy(userName: string, policyArn: string): Promise<void> {
    await this.iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: policyArn }));
  }

  async addToGroup(userName: string, groupName: string): Promise<void> {
    await this.iam.send(new AddUserToGroupCommand({ UserName: userName, GroupName: groupName }));
  }

  async putPermissionsBoundary(userName: string, policyArn: string): Promise<void> {
    await this.iam.send(new PutUserPermissionsBoundaryCommand({ UserName: userName, PermissionsBoundary: policyArn }));
  }

  // ---- removing dependencies ------------------------------------------------------------------

  async deleteSigningCertificate(userName: string, certificateId: string): Promise<boolean> {
    return this.change(() =>
      this.iam.send(new DeleteSigningCertificateCommand({ UserName: userName, CertificateId: certificateId })),
    );
  }

  async deleteSshPublicKey(userName: string, sshPublicKeyId: string): Promise<boolean> {
    return this.change(() =>
      this.iam.send(new DeleteSSHPublicKeyCommand({ UserName: userName, SSHPublicKeyId: sshPublicKeyId })),
    );
  }

  async deleteServiceCredential(userName: string, credentialId: string): Promise<boolean> {
    return this.change(() =>
      this.iam.send(
        new DeleteServiceSpecificCredentialCommand({ UserName: userName, ServiceSpecificCredentialId: credentialId }),
      ),
    );
  }

  async deactivateMfaDevice(userName: string, serialNumber: string): Promise<boolean> {
    return this.change(() => this.iam.send(new DeactivateMFADeviceCommand({ UserName: userName, SerialNumber: serialNumber })));
  }

  async deleteVirtualMfaDevice(serialNumber: string): Promise<boolean> {
    return this.change(() => this.iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serialNumber })));
  }

  async deleteInlinePolicy(userName: string, policyName: string): Promise<boolean> {
    return this.change(() => this.iam.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: policyName })));
  }

  async detachPolicy(userName: string, policyArn: string): Promise<boolean> {
    return this.change(() => this.iam.send(new DetachUserPolicyCommand({ UserName: userName, PolicyArn: policyArn })));
  }

  async removeFromGroup(userName: string, groupName: string): Promise<boolean> {
    return this.change(() => this.iam.send(new RemoveUserFromGroupCommand({ UserName: userName, GroupName: groupName })));
  }

  async deletePermissionsBoundary(userName: string): Promise<boolean> {
    return this.change(() => this.iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: userName })));
  }

  async deleteUser(userName: string): Promise<boolean> {
    return this.change(() => this.iam.send(new DeleteUserCommand({ UserName: userName })));
  }
}
