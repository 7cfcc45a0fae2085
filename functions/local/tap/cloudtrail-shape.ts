/**
 * What CloudTrail logs for the IAM write calls the reactions watch (issue 8, "Events in"): the
 * request's query-protocol form parameters become `requestParameters` with AWS's names (first letter
 * lower-cased: `UserName` → `userName`, `SSHPublicKeyId` → `sSHPublicKeyId`; list members as arrays),
 * and the response's result element becomes `responseElements` the same way. Secrets are never
 * kept: AWS does not log passwords or secret keys, and neither does the tap.
 */

/** The CloudTrail record (the EventBridge envelope's `detail`), structurally as AWS writes it. */
export interface CloudTrailDetail {
  eventVersion: string;
  userIdentity: {
    type: string;
    principalId: string;
    arn: string;
    accountId: string;
    accessKeyId: string;
    userName?: string;
    sessionContext?: {
      sessionIssuer: { type: string; principalId: string; arn: string; accountId: string; userName: string };
      webIdFederationData: Record<string, never>;
      attributes: { creationDate: string; mfaAuthenticated: string };
    };
  };
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  eventType: 'AwsApiCall';
  managementEvent: boolean;
  recipientAccountId: string;
  eventCategory: 'Management';
  /** Set when AWS refused the call (`AccessDenied` from a deny policy): CloudTrail logs refused calls too. */
  errorCode?: string;
}

/** AWS's EventBridge envelope for a CloudTrail API call (R's `CloudTrailEvent`, structurally). */
export interface CloudTrailEvent {
  version: '0';
  id: string;
  'detail-type': 'AWS API Call via CloudTrail';
  /** `aws.iam` for the IAM calls EventBridge gets; other services' calls are only recorded for LookupEvents. */
  source: 'aws.iam' | `aws.${string}`;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: CloudTrailDetail;
}

/** The IAM write calls of issue 8 and the input fields CloudTrail logs for each (AWS API names). */
export const IAM_WRITE_CALLS: Readonly<Record<string, readonly string[]>> = {
  CreateAccessKey: ['UserName'],
  UpdateAccessKey: ['UserName', 'AccessKeyId', 'Status'],
  DeleteAccessKey: ['UserName', 'AccessKeyId'],
  // Password is an input of both and never logged.
  CreateLoginProfile: ['UserName', 'PasswordResetRequired'],
  UpdateLoginProfile: ['UserName', 'PasswordResetRequired'],
  AttachUserPolicy: ['UserName', 'PolicyArn'],
  DetachUserPolicy: ['UserName', 'PolicyArn'],
  PutUserPolicy: ['UserName', 'PolicyName', 'PolicyDocument'],
  DeleteUserPolicy: ['UserName', 'PolicyName'],
  AddUserToGroup: ['GroupName', 'UserName'],
  PutUserPermissionsBoundary: ['UserName', 'PermissionsBoundary'],
  DeleteUserPermissionsBoundary: ['UserName'],
  UploadSSHPublicKey: ['UserName', 'SSHPublicKeyBody'],
  UpdateSSHPublicKey: ['UserName', 'SSHPublicKeyId', 'Status'],
  UploadSigningCertificate: ['UserName', 'CertificateBody'],
  UpdateSigningCertificate: ['UserName', 'CertificateId', 'Status'],
  CreateServiceSpecificCredential: ['UserName', 'ServiceName'],
  UpdateServiceSpecificCredential: ['UserName', 'ServiceSpecificCredentialId', 'Status'],
  DeactivateMFADevice: ['UserName', 'SerialNumber'],
  DeleteVirtualMFADevice: ['SerialNumber'],
  TagUser: ['UserName', 'Tags'],
  UntagUser: ['UserName', 'TagKeys'],
  CreateUser: ['Path', 'UserName', 'PermissionsBoundary', 'Tags'],
};

