/**
 * The HTTP API: an API Gateway REST API with AWS_IAM authorization on every method, request
 * validation (JSON-schema models for the POST bodies, required path parameters), access logs, X-Ray
 * tracing and stage throttling, in front of one Lambda (export `handler` of functions/api/lambda.ts)
 * through Lambda proxy integrations. The routes are those of functions/api/handler.ts.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledge, iam5Resource } from '../nag';
import { apiGrants, applyAccountGrants } from './account-grants';
import { LifecycleFunction, type LifecycleFunctionSettings } from './lifecycle-function';
import type { ManagedUserAccess } from './managed-user-access';
import { FIVE_MINUTE_SUM, type Notifications } from './notifications';
import type { Offboarding } from './offboarding';
import type { SecretsKey } from './secrets-key';
import { executionArnPattern } from './state-machine-definition';
import { addExposureRoute } from './exposure-api';
import type { ExposureResponse } from './exposure-response';
import { APPROVALS_ROOT } from '../../functions/offboarding/approval-keys';
import { API_ROUTE_GROUPS, DEFAULT_CONFIG, type ApiAccess, type ApiRouteGroup } from '../../functions/shared/config';

/** IAM user names: 1-64 of letters, digits and + = , . @ _ - (the handler checks the same). */
export const USER_NAME_PATTERN = '^[\\w+=,.@-]{1,64}$';

/**
 * Longest observation period a request may ask for: MAX_OBSERVATION_DAYS of
 * functions/offboarding/service.ts (kept here so synth does not load the SDK; a test pins the two).
 */
export const MAX_OBSERVATION_DAYS = 360;

/** Every route of the API: method and resource path, as functions/api/handler.ts dispatches them. */
export const API_ROUTES = [
  'POST /offboardings',
  'GET /offboardings/{userName}',
  'DELETE /offboardings/{userName}',
  'POST /offboardings/{userName}/approval',
  'POST /rotations',
  'POST /rotations/{userName}/rollback',
  'GET /users/{userName}',
  'POST /exposures',
] as const;

export type ApiRoute = (typeof API_ROUTES)[number];

/**
 * The route group of every route: who may call it is decided per group by the resource policy
 * (config `api.principals`, or the principal tag API_ACCESS_TAG naming the group).
 */
export const API_ROUTE_GROUP: Readonly<Record<ApiRoute, ApiRouteGroup>> = {
  'POST /offboardings': 'offboard',
  'GET /offboardings/{userName}': 'read',
  'DELETE /offboardings/{userName}': 'offboard',
  'POST /offboardings/{userName}/approval': 'offboard',
  'POST /rotations': 'rotate',
  'POST /rotations/{userName}/rollback': 'rotate',
  'GET /users/{userName}': 'read',
  'POST /exposures': 'rotate',
};

/** Principal tag whose value names the caller's route groups, space-separated (`offboard read`). */
export const API_ACCESS_TAG = 'iam-lifecycle:api';

/** `execute-api:/<stage>/<METHOD>/<path>` of a route, path parameters as `*`, every stage. */
export function routeResource(route: ApiRoute): string {
  const [method, path] = route.split(' ') as [string, string];
  return `execute-api:/*/${method}${path.replace(/\{[^}]+\}/g, '*')}`;
}

/** The routes also served under `/accounts/{accountId}` in organization mode (exposures: hub account only). */
export const ACCOUNT_ROUTES: readonly ApiRoute[] = API_ROUTES.filter((r) => r !== 'POST /exposures');

/** `execute-api:/<stage>/<METHOD>/accounts/*<path>` of a route served per account. */
export function accountRouteResource(route: ApiRoute): string {
  const [method, path] = route.split(' ') as [string, string];
  return `execute-api:/*/${method}/accounts/*${path.replace(/\{[^}]+\}/g, '*')}`;
}

