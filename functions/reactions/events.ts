/**
 * The CloudTrail event as EventBridge delivers it (`detail-type: AWS API Call via CloudTrail`):
 * AWS's standard envelope with the CloudTrail record in `detail`. Parsed strictly enough that the
 * reactions can trust the fields they read; everything else is carried as is.
 */
import { ValidationError } from '../shared/errors';

export interface SessionIssuer {
  readonly type?: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly userName?: string;
}

export interface UserIdentity {
  readonly type: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly invokedBy?: string;
  readonly sessionContext?: {
    readonly sessionIssuer?: SessionIssuer;
    readonly attributes?: Readonly<Record<string, unknown>>;
  };
}

export interface CloudTrailDetail {
  readonly eventVersion: string;
  readonly userIdentity: UserIdentity;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
  readonly requestParameters: Readonly<Record<string, unknown>> | null;
  readonly responseElements: Readonly<Record<string, unknown>> | null;
  readonly requestID?: string;
  readonly eventID: string;
  readonly eventType: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

export interface CloudTrailEvent {
  readonly version: string;
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources?: readonly string[];
  readonly detail: CloudTrailDetail;
}

export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
export const IAM_EVENT_SOURCE = 'iam.amazonaws.com';

/** The IAM write calls on users the reactions listen to (issue 8, "Events in"). */
export const REACTION_EVENT_NAMES = [
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'CreateLoginProfile',
  'UpdateLoginProfile',
  'AttachUserPolicy',
  'PutUserPolicy',
  'DeleteUserPolicy',
  'DetachUserPolicy',
  'AddUserToGroup',
  'PutUserPermissionsBoundary',
  'DeleteUserPermissionsBoundary',
  'UploadSSHPublicKey',
  'UpdateSSHPublicKey',
  'UploadSigningCertificate',
  'UpdateSigningCertificate',
  'CreateServiceSpecificCredential',
  'UpdateServiceSpecificCredential',
  'DeactivateMFADevice',
  'DeleteVirtualMFADevice',
  'TagUser',
  'UntagUser',
  'CreateUser',
] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(problems: string[], where: Record<string, unknown>, field: string, prefix = ''): string {
  const value = where[field];
  if (typeof value !== 'string' || value.length === 0) {
    problems.push(`${prefix}${field} must be a non-empty string`);
    return '';
  }
  return value;
}

function objectOrNull(problems: string[], value: unknown, field: string): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) {
    problems.push(`detail.${field} must be an object or null`);
    return null;
  }
  return value;
}

/** The envelope checked and typed; ValidationError listing every problem otherwise. */
export function parseCloudTrailEvent(raw: unknown): CloudTrailEvent {
  if (!isRecord(raw)) throw new ValidationError('a CloudTrail event must be a JSON object');
  const problems: string[] = [];
  for (const field of ['version', 'id', 'source', 'account', 'time', 'region']) text(problems, raw, field);
  if (raw['detail-type'] !== CLOUDTRAIL_DETAIL_TYPE) problems.push(`detail-type must be "${CLOUDTRAIL_DETAIL_TYPE}"`);
  const detail = raw.detail;
  if (!isRecord(detail)) {
    problems.push('detail must be an object');
    throw new ValidationError(`not a CloudTrail event: ${problems.join('; ')}`);
  }
  for (const field of ['eventVersion', 'eventTime', 'eventSource', 'eventName', 'awsRegion', 'eventID', 'eventType']) {
    text(problems, detail, field, 'detail.');
  }
  if (Number.isNaN(Date.parse(String(detail.eventTime)))) problems.push('detail.eventTime must be a timestamp');
  const identity = detail.userIdentity;
  if (!isRecord(identity)) problems.push('detail.userIdentity must be an object');
  else text(problems, identity, 'type', 'detail.userIdentity.');
  const requestParameters = objectOrNull(problems, detail.requestParameters, 'requestParameters');
  const responseElements = objectOrNull(problems, detail.responseElements, 'responseElements');
  if (problems.length > 0) throw new ValidationError(`not a CloudTrail event: ${problems.join('; ')}`);
  return {
    ...(raw as unknown as CloudTrailEvent),
    detail: { ...(detail as unknown as CloudTrailDetail), requestParameters, responseElements },
  };
}

/** A string request parameter (CloudTrail spells them lowerCamel: userName, accessKeyId, sSHPublicKeyId). */
export function param(event: CloudTrailEvent, name: string): string | undefined {
  const value = event.detail.requestParameters?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The user an event acts on (requestParameters.userName), or undefined (a call on the caller itself). */
export function targetUserName(event: CloudTrailEvent): string | undefined {
  return param(event, 'userName');
}

/**
 * Who made the call: the session issuer (role) ARN and unique id for assumed roles, the identity's
 * ARN and principal id (`AROA...:session` -> `AROA...`).
 */
export function actorArns(identity: UserIdentity): string[] {
  const issuer = identity.sessionContext?.sessionIssuer;
  return [issuer?.arn, issuer?.principalId, identity.arn, identity.principalId?.split(':')[0]].filter(
    (a): a is string => typeof a === 'string' && a.length > 0,
  );
}
