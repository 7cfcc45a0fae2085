/**
 * The HTTP API (API Gateway REST, AWS_IAM auth) as one thin Lambda: parse and validate, call the
 * same services the CLI uses, map named errors to status codes. Responses never hold secrets, and
 * unexpected errors are answered with a generic message (details go to the log only).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { LifecycleConfig } from '../shared/config';
import { LifecycleError, UserNotFoundError, ValidationError } from '../shared/errors';
import type { IamUsers } from '../shared/iam/users';
import type { SecretStore } from '../shared/secret-store';
import type { WorkflowPort } from '../shared/workflows';
import { NoRunningWorkflowError, rollbackRotation } from '../rotation/rollback';
import { startOnDemandRotation } from '../rotation/on-demand';
import { MAX_OBSERVATION_DAYS } from '../offboarding/service';
import { approvalRequired } from '../offboarding/approval';
import { NoPendingApprovalError, SelfApprovalError } from '../offboarding/errors';
import { exposureApiRoute } from '../exposure/api-route';
import { UnknownAccessKeyError } from '../exposure/start';
import { userView } from './user-view';
import { parseJsonObject, requireUserName, optionalString, optionalPositiveInteger } from './validation';

/** What the API needs from the offboarding capability (functions/offboarding/service.ts). */
export interface OffboardingApi {
  start(request: {
    userName: string;
    reason: string;
    requestedBy: string;
    onBehalfOf?: string;
    observationDays?: number;
  }): Promise<{ executionName: string; started: boolean; [field: string]: unknown }>;
  cancel(userName: string, requestedBy: string): Promise<Record<string, unknown>>;
  /** Two-person rule (functions/offboarding/approval.ts): record a request that awaits approval. */
  requestApproval(
    request:
      | {
          action: 'offboard';
          userName: string;
          reason: string;
          requestedBy: string;
          onBehalfOf?: string;
          observationDays?: number;
        }
      | { action: 'cancel'; userName: string; requestedBy: string },
  ): Promise<{ created: boolean; [field: string]: unknown }>;
  /** A different principal approves the pending request; it then runs. */
  approve(
    userName: string,
    request: { action: 'offboard' | 'cancel'; approvedBy: string; requestId?: string },
  ): Promise<Record<string, unknown>>;
  status(userName: string): Promise<Record<string, unknown> | undefined>;
}

export interface ApiDeps {
  readonly iam: IamUsers;
  readonly secrets: Pick<SecretStore, 'currentKeyIdFromTags'>;
  readonly workflows: WorkflowPort;
  readonly config: LifecycleConfig;
  readonly clock: () => Date;
  readonly offboarding: OffboardingApi;
  readonly automationUserNames?: readonly string[];
  readonly logger: Pick<Logger, 'info' | 'error'>;
}

type Route = (event: APIGatewayProxyEvent, caller: string) => Promise<APIGatewayProxyResult>;

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

