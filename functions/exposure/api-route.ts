/**
 * POST /exposures {"accessKeyId", "reason"}: starts the exposure response for the key's owner.
 * 202 when started, 200 when a response for that key already runs (or ran), 400 for bad input, 404
 * for a key of no user of this account. A route of functions/api/handler.ts; deployed by
 * infra/constructs/exposure-api.ts (route group 'rotate').
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { parseJsonObject, optionalString } from '../api/validation';
import type { IamUsers } from '../shared/iam/users';
import type { WorkflowPort } from '../shared/workflows';
import { startExposureResponse } from './start';

export function exposureApiRoute(deps: { readonly iam: Pick<IamUsers, 'keyOwner'>; readonly workflows: WorkflowPort }) {
  return async function postExposure(event: APIGatewayProxyEvent, caller: string): Promise<APIGatewayProxyResult> {
    const body = parseJsonObject(event.body, ['accessKeyId', 'reason']);
    const accessKeyId = optionalString(body.accessKeyId, 'accessKeyId', 128) ?? '';
    const reason = optionalString(body.reason, 'reason', 500) ?? '';
    const result = await startExposureResponse(deps, { accessKeyId, reason, source: 'api', requestedBy: `api:${caller}` });
    return {
      statusCode: result.started ? 202 : 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify({ ...result, accessKeyId }),
    };
  };
}
