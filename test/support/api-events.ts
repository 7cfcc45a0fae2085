/** Builds API Gateway (REST, AWS_IAM auth) proxy events the way API Gateway delivers them. */
import type { APIGatewayProxyEvent } from 'aws-lambda';

export const CALLER_ARN = 'arn:aws:iam::123456789012:user/ops/oncall';

export function apiEvent(
  method: string,
  resource: string,
  options: { body?: string | object; userName?: string; caller?: string } = {},
): APIGatewayProxyEvent {
  const path = options.userName ? resource.replace('{userName}', encodeURIComponent(options.userName)) : resource;
  return {
    httpMethod: method,
    resource,
    path,
    body: options.body === undefined ? null : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    pathParameters: options.userName ? { userName: options.userName } : null,
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    isBase64Encoded: false,
    requestContext: { identity: { userArn: options.caller ?? CALLER_ARN, caller: 'AIDAEXAMPLE' } } as never,
  };
}
