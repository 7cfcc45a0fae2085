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
import { IamEventForwardingStack } from './constructs/iam-event-reactions';
import { MemberStack } from './organization/member-stack';
import type { StackSetCallAs } from './organization/stack-set';
import { IamUserLifecycleStack } from './stack';

export const DEFAULT_STACK_NAME = 'IamUserLifecycle';
/** Context key of the stack name (one deployment per name: staging, production, ...). */
export const STACK_NAME_CONTEXT_KEY = 'stackName';
/**
 * Context key: `false` leaves the region's API Gateway logging role (an account setting) to the
 * account baseline instead of setting it from this stack (`-c manageApiGatewayLoggingRole=false`).
 */
export const API_GATEWAY_LOGGING_ROLE_CONTEXT_KEY = 'manageApiGatewayLoggingRole';
/**
 * Context key: the region the stack is deployed to (`-c region=eu-west-1`). IAM's CloudTrail events
 * reach EventBridge in us-east-1 only: outside it, a `<stack>-IamEvents` stack in us-east-1 forwards
 * them to this region's default bus. Unset: environment-agnostic, no forwarding (deploy to us-east-1).
 */
export const REGION_CONTEXT_KEY = 'region';

/**
 * Context key (organization mode): `DELEGATED_ADMIN` when the hub is deployed in a delegated
 * administrator account of CloudFormation StackSets instead of the management account
 * (`-c stackSetCallAs=DELEGATED_ADMIN`). @default SELF
 */
export const STACK_SET_CALL_AS_CONTEXT_KEY = 'stackSetCallAs';

/** Builds the stack into `app` from the app's context. Throws ConfigError on an invalid config. */
export function buildApp(app: App = new App()): {
  app: App;
  stack: IamUserLifecycleStack;
  forwarding?: IamEventForwardingStack;
  member?: MemberStack;
} {
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
  const region: unknown = app.node.tryGetContext(REGION_CONTEXT_KEY);
  if (region !== undefined && (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))) {
    throw new ConfigError([`context "${REGION_CONTEXT_KEY}" must be an AWS region name`]);
  }
  const callAs: unknown = app.node.tryGetContext(STACK_SET_CALL_AS_CONTEXT_KEY);
  if (callAs !== undefined && callAs !== 'SELF' && callAs !== 'DELEGATED_ADMIN') {
    throw new ConfigError([`context "${STACK_SET_CALL_AS_CONTEXT_KEY}" must be SELF or DELEGATED_ADMIN`]);
  }
  const name = (stackName as string | undefined) ?? DEFAULT_STACK_NAME;
  const stack = new IamUserLifecycleStack(app, name, {
    ...(region ? { env: { region: region as string } } : {}),
    config,
    manageApiGatewayLoggingRole: manageLoggingRole === undefined || String(manageLoggingRole) === 'true',
    ...(callAs ? { stackSetCallAs: callAs as StackSetCallAs } : {}),
  });
  // Organization mode: the member template the hub's StackSet deploys, written to cdk.out as
  // `<name>-Member.template.json` for review and checked by cdk-nag. Not deployed by `cdk deploy`
  // of the hub: the StackSet deploys it to the target accounts.
  const member = stack.organization
    ? new MemberStack(app, `${name}-Member`, {
        config: stack.config,
        capabilities: stack.organization.memberCapabilities,
      })
    : undefined;
  const forwarding =
    region && region !== 'us-east-1'
      ? new IamEventForwardingStack(app, `${name}-IamEvents`, { env: { region: 'us-east-1' }, targetRegion: region as string })
      : undefined;
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, ...(forwarding ? { forwarding } : {}), ...(member ? { member } : {}) };
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