export function respond(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

/** The authenticated IAM principal (AWS_IAM auth puts it in the request context). */
function callerOf(event: APIGatewayProxyEvent): string {
  const identity = event.requestContext?.identity;
  return identity?.userArn ?? identity?.caller ?? 'unknown';
}

/**
 * Bad input is 400, a missing user or workflow 404; every other refusal (protected or out-of-scope
 * user, a conflicting workflow, two active keys, nothing to roll back) is a named error and 409.
 */
function statusFor(error: unknown): number {
  if (error instanceof ValidationError) return 400;
  if (error instanceof SelfApprovalError) return 403;
  if (error instanceof NoPendingApprovalError) return 404;
  if (error instanceof UserNotFoundError || error instanceof NoRunningWorkflowError) return 404;
  if (error instanceof UnknownAccessKeyError) return 404;
  if (error instanceof LifecycleError) return 409;
  return 500;
}

function approvalUrl(userName: string): string {
  return `/offboardings/${encodeURIComponent(userName)}/approval`;
}

export function makeApiHandler(deps: ApiDeps) {
  const routes: Record<string, Route> = {
    'POST /offboardings': async (event, caller) => {
      const body = parseJsonObject(event.body, ['userName', 'reason', 'requestedBy', 'observationDays']);
      const userName = requireUserName(body.userName);
      const reason = optionalString(body.reason, 'reason', 1000);
      if (!reason) throw new ValidationError('reason is required');
      const onBehalfOf = optionalString(body.requestedBy, 'requestedBy', 256);
      const observationDays = optionalPositiveInteger(body.observationDays, 'observationDays', MAX_OBSERVATION_DAYS);
      if (approvalRequired(deps.config, 'offboard')) {
        const pending = await deps.offboarding.requestApproval({
          action: 'offboard',
          userName,
          reason,
          requestedBy: caller,
          ...(onBehalfOf ? { onBehalfOf } : {}),
          ...(observationDays !== undefined ? { observationDays } : {}),
        });
        return respond(pending.created ? 202 : 200, { ...pending, userName, approvalUrl: approvalUrl(userName) });
      }
      const result = await deps.offboarding.start({
        userName,
        reason,
        requestedBy: caller,
        ...(onBehalfOf ? { onBehalfOf } : {}),
        ...(observationDays !== undefined ? { observationDays } : {}),
      });
      return respond(result.started ? 202 : 200, {
        ...result,
        userName,
        statusUrl: `/offboardings/${encodeURIComponent(userName)}`,
      });
    },
    'GET /offboardings/{userName}': async (event) => {
      const userName = requireUserName(event.pathParameters?.userName);
      const status = await deps.offboarding.status(userName);
      if (!status) return respond(404, { error: 'NotFound', message: `no offboarding of ${userName} is known` });
      return respond(200, status);
    },
    'DELETE /offboardings/{userName}': async (event, caller) => {
      const userName = requireUserName(event.pathParameters?.userName);
      if (approvalRequired(deps.config, 'cancel')) {
        const pending = await deps.offboarding.requestApproval({ action: 'cancel', userName, requestedBy: caller });
        return respond(pending.created ? 202 : 200, { ...pending, userName, approvalUrl: approvalUrl(userName) });
      }
      return respond(202, await deps.offboarding.cancel(userName, caller));
    },
    'POST /offboardings/{userName}/approval': async (event, caller) => {
      const userName = requireUserName(event.pathParameters?.userName);
      const body = parseJsonObject(event.body, ['action', 'requestId']);
      if (body.action !== 'offboard' && body.action !== 'cancel')
        throw new ValidationError('action must be "offboard" or "cancel"');
      const requestId = optionalString(body.requestId, 'requestId', 64);
      const approved = await deps.offboarding.approve(userName, {
        action: body.action,
        approvedBy: caller,
        ...(requestId ? { requestId } : {}),
      });
      return respond(202, { ...approved, userName, statusUrl: `/offboardings/${encodeURIComponent(userName)}` });
    },
    'POST /rotations': async (event, caller) => {
      const body = parseJsonObject(event.body, ['userName']);
      const userName = requireUserName(body.userName);
      const result = await startOnDemandRotation(deps, { userName, requestedBy: `api:${caller}` });
      return respond(result.started ? 202 : 200, {
        userName,
        accessKeyId: result.accessKeyId,
        executionName: result.executionName,
        started: result.started,
      });
    },
    'POST /rotations/{userName}/rollback': async (event) => {
      const userName = requireUserName(event.pathParameters?.userName);
      if (event.body && event.body.trim() !== '' && event.body.trim() !== '{}') parseJsonObject(event.body, []);
      return respond(200, await rollbackRotation(deps, userName));
    },
    'GET /users/{userName}': async (event) => {
      const userName = requireUserName(event.pathParameters?.userName);
      return respond(200, await userView(deps, userName));
    },
    'POST /exposures': exposureApiRoute(deps),
  };

  return async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const route = routes[`${event.httpMethod} ${event.resource}`];
    if (!route) return respond(404, { error: 'NotFound', message: `no route ${event.httpMethod} ${event.resource}` });
    const caller = callerOf(event);
    try {
      const result = await route(event, caller);
      deps.logger.info('api request', { route: `${event.httpMethod} ${event.resource}`, caller, statusCode: result.statusCode });
      return result;
    } catch (error) {
      const status = statusFor(error);
      const err = error as Error;
      deps.logger.error('api request failed', {
        route: `${event.httpMethod} ${event.resource}`,
        caller,
        statusCode: status,
        errorName: err.name,
        errorMessage: err.message,
      });
      if (status === 500)
        return respond(500, { error: 'InternalError', message: 'the request failed; see the API function logs' });
      return respond(status, { error: err.name, message: err.message });
    }
  };
}

export type ApiHandler = ReturnType<typeof makeApiHandler>;
