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
import { accountRequest, accountStatusFor, type AccountRouting } from './accounts';
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
  /** Organization mode: the account every call above acts in (responses and inputs carry it). */
  readonly accountId?: string;
  /** Rollback changes a key: in a member account it needs the rotation role's IAM. @default iam */
  readonly rollbackIam?: IamUsers;
  /** Organization mode: the same dependencies for another account (`/accounts/{accountId}/...`), see ./accounts. */
  readonly accounts?: AccountRouting;
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
  const account = accountStatusFor(error);
  if (account !== undefined) return account;
  if (error instanceof ValidationError) return 400;
  if (error instanceof SelfApprovalError) return 403;
  if (error instanceof NoPendingApprovalError) return 404;
  if (error instanceof UserNotFoundError || error instanceof NoRunningWorkflowError) return 404;
  if (error instanceof UnknownAccessKeyError) return 404;
  if (error instanceof LifecycleError) return 409;
  return 500;
}

export function makeApiHandler(deps: ApiDeps) {
  const KNOWN_ROUTES = new Set(Object.keys(makeRoutes(deps, '')));
  const routesOf = new Map<ApiDeps, Record<string, Route>>();
  const routesFor = (scoped: ApiDeps, base: string): Record<string, Route> => {
    let routes = routesOf.get(scoped);
    if (!routes) routesOf.set(scoped, (routes = makeRoutes(scoped, base)));
    return routes;
  };

  return async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const request = accountRequest(event);
    const routeKey = `${event.httpMethod} ${request.resource}`;
    if (!KNOWN_ROUTES.has(routeKey) || (request.scoped && !deps.accounts)) {
      return respond(404, { error: 'NotFound', message: `no route ${event.httpMethod} ${event.resource}` });
    }
    const caller = callerOf(event);
    try {
      // Organization mode: the account named in the path (or the hub's own), checked and refused first.
      const scoped = deps.accounts ? deps.accounts.depsFor(request.accountId) : deps;
      const base = request.scoped && scoped.accountId !== undefined ? `/accounts/${scoped.accountId}` : '';
      const result = await routesFor(scoped, base)[routeKey]!(event, caller);
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

/** The routes over one account's dependencies; `base` prefixes the URLs they answer (`/accounts/<id>`). */
function makeRoutes(deps: ApiDeps, base: string): Record<string, Route> {
  const account = deps.accountId !== undefined ? { accountId: deps.accountId } : {};
  const approvalUrl = (userName: string) => `${base}/offboardings/${encodeURIComponent(userName)}/approval`;
  const statusUrl = (userName: string) => `${base}/offboardings/${encodeURIComponent(userName)}`;
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
        return respond(pending.created ? 202 : 200, { ...pending, userName, ...account, approvalUrl: approvalUrl(userName) });
      }
      const result = await deps.offboarding.start({
        userName,
        reason,
        requestedBy: caller,
        ...(onBehalfOf ? { onBehalfOf } : {}),
        ...(observationDays !== undefined ? { observationDays } : {}),
      });
      return respond(result.started ? 202 : 200, { ...result, userName, ...account, statusUrl: statusUrl(userName) });
    },
    'GET /offboardings/{userName}': async (event) => {
      const userName = requireUserName(event.pathParameters?.userName);
      const status = await deps.offboarding.status(userName);
      if (!status) return respond(404, { error: 'NotFound', message: `no offboarding of ${userName} is known` });
      return respond(200, { ...status, ...account });
    },
    'DELETE /offboardings/{userName}': async (event, caller) => {
      const userName = requireUserName(event.pathParameters?.userName);
      if (approvalRequired(deps.config, 'cancel')) {
        const pending = await deps.offboarding.requestApproval({ action: 'cancel', userName, requestedBy: caller });
        return respond(pending.created ? 202 : 200, { ...pending, userName, ...account, approvalUrl: approvalUrl(userName) });
      }
      return respond(202, { ...(await deps.offboarding.cancel(userName, caller)), ...account });
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
      return respond(202, { ...approved, userName, ...account, statusUrl: statusUrl(userName) });
    },
    'POST /rotations': async (event, caller) => {
      const body = parseJsonObject(event.body, ['userName']);
      const userName = requireUserName(body.userName);
      const result = await startOnDemandRotation(deps, { userName, requestedBy: `api:${caller}` });
      return respond(result.started ? 202 : 200, {
        userName,
        ...account,
        accessKeyId: result.accessKeyId,
        executionName: result.executionName,
        started: result.started,
      });
    },
    'POST /rotations/{userName}/rollback': async (event) => {
      const userName = requireUserName(event.pathParameters?.userName);
      if (event.body && event.body.trim() !== '' && event.body.trim() !== '{}') parseJsonObject(event.body, []);
      return respond(200, await rollbackRotation({ ...deps, iam: deps.rollbackIam ?? deps.iam }, userName, deps.accountId));
    },
    'GET /users/{userName}': async (event) => {
      const userName = requireUserName(event.pathParameters?.userName);
      return respond(200, { ...(await userView(deps, userName)), ...account });
    },
    // The account's own IAM finds the key's user; organization mode names the account (deps.accountId).
    'POST /exposures': exposureApiRoute(deps),
  };
  return routes;
}

export type ApiHandler = ReturnType<typeof makeApiHandler>;
