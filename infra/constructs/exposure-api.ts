/**
 * POST /exposures on the lifecycle API (functions/exposure/api-route.ts): its body model, its method
 * and what the API role needs to start an exposure response (route group `rotate`, see
 * lifecycle-api.ts API_ROUTE_GROUP).
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type { LifecycleFunction } from './lifecycle-function';
import type { ManagedUserAccess } from './managed-user-access';
import type { ExposureResponse } from './exposure-response';
import { grantFindKeyOwnerAnyUser, grantStartExposure } from './exposure-health';

/** Same shape as functions/exposure/start.ts validates (AKIA keys only, reason 1-500 characters). */
export const ACCESS_KEY_ID_PATTERN = '^AKIA[A-Z0-9]{12,124}$';

export function addExposureRoute(props: {
  readonly api: apigateway.RestApi;
  readonly integration: apigateway.Integration;
  readonly requestValidator: apigateway.IRequestValidator;
  readonly handler: LifecycleFunction;
  readonly userAccess: ManagedUserAccess;
  readonly exposure: ExposureResponse;
}): apigateway.Model {
  const model = props.api.addModel('ExposureRequest', {
    contentType: 'application/json',
    modelName: 'ExposureRequest',
    description: 'POST /exposures',
    schema: {
      schema: apigateway.JsonSchemaVersion.DRAFT4,
      title: 'ExposureRequest',
      type: apigateway.JsonSchemaType.OBJECT,
      required: ['accessKeyId', 'reason'],
      additionalProperties: false,
      properties: {
        accessKeyId: { type: apigateway.JsonSchemaType.STRING, pattern: ACCESS_KEY_ID_PATTERN },
        reason: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: 500 },
      },
    },
  });
  props.api.root.addResource('exposures').addMethod('POST', props.integration, {
    requestValidator: props.requestValidator,
    requestModels: { 'application/json': model },
  });
  // The key's owner (GetAccessKeyLastUsed: managed users through the API's own grant, then any user),
  // and starting or finding the response for that key.
  grantFindKeyOwnerAnyUser(props.handler.role, props.userAccess);
  grantStartExposure(props.handler, props.exposure.stateMachine, props.exposure.identity);
  return model;
}