/** StringLike patterns matching a tag value that holds `group` as a whole space-separated word. */
export function groupTagPatterns(group: ApiRouteGroup): string[] {
  return [group, `${group} *`, `* ${group}`, `* ${group} *`];
}

/**
 * The REST API's resource policy. Per route group: configured principals (ArnLike on
 * aws:PrincipalArn: the role of a session, or the user) are allowed and everyone else is denied;
 * without configured principals, principals of this account whose `iam-lifecycle:api` tag names the
 * group are allowed, and everyone else is denied, federated-user sessions (GetFederationToken, whose
 * session tags the caller chooses) included. Explicit Allows, because with a resource policy
 * API Gateway needs one for AWS_IAM callers; explicit Denies, because an identity policy with
 * execute-api:Invoke (PowerUserAccess) would otherwise still admit the caller in this account.
 */
export function apiResourcePolicy(
  principals: ApiAccess['principals'],
  account: string,
  accountRoutes = false,
): iam.PolicyDocument {
  const document = new iam.PolicyDocument();
  const invoke = ['execute-api:Invoke'];
  const anyone = [new iam.AnyPrincipal()];
  for (const group of API_ROUTE_GROUPS) {
    const routes = API_ROUTES.filter((r) => API_ROUTE_GROUP[r] === group);
    const resources = [
      ...routes.map(routeResource),
      // Organization mode: the same route under /accounts/{accountId}, in the same group.
      ...(accountRoutes ? routes.filter((r) => ACCOUNT_ROUTES.includes(r)).map(accountRouteResource) : []),
    ];
    const Group = group[0]!.toUpperCase() + group.slice(1);
    const arns = principals[group];
    if (arns.length > 0) {
      document.addStatements(
        new iam.PolicyStatement({
          sid: `${Group}AllowConfiguredPrincipals`,
          principals: anyone,
          actions: invoke,
          resources,
          conditions: { ArnLike: { 'aws:PrincipalArn': [...arns] } },
        }),
        new iam.PolicyStatement({
          sid: `${Group}DenyOtherPrincipals`,
          effect: iam.Effect.DENY,
          principals: anyone,
          actions: invoke,
          resources,
          conditions: { ArnNotLike: { 'aws:PrincipalArn': [...arns] } },
        }),
      );
      continue;
    }
    const tag = `aws:PrincipalTag/${API_ACCESS_TAG}`;
    document.addStatements(
      new iam.PolicyStatement({
        sid: `${Group}AllowTaggedPrincipals`,
        principals: anyone,
        actions: invoke,
        resources,
        conditions: { StringEquals: { 'aws:PrincipalAccount': account }, StringLike: { [tag]: groupTagPatterns(group) } },
      }),
      new iam.PolicyStatement({
        sid: `${Group}DenyUntagged`, // a missing tag matches StringNotLike too
        effect: iam.Effect.DENY,
        principals: anyone,
        actions: invoke,
        resources,
        conditions: { StringNotLike: { [tag]: groupTagPatterns(group) } },
      }),
      new iam.PolicyStatement({
        sid: `${Group}DenyOtherAccounts`, // another account can tag its own principals
        effect: iam.Effect.DENY,
        principals: anyone,
        actions: invoke,
        resources,
        conditions: { StringNotEquals: { 'aws:PrincipalAccount': account } },
      }),
      new iam.PolicyStatement({
        sid: `${Group}DenyFederatedUsers`, // GetFederationToken sessions carry tags their caller chose
        effect: iam.Effect.DENY,
        principals: anyone,
        actions: invoke,
        resources,
        conditions: { ArnLike: { 'aws:PrincipalArn': 'arn:*:sts::*:federated-user/*' } },
      }),
    );
  }
  return document;
}

