/** The IAM calls the project makes, behind one small adapter (paginated where IAM paginates). */
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  NoSuchEntityException,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { UserNotFoundError } from './errors';

export type KeyStatus = 'Active' | 'Inactive';

export interface AccessKeyInfo {
  readonly accessKeyId: string;
  readonly status: KeyStatus;
  readonly createdAt: Date;
}

export interface UserInfo {
  readonly userName: string;
  readonly arn: string;
  readonly path: string;
  readonly tags: Readonly<Record<string, string>>;
  /** IAM's UserId (AIDA...): stays with this user, a re-created user of the same name gets another. */
  readonly userId?: string;
}

/** A freshly created key. `secretAccessKey` must go straight to Secrets Manager and nowhere else. */
export interface NewAccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly createdAt: Date;
}

export function isNoSuchEntity(error: unknown): boolean {
  return (
    error instanceof NoSuchEntityException ||
    (error as Error | undefined)?.name === 'NoSuchEntityException' ||
    (error as Error | undefined)?.name === 'NoSuchEntity'
  );
}

export class IamGateway {
  constructor(private readonly iam: IAMClient) {}

  /** The user with its tags; throws UserNotFoundError when it does not exist. */
  async getUser(userName: string): Promise<UserInfo> {
    try {
      const { User } = await this.iam.send(new GetUserCommand({ UserName: userName }));
      if (!User) throw new UserNotFoundError(userName);
      const tags = User.Tags
        ? Object.fromEntries(User.Tags.map((t) => [t.Key ?? '', t.Value ?? '']))
        : await this.listUserTags(userName);
      return {
        userName: User.UserName ?? userName,
        arn: User.Arn ?? '',
        path: User.Path ?? '/',
        tags,
        ...(User.UserId ? { userId: User.UserId } : {}),
      };
    } catch (error) {
      if (isNoSuchEntity(error)) throw new UserNotFoundError(userName);
      throw error;
    }
  }

  async listUserTags(userName: string): Promise<Record<string, string>> {
    const tags: Record<string, string> = {};
    let marker: string | undefined;
    try {
      do {
        const page = await this.iam.send(new ListUserTagsCommand({ UserName: userName, Marker: marker }));
        for (const tag of page.Tags ?? []) tags[tag.Key ?? ''] = tag.Value ?? '';
        marker = page.IsTruncated ? page.Marker : undefined;
      } while (marker);
    } catch (error) {
      if (isNoSuchEntity(error)) throw new UserNotFoundError(userName);
      throw error;
    }
    return tags;
  }

  async listAccessKeys(userName: string): Promise<AccessKeyInfo[]> {
    const keys: AccessKeyInfo[] = [];
    let marker: string | undefined;
    try {
      do {
        const page = await this.iam.send(new ListAccessKeysCommand({ UserName: userName, Marker: marker }));
        for (const key of page.AccessKeyMetadata ?? []) {
          keys.push({
            accessKeyId: key.AccessKeyId ?? '',
            status: key.Status === 'Active' ? 'Active' : 'Inactive',
            createdAt: key.CreateDate ?? new Date(0),
          });
        }
        marker = page.IsTruncated ? page.Marker : undefined;
      } while (marker);
    } catch (error) {
      if (isNoSuchEntity(error)) throw new UserNotFoundError(userName);
      throw error;
    }
    return keys;
  }

  /** When the key last signed a request, or undefined when it never did. */
  async lastUsed(accessKeyId: string): Promise<Date | undefined> {
    try {
      const out = await this.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }));
      return out.AccessKeyLastUsed?.LastUsedDate ?? undefined;
    } catch (error) {
      // A key deleted meanwhile (by a person or an offboarding) is not in use any more.
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

  async setKeyStatus(userName: string, accessKeyId: string, status: KeyStatus): Promise<void> {
    await this.iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status }));
  }

  /** Deletes the exact key; returns false when it was already gone. */
  async deleteAccessKey(userName: string, accessKeyId: string): Promise<boolean> {
    try {
      await this.iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }));
      return true;
    } catch (error) {
      if (isNoSuchEntity(error)) return false;
      throw error;
    }
  }
}
