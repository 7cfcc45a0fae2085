/**
 * CDK app entry (cdk.json: `npx tsx infra/app.ts`).
 *
 *   npx cdk synth                                 # every config default
 *   npx cdk synth -c config=deploy/prod.json      # config from a JSON file
 *   npx cdk deploy -c stackName=IamUserLifecycle-Staging
 *
 * The config (infra/config.ts) is validated before anything is built: an invalid one stops synth
 * with the ConfigError message. cdk-nag's AwsSolutions checks run at every synth; a finding that is
 * neither fixed nor acknowledged with a reason fails it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../functions/shared/errors';
import { loadLifecycleConfig } from './config';
import { IamUserLifecycleStack } from './stack';

export const DEFAULT_STACK_NAME = 'IamUserLifecycle';
/** Context key of the stack name (one deployment per name: staging, production, ...). */
export const STACK_NAME_CONTEXT_KEY = 'stackName';
/**
 * Context key: `false` leaves the region's API Gateway logging role (an account setting) to the
 * account baseline instead of setting it from this stack (`-c manageApiGatewayLoggingRole=false`).
 */
export const API_GATEWAY_LOGGING_ROLE_CONTEXT_KEY = 'manageApiGatewayLoggingRole';

/** Builds the stack into `app` from the app's context. Throws ConfigError on an invalid config. */
export function buildApp(app: App = new App()): { app: App; stack: IamUserLifecycleStack } {
  const { config } = loadLifecycleConfig(app.node);
  const stackName: unknown = app.node.tryGetContext(STACK_NAME_CONTEXT_KEY);
  if (stackName !== undefined && (typeof stackName !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName))) {
    throw new ConfigError([`context "${STACK_NAME_CONTEXT_KEY}" must be a CloudFormation stack name`]);
  }
  const manageLoggingRole: unknown = app.node.tryGetContext(API_GATEWAY_LOGGING_ROLE_CONTEXT_KEY);
  if (manageLoggingRole !== undefined && ![true, false, 'true', 'false'].includes(manageLoggingRole as string)) {
    throw new ConfigError([`context "${API_GATEWAY_LOGGING_ROLE_CONTEXT_KEY}" must be true or false`]);
  }
  // Environment-agnostic: deploys to the account and region of the credentials used, and synth
  // needs neither credentials nor network.
  const stack = new IamUserLifecycleStack(app, (stackName as string | undefined) ?? DEFAULT_STACK_NAME, {
    config,
    manageApiGatewayLoggingRole: manageLoggingRole === undefined || String(manageLoggingRole) === 'true',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (require.main === module) {
  try {
    buildApp().app.synth();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The message lists every problem; a stack trace would only hide it.
    console.error(error.message);
    process.exit(1);
  }
}