export interface LifecycleApiProps {
  /** Environment and log settings shared by every Lambda of the stack. */
  readonly functionSettings: LifecycleFunctionSettings;
  /** IAM permissions on managed users (path/tag scope, protected-user Deny statements). */
  readonly userAccess: ManagedUserAccess;
  /** Its server-error alarm notifies the topic (the API itself publishes nothing). */
  readonly notifications: Notifications;
  /** Key and grants of the per-user secrets (the user view reads which key is AWSCURRENT). */
  readonly secrets: SecretsKey;
  /** The rotation workflow: POST /rotations starts it, the user view and rollback look it up. */
  readonly rotationStateMachine: sfn.StateMachine;
  /** The offboarding capability: its workflow and its records. */
  readonly offboarding: Offboarding;
  /** The exposed-key response: POST /exposures starts it (./exposure-api.ts). */
  readonly exposure: ExposureResponse;
  /**
   * Who may call each route group (config `api.principals`); an empty group admits principals of
   * this account tagged `iam-lifecycle:api` with the group's name.
   * @default every group empty (tag-based)
   */
  readonly principals?: ApiAccess['principals'];
  /**
   * Organization mode: every route but POST /exposures is also served under
   * `/accounts/{accountId}` (functions/api/accounts.ts), in the same route group.
   * @default false
   */
  readonly accountRoutes?: boolean;
  /**
   * How long access logs are kept.
   * @default the functions' log retention (one year)
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Steady-state requests per second the stage accepts (across all callers). The API is for
   * operators and HR/ticketing integrations, not for traffic.
   * @default 10
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst the stage accepts above the rate.
   * @default 20
   */
  readonly throttlingBurstLimit?: number;
  /**
   * API Gateway writes the access and execution logs of every REST API in a region through one role,
   * set in the region's API Gateway account settings; without it the stage cannot log and its
   * deployment fails. `true` sets that account setting to a role of this stack (kept when the stack is
   * deleted, so the setting never points at a deleted role). Pass `false` where the account's
   * baseline (landing zone) already sets it, to leave that setting alone.
   * @default true
   */
  readonly manageAccountLoggingRole?: boolean;
}

/** Entry of the API Lambda (export `handler`). */
export const API_ENTRY = 'functions/api/lambda.ts';

export class LifecycleApi extends Construct {
  /** The REST API (stage `v1`). */
  readonly api: apigateway.RestApi;
  /** The one Lambda behind every route. */
  readonly function: LifecycleFunction;
  /** Access logs of the stage (JSON, one line per request, with the IAM caller). */
  readonly accessLogGroup: logs.LogGroup;
  /** Validates required path parameters and, where a model is set, the JSON body. */
  readonly requestValidator: apigateway.RequestValidator;
  /** Body of POST /offboardings. */
  readonly offboardingRequestModel: apigateway.Model;
  /** Body of POST /rotations. */
  readonly rotationRequestModel: apigateway.Model;
  /** Body of POST /offboardings/{userName}/approval. */
  readonly approvalRequestModel: apigateway.Model;
  /** Body of POST /exposures. */
  readonly exposureRequestModel: apigateway.Model;
  /** The REST API's resource policy (who may call which route group). */
  readonly resourcePolicy: iam.PolicyDocument;
  /** Alarms when the API answers 5xx (the handler turns unexpected errors into 500). */
  readonly serverErrorsAlarm: cloudwatch.Alarm;
  /** The region's API Gateway logging role, when this stack manages it (manageAccountLoggingRole). */
  readonly accountLoggingRole?: iam.Role;

