/**
 * The records the IAM user adapter (./users.ts) answers with, and the rules every IAM read shares:
 * one "not found" rule (isNoSuchEntity) and one pagination helper (allPages).
 *
 * Dates in records are ISO strings: offboarding stores these records as JSON (snapshot, records)
 * and compares them; keyCreatedAt() gives the Date the rotation and scan rules compute with.
 */
import { NoSuchEntityException } from '@aws-sdk/client-iam';
import { UserNotFoundError } from '../errors';

export type CredentialStatus = 'Active' | 'Inactive';

/** The one IAM "not found" rule: the SDK's exception class, or its name from a mock or moto. */
export function isNoSuchEntity(error: unknown): boolean {
  return (
    error instanceof NoSuchEntityException ||
    (error as Error | undefined)?.name === 'NoSuchEntityException' ||
    (error as Error | undefined)?.name === 'NoSuchEntity'
  );
}

export interface Page<T> {
  readonly items: readonly T[] | undefined;
  readonly isTruncated?: boolean;
  readonly marker?: string;
}

/** Follows Marker/IsTruncated until the end; a missing user becomes UserNotFoundError. */
export async function allPages<T>(userName: string, fetch: (marker: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  try {
    do {
      const page = await fetch(marker);
      items.push(...(page.items ?? []));
      marker = page.isTruncated ? page.marker : undefined;
    } while (marker);
  } catch (error) {
    if (isNoSuchEntity(error)) throw new UserNotFoundError(userName);
    throw error;
  }
  return items;
}

export function iso(date: Date | undefined): string | undefined {
  return date ? date.toISOString() : undefined;
}

export function credentialStatus(value: string | undefined): CredentialStatus {
  return value === 'Active' ? 'Active' : 'Inactive';
}

/** Virtual MFA devices have ARNs `arn:aws:iam::<account>:mfa/<name>`; hardware and FIDO devices do not. */
export function isVirtualMfaSerial(serialNumber: string): boolean {
  return /^arn:aws[a-z-]*:iam::\d{12}:mfa\//.test(serialNumber);
}

/** The IAM user. */
export interface IamUser {
  readonly userName: string;
  /** Immutable id of this incarnation of the user; a re-created user with the same name gets a new one. */
  readonly userId: string;
  readonly arn: string;
  readonly path: string;
  readonly createDate?: string;
  readonly permissionsBoundaryArn?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface UserReadOptions {
  /**
   * Take the tags GetUser returned (ListUserTags only when it returned none): one call fewer, what
   * rotation, scan, API and CLI read. By default the tags are always read with ListUserTags.
   * @default false
   */
  readonly tagsFromGetUser?: boolean;
}

/** An access key's metadata (never its secret). */
export interface AccessKeyRecord {
  readonly accessKeyId: string;
  readonly status: CredentialStatus;
  readonly createDate?: string;
  /** Only when read with `{ lastUsed: true }`. */
  readonly lastUsedDate?: string;
  readonly lastUsedService?: string;
}

/** When the key was created; the epoch when IAM did not say (such a key counts as old). */
export function keyCreatedAt(key: Pick<AccessKeyRecord, 'createDate'>): Date {
  return key.createDate ? new Date(key.createDate) : new Date(0);
}

/** A freshly created key. `secretAccessKey` must go straight to Secrets Manager and nowhere else. */
export interface NewAccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly createdAt: Date;
}

export interface LoginProfileRecord {
  readonly createDate?: string;
  readonly passwordResetRequired: boolean;
}

export interface MfaDeviceRecord {
  readonly serialNumber: string;
  readonly enableDate?: string;
  /** Virtual devices are IAM resources of their own and must be deleted after deactivation. */
  readonly virtual: boolean;
}

export interface SshPublicKeyRecord {
  readonly sshPublicKeyId: string;
  readonly status: CredentialStatus;
  readonly uploadDate?: string;
  readonly fingerprint?: string;
  /** The public key (public material), kept in the snapshot so a person could re-upload it. */
  readonly body?: string;
}

export interface SigningCertificateRecord {
  readonly certificateId: string;
  readonly status: CredentialStatus;
  readonly uploadDate?: string;
  /** The X.509 certificate (public material). */
  readonly body?: string;
}

export interface ServiceCredentialRecord {
  readonly serviceSpecificCredentialId: string;
  readonly serviceName: string;
  readonly serviceUserName?: string;
  readonly status: CredentialStatus;
  readonly createDate?: string;
}

export interface AttachedPolicyRecord {
  readonly policyArn: string;
  readonly policyName: string;
}

export interface InlinePolicyRecord {
  readonly policyName: string;
  /** The policy JSON, URL-decoded (IAM returns it URL-encoded); empty when not read. */
  readonly document: string;
}

/** Everything a user has: what the snapshot stores and what teardown must remove. */
export interface UserInventory {
  readonly user: IamUser;
  readonly groups: readonly string[];
  readonly attachedPolicies: readonly AttachedPolicyRecord[];
  readonly inlinePolicies: readonly InlinePolicyRecord[];
  readonly loginProfile?: LoginProfileRecord;
  readonly accessKeys: readonly AccessKeyRecord[];
  readonly mfaDevices: readonly MfaDeviceRecord[];
  readonly sshPublicKeys: readonly SshPublicKeyRecord[];
  readonly signingCertificates: readonly SigningCertificateRecord[];
  readonly serviceSpecificCredentials: readonly ServiceCredentialRecord[];
}

export interface InventoryOptions {
  /** Read each inline policy document (GetUserPolicy per policy). @default false */
  readonly policyDocuments?: boolean;
  /** Read each access key's last use (GetAccessKeyLastUsed per key). @default false */
  readonly accessKeyLastUsed?: boolean;
  /** Read SSH public key bodies (GetSSHPublicKey per key) and certificate bodies. @default false */
  readonly publicKeyBodies?: boolean;
}
