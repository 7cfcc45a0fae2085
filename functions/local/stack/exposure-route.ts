/**
 * POST /exposures on the local stack, until functions/api/handler.ts routes it (the deployed API's
 * route is built beside it; at merge this file's route folds into the API handler and goes away).
 * The same contract as deployed (functions/exposure/api-route.ts): `{"accessKeyId", "reason"}` →
 * 202 `{executionName, started, userName, accessKeyId}` (200 when a response for that key already
 * runs or ran), 400 bad input, 404 a key of no user of this account. The exposure runs in the
 * stack's workflows, its activity read from the stack's event tap.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { exposureApiRoute } from '../../exposure/api-route';
import { UnknownAccessKeyError } from '../../exposure/start';
import { LifecycleError, ValidationError } from '../../shared/errors';
import type { IamUsers } from '../../shared/iam/users';
import type { WorkflowPort } from '../../shared/workflows';

export const EXPOSURES_PATH = '/exposures';

const answer = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/** Whether a request is the exposure route (method and path, any query string or trailing slash). */
export function isExposureRequest(method: string, url: string): boolean {
  return method === 'POST' && new URL(url, 'http://127.0.0.1').pathname.replace(/\/+$/, '') === EXPOSURES_PATH;
}

export function localExposureRoute(
  deps: { readonly iam: Pick<IamUsers, 'keyOwner'>; readonly workflows: WorkflowPort },
  log: (line: string) => void,
) {
  const route = exposureApiRoute(deps);
  return async (event: APIGatewayProxyEvent, caller: string): Promise<APIGatewayProxyResult> => {
    try {
      const out = await route(event, caller);
      log(`POST /exposures by ${caller}: ${out.statusCode} ${out.body ?? ''}`);
      return out;
    } catch (error) {
      const err = error as Error;
      log(`POST /exposures by ${caller} refused: ${err.name}: ${err.message}`);
      if (error instanceof ValidationError) return answer(400, { error: err.name, message: err.message });
      if (error instanceof UnknownAccessKeyError) return answer(404, { error: err.name, message: err.message });
      if (error instanceof LifecycleError) return answer(409, { error: err.name, message: err.message });
      return answer(500, { error: 'InternalError', message: 'the request failed; see the local stack log' });
    }
  };
}