  constructor(scope: Construct, id: string, props: LifecycleApiProps) {
    super(scope, id);
    const { userAccess, secrets, offboarding, rotationStateMachine } = props;
    const offboardingStateMachine = offboarding.stateMachine;

    this.function = new LifecycleFunction(this, 'Handler', {
      ...props.functionSettings,
      entry: API_ENTRY,
      handler: 'handler',
      description: 'api: offboarding, rotation, rollback and user status requests',
      // API Gateway stops waiting for an integration after 29 s.
      timeout: Duration.seconds(29),
      extraEnvironment: {
        ROTATION_STATE_MACHINE_ARN: rotationStateMachine.stateMachineArn,
        OFFBOARDING_STATE_MACHINE_ARN: offboardingStateMachine.stateMachineArn,
        SNAPSHOT_BUCKET: offboarding.bucket.bucketName,
      },
    });
    const role = this.function.role;

    // Exactly the calls the handler makes (functions/api/*.ts, functions/offboarding/service.ts,
    // functions/rotation/start.ts and rollback.ts). The test suite pins this set.
    // The same grants a member account's read role gets in organization mode (account-grants.ts).
    applyAccountGrants(role, apiGrants(), userAccess, secrets);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StartWorkflows',
        actions: ['states:StartExecution'],
        resources: [rotationStateMachine.stateMachineArn, offboardingStateMachine.stateMachineArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListWorkflows', // running executions of a user (user view, rollback)
        actions: ['states:ListExecutions'],
        resources: [rotationStateMachine.stateMachineArn, offboardingStateMachine.stateMachineArn],
      }),
    );
    const rotationExecutions = executionArnPattern(rotationStateMachine);
    const offboardingExecutions = executionArnPattern(offboardingStateMachine);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeWorkflowExecutions',
        actions: ['states:DescribeExecution'],
        resources: [rotationExecutions, offboardingExecutions],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StopOffboardings', // a cancel stops the offboarding before its restore starts; rotations are never stopped
        actions: ['states:StopExecution'],
        resources: [offboardingExecutions],
      }),
    );
    for (const executions of [rotationExecutions, offboardingExecutions]) {
      acknowledge(role, {
        id: iam5Resource(role, executions),
        reason:
          'Execution names are derived from the user at run time (rotate-<user>-<keyId>, offboard-<user>-<userId>, ' +
          "restore-...); the wildcard is limited to executions of this stack's state machine, for DescribeExecution " +
          'and (offboarding only) StopExecution.',
      });
    }
    // Status reads the records; a cancel writes the decision record before it stops the offboarding.
    offboarding.grantRecords(role, { read: true, write: true });
    // The two-person rule's requests and approvals (functions/offboarding/approval.ts), written once.
    const approvalRecords = offboarding.bucket.arnForObjects(`${APPROVALS_ROOT}*`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ApprovalRecords',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [approvalRecords],
      }),
    );
    acknowledge(role, {
      id: iam5Resource(role, approvalRecords),
      reason:
        'Approval records are keyed approvals/<user>/<request id>/<record>.json, known only at run time; the wildcard ' +
        'is limited to the approvals prefix of the records bucket. No delete is granted.',
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? props.functionSettings.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.functionSettings.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.resourcePolicy = apiResourcePolicy(
      props.principals ?? DEFAULT_CONFIG.api.principals,
      Stack.of(this).account,
      props.accountRoutes ?? false,
    );
    this.api = new apigateway.RestApi(this, 'Api', {
      policy: this.resourcePolicy,
      description: 'iam-user-lifecycle: offboarding, key rotation, rollback and user status (AWS_IAM)',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // The account's logging role is managed below, without the AWS managed policy CDK would attach.
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        metricsEnabled: true,
        // Execution logs of errors only, and never request or response bodies.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: props.throttlingRateLimit ?? 10,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 20,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: apigateway.AccessLogField.contextRequestId(),
            extendedRequestId: apigateway.AccessLogField.contextExtendedRequestId(),
            requestTime: apigateway.AccessLogField.contextRequestTime(),
            httpMethod: apigateway.AccessLogField.contextHttpMethod(),
            resourcePath: apigateway.AccessLogField.contextResourcePath(),
            path: apigateway.AccessLogField.contextPath(),
            status: apigateway.AccessLogField.contextStatus(),
            responseLatency: apigateway.AccessLogField.contextResponseLatency(),
            callerAccountId: apigateway.AccessLogField.contextIdentityAccountId(),
            caller: apigateway.AccessLogField.contextIdentityCaller(),
            userArn: apigateway.AccessLogField.contextIdentityUserArn(),
            sourceIp: apigateway.AccessLogField.contextIdentitySourceIp(),
            userAgent: apigateway.AccessLogField.contextIdentityUserAgent(),
            errorMessage: apigateway.AccessLogField.contextErrorMessage(),
            validationError: apigateway.AccessLogField.contextErrorValidationErrorString(),
            integrationStatus: apigateway.AccessLogField.contextIntegrationStatus(),
            integrationError: apigateway.AccessLogField.contextIntegrationErrorMessage(),
            xrayTraceId: apigateway.AccessLogField.contextXrayTraceId(),
          }),
        ),
      },
    });
    // RestApi adds an "Endpoint" output of its own; the stack outputs the URL once, as ApiUrl.
    this.api.node.tryRemoveChild('Endpoint');
    if (props.manageAccountLoggingRole ?? true) {
      this.accountLoggingRole = this.accountLogging();
    }

    this.requestValidator = this.api.addRequestValidator('Validator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const userName: apigateway.JsonSchema = { type: apigateway.JsonSchemaType.STRING, pattern: USER_NAME_PATTERN };
    this.offboardingRequestModel = this.api.addModel('OffboardingRequest', {
      contentType: 'application/json',
      modelName: 'OffboardingRequest',
      description: 'POST /offboardings',
      schema: {
        schema: apigateway.JsonSchemaVersion.DRAFT4,
        title: 'OffboardingRequest',
        type: apigateway.JsonSchemaType.OBJECT,
        required: ['userName', 'reason'],
        additionalProperties: false,
        properties: {
          userName,
          reason: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: 1000 },
          requestedBy: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: 256 },
          observationDays: { type: apigateway.JsonSchemaType.INTEGER, minimum: 1, maximum: MAX_OBSERVATION_DAYS },
        },
      },
    });
    this.rotationRequestModel = this.api.addModel('RotationRequest', {
      contentType: 'application/json',
      modelName: 'RotationRequest',
      description: 'POST /rotations',
      schema: {
        schema: apigateway.JsonSchemaVersion.DRAFT4,
        title: 'RotationRequest',
        type: apigateway.JsonSchemaType.OBJECT,
        required: ['userName'],
        additionalProperties: false,
        properties: { userName },
      },
    });
    this.approvalRequestModel = this.api.addModel('ApprovalRequest', {
      contentType: 'application/json',
      modelName: 'ApprovalRequest',
      description: 'POST /offboardings/{userName}/approval',
      schema: {
        schema: apigateway.JsonSchemaVersion.DRAFT4,
        title: 'ApprovalRequest',
        type: apigateway.JsonSchemaType.OBJECT,
        required: ['action'],
        additionalProperties: false,
        properties: {
          action: { type: apigateway.JsonSchemaType.STRING, enum: ['offboard', 'cancel'] },
          requestId: { type: apigateway.JsonSchemaType.STRING, pattern: '^(offboard|cancel)-[0-9]{4,}$' },
        },
      },
    });

    // One integration, one Lambda permission per method (this stage's method and path only); no
    // test-invoke permission, since console test calls skip the IAM authorization.
    const integration = new apigateway.LambdaIntegration(this.function.function, { proxy: true, allowTestInvoke: false });
    const withBody = (model: apigateway.IModel): apigateway.MethodOptions => ({
      requestValidator: this.requestValidator,
      requestModels: { 'application/json': model },
    });

    // The same routes at the root (the hub's own account) and, in organization mode, under
    // /accounts/{accountId} (the account is checked by the handler: functions/api/accounts.ts).
    const addRoutes = (parent: apigateway.IResource, extra: Record<string, boolean>) => {
      const params = (more: Record<string, boolean>) => ({ ...extra, ...more });
      const body = (model: apigateway.IModel): apigateway.MethodOptions => ({
        ...withBody(model),
        ...(Object.keys(extra).length > 0 ? { requestParameters: params({}) } : {}),
      });
      const userName: apigateway.MethodOptions = {
        requestValidator: this.requestValidator,
        requestParameters: params({ 'method.request.path.userName': true }),
      };
      const offboardings = parent.addResource('offboardings');
      offboardings.addMethod('POST', integration, body(this.offboardingRequestModel));
      const offboardingOfUser = offboardings.addResource('{userName}');
      offboardingOfUser.addMethod('GET', integration, userName);
      offboardingOfUser.addMethod('DELETE', integration, userName);
      offboardingOfUser.addResource('approval').addMethod('POST', integration, {
        ...withBody(this.approvalRequestModel),
        requestParameters: params({ 'method.request.path.userName': true }),
      });
      const rotations = parent.addResource('rotations');
      rotations.addMethod('POST', integration, body(this.rotationRequestModel));
      rotations.addResource('{userName}').addResource('rollback').addMethod('POST', integration, userName);
      parent.addResource('users').addResource('{userName}').addMethod('GET', integration, userName);
    };
    addRoutes(this.api.root, {});
    if (props.accountRoutes) {
      addRoutes(this.api.root.addResource('accounts').addResource('{accountId}'), {
        'method.request.path.accountId': true,
      });
    }
    this.exposureRequestModel = addExposureRoute({
      api: this.api,
      integration,
      requestValidator: this.requestValidator,
      handler: this.function,
      userAccess,
      exposure: props.exposure,
    });

    acknowledge(
      this.api,
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'Every method requires AWS_IAM (SigV4) authorization, so API Gateway rejects unsigned and unauthorized ' +
          'requests before any integration runs; the stage is throttled. A WAF web ACL would add cost and no ' +
          'protection an IAM-authenticated operator API needs; attach one if the account mandates it.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Callers are IAM principals (people through SSO roles, HR or ticketing systems through their roles), ' +
          'authorized with AWS_IAM on every method; there is no Cognito user pool in this design.',
      },
    );

    this.serverErrorsAlarm = props.notifications.alarmOnAny(
      this,
      'ServerErrorsAlarm',
      this.api.metricServerError(FIVE_MINUTE_SUM),
      'The lifecycle API answered 5xx (an unexpected error in the API function, or the function timed out). ' +
        'Read the API function logs and the access logs.',
    );
  }

  /**
   * The API Gateway account setting (one per region) with a role of this stack. The role serves every
   * REST API of the region, so it gets the actions of the AWS managed policy
   * AmazonAPIGatewayPushToCloudWatchLogs, limited to this account's log groups in this region.
   */
  private accountLogging(): iam.Role {
    const stack = Stack.of(this);
    const logGroups = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const role = new iam.Role(this, 'AccountLoggingRole', {
      description: 'iam-user-lifecycle: API Gateway writes REST API access and execution logs of this region',
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteApiGatewayLogs',
        actions: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:DescribeLogGroups',
          'logs:DescribeLogStreams',
          'logs:PutLogEvents',
          'logs:GetLogEvents',
          'logs:FilterLogEvents',
        ],
        resources: [logGroups],
      }),
    );
    acknowledge(role, {
      id: iam5Resource(role, logGroups),
      reason:
        'This is the API Gateway account-level logging role of the region: API Gateway uses it for the access and ' +
        'execution logs of every REST API here, and creates the execution log groups itself (API-Gateway-Execution-' +
        "Logs_<api>/<stage>). Limited to log groups of this account and region, with the managed policy's actions.",
    });
    // Kept on stack deletion: the account setting outlives this stack and must not point at a deleted role.
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const account = new apigateway.CfnAccount(this, 'Account', { cloudWatchRoleArn: role.roleArn });
    this.api.deploymentStage.node.addDependency(account);
    return role;
  }

  /** The base URL of the stage (`https://<id>.execute-api.<region>.amazonaws.com/v1/`). */
  get url(): string {
    return this.api.url;
  }
}
