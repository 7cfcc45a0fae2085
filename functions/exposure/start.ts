/**
 * Starting an exposure response from a key id alone (a Health event, POST /exposures, the CLI):
 * IAM tells the owning user (GetAccessKeyLastUsed answers UserName), and the execution is named
 * `expose-<user>-<keyId>`, so a second report of the same key (EventBridge delivers at least once,
 * AWS may send several codes for one key) joins the response already started instead of running twice.
 */
import { LifecycleError, ValidationError } from '../shared/errors';
import type { LifecycleConfig } from '../shared/config';
import { assertRequestAccount } from '../shared/account-scope';
import { exposureExecutionName } from '../shared/execution-names';
import type { IamUsers } from '../shared/iam/users';
import type { WorkflowPort } from '../shared/workflows';
import type { ExposureSource } from './steps/context';

/** The key is not an access key of this account (deleted already, or another account's). */
export class UnknownAccessKeyError extends LifecycleError {}

export interface ExposureStartRequest {
  readonly accessKeyId: string;
  readonly reason: string;
  readonly source: ExposureSource;
  /** The Health event ARN or another reference of the report. */
  readonly eventId?: string;
  /** Who reported it (`api:<principal>`, `cli:<arn>`); the Health event's ARN says it for `health`. */
  readonly requestedBy?: string;
  /** Organization mode: the account the key belongs to (12 digits); absent: the Lambda's own. */
  readonly accountId?: string;
}

/** Exactly what an exposure execution's input holds (Assess reads it through Step Functions). */
export interface ExposureExecutionInput {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly reason: string;
  readonly source: ExposureSource;
  readonly eventId?: string;
  readonly requestedBy?: string;
  /** Organization mode: the account the key belongs to. */
  readonly accountId?: string;
}

const ACCESS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{12,124}$/;
const SOURCES: readonly ExposureSource[] = ['health', 'api', 'cli'];

export function validateExposureRequest(request: ExposureStartRequest): ExposureStartRequest {
  if (typeof request?.accessKeyId !== 'string' || !ACCESS_KEY_ID.test(request.accessKeyId)) {
    throw new ValidationError('accessKeyId must be an IAM access key id (AKIA... or ASIA...)');
  }
  if (request.accessKeyId.startsWith('ASIA')) {
    throw new ValidationError('accessKeyId is a temporary (ASIA) key: it expires on its own; revoke its role sessions instead');
  }
  if (typeof request.reason !== 'string' || request.reason.trim().length === 0 || request.reason.length > 500) {
    throw new ValidationError('reason is required (1-500 characters)');
  }
  if (!SOURCES.includes(request.source)) throw new ValidationError(`source must be one of ${SOURCES.join(', ')}`);
  if (request.eventId !== undefined && (typeof request.eventId !== 'string' || request.eventId.length > 1600)) {
    throw new ValidationError('eventId must be a string of at most 1600 characters');
  }
  return request;
}

/**
 * @param deps.accountId organization mode: the account `iam` acts in (checked against `config`); the
 *        execution name and input carry it (`expose-<accountId>-<user>-<keyId>`).
 */
export async function startExposureResponse(
  deps: {
    readonly iam: Pick<IamUsers, 'keyOwner'>;
    readonly workflows: WorkflowPort;
    readonly accountId?: string;
    readonly config?: Pick<LifecycleConfig, 'organization'>;
  },
  request: ExposureStartRequest,
): Promise<{ executionName: string; started: boolean; userName: string; accountId?: string }> {
  const { accessKeyId, reason, source, eventId, requestedBy } = validateExposureRequest(request);
  const accountId = deps.accountId;
  if (accountId !== undefined) {
    if (!deps.config) throw new ValidationError('an exposure response in another account needs the organization config');
    assertRequestAccount(deps.config, accountId);
  }
  const userName = await deps.iam.keyOwner(accessKeyId);
  if (!userName)
    throw new UnknownAccessKeyError(`access key ${accessKeyId} is not a key of this account (or is already deleted)`);
  const executionName = exposureExecutionName(userName, accessKeyId, accountId);
  const input: ExposureExecutionInput = {
    userName,
    accessKeyId,
    reason: reason.trim(),
    source,
    ...(eventId !== undefined ? { eventId } : {}),
    ...(requestedBy !== undefined ? { requestedBy: requestedBy.slice(0, 1000) } : {}),
    ...(accountId !== undefined ? { accountId } : {}),
  };
  const result = await deps.workflows.start('exposure', executionName, input);
  return { executionName, started: result.started, userName, ...(accountId !== undefined ? { accountId } : {}) };
}