/** The result element CloudTrail logs as `responseElements` (others log null). */
const RESULT_ELEMENT: Readonly<Record<string, string>> = {
  CreateAccessKey: 'AccessKey',
  CreateLoginProfile: 'LoginProfile',
  UploadSSHPublicKey: 'SSHPublicKey',
  UploadSigningCertificate: 'Certificate',
  CreateServiceSpecificCredential: 'ServiceSpecificCredential',
  CreateUser: 'User',
};

/** Never logged by AWS, never kept by the tap (any case, request or response). */
const SECRET_FIELDS = new Set(['secretaccesskey', 'password', 'newpassword', 'oldpassword', 'servicepassword']);
const BOOLEAN_FIELDS = new Set(['PasswordResetRequired']);

export const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);
export const isSecretField = (name: string): boolean => SECRET_FIELDS.has(name.toLowerCase());

/** `Tags.member.1.Key=a&Tags.member.1.Value=b` → `[{ key: 'a', value: 'b' }]`; `TagKeys.member.1=a` → `['a']`. */
function memberList(params: URLSearchParams, name: string): unknown[] | undefined {
  const items = new Map<number, Record<string, string> | string>();
  const pattern = new RegExp(`^${name}\\.member\\.(\\d+)(?:\\.(\\w+))?$`);
  for (const [key, value] of params) {
    const m = pattern.exec(key);
    if (!m) continue;
    const index = Number(m[1]);
    if (!m[2]) items.set(index, value);
    else {
      const item = items.get(index);
      const obj = typeof item === 'object' ? item : {};
      obj[lowerFirst(m[2])] = value;
      items.set(index, obj);
    }
  }
  if (items.size === 0) return undefined;
  return [...items.entries()].sort(([a], [b]) => a - b).map(([, v]) => v);
}

/** The `requestParameters` CloudTrail logs for the call (null when the call takes none of them). */
export function requestParameters(action: string, params: URLSearchParams): Record<string, unknown> | null {
  const fields = IAM_WRITE_CALLS[action] ?? [];
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (isSecretField(field)) continue;
    const list = memberList(params, field);
    if (list) out[lowerFirst(field)] = list;
    else if (params.has(field)) {
      const value = params.get(field)!;
      out[lowerFirst(field)] = BOOLEAN_FIELDS.has(field) ? value === 'true' : value;
    }
  }
  return Object.keys(out).length > 0 ? out : null;
}

const decodeXml = (text: string): string =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&');

/** AWS's CloudTrail date in IAM response elements: "Nov 30, 2026, 11:02:03 PM" (UTC). */
export function cloudTrailDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const time = d.toLocaleString('en-US', {
    hour: 'numeric',
    minute: '2-digit',
    second: '2-digit',
    hour12: true,
    timeZone: 'UTC',
  });
  return `${month} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${time}`;
}

/** The flat children of one XML element, as `{ lowerFirstName: value }`, secrets left out. */
function flatChildren(xml: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of xml.matchAll(/<(\w+)>([^<]*)<\/\1>/g)) {
    const [, name, raw] = m as unknown as [string, string, string];
    if (isSecretField(name)) continue;
    const value = decodeXml(raw);
    out[lowerFirst(name)] = /Date$/.test(name) ? cloudTrailDate(value) : BOOLEAN_FIELDS.has(name) ? value === 'true' : value;
  }
  return out;
}

/** The `responseElements` CloudTrail logs for the call's (successful) XML answer. */
export function responseElements(action: string, xml: string): Record<string, unknown> | null {
  const element = RESULT_ELEMENT[action];
  if (!element) return null;
  const m = new RegExp(`<${action}Result>[\\s\\S]*?<${element}>([\\s\\S]*?)</${element}>`).exec(xml);
  if (!m) return null;
  // Nested lists (a user's Tags) are logged by AWS too; the flat fields are what the reactions read.
  const inner = m[1]!.replace(/<(\w+)>\s*<member>[\s\S]*?<\/\1>/g, '');
  return { [lowerFirst(element)]: flatChildren(inner) };
}

/** The `<RequestId>` of a query-protocol answer. */
export function requestIdOf(xml: string): string | undefined {
  return /<RequestId>([^<]+)<\/RequestId>/.exec(xml)?.[1];
}
