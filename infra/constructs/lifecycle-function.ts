/**
 * "A Lambda of this project": its own entry file of functions/ (importing only what that function
 * calls: infra/lambda-entries.ts lists them, test/infra/lambda-bundles.test.ts checks each bundle),
 * bundled locally by esbuild (no Docker),
 * Node.js 22 on arm64, its own explicit log group with retention and its own role that starts with
 * nothing but permission to write to that log group. No AWS managed policies: each capability
 * construct adds exactly the statements its step needs.
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAMBDA_BUNDLING } from '../lambda-bundling';
import { acknowledge } from '../nag';

/** Repository root: entry paths, package-lock.json and the esbuild project root are relative to it. */
export const REPO_ROOT = join(__dirname, '..', '..');

/** What every Lambda of the stack shares; built once by the stack and handed to each capability. */
export interface LifecycleFunctionSettings {
  /**
   * Environment of every function: the contract of docs/CONTRIBUTING-NOTES.md (LIFECYCLE_CONFIG,
   * NOTIFICATION_TOPIC_ARN, SECRETS_KMS_KEY_ID, AUTOMATION_USER_NAMES, LOG_LEVEL).
   */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * How long function logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log groups when the stack is deleted. Logs are audit evidence of what the
   * automation did to which user, so they outlive the stack by default.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

export interface LifecycleFunctionProps extends LifecycleFunctionSettings {
  /** Entry file relative to the repository root, e.g. `functions/rotation/lambdas/prepare.ts`. */
  readonly entry: string;
  /** Named export of the entry file that is this function's handler. */
  readonly handler: string;
  /** What the function does (shown in the console and on its role). */
  readonly description: string;
  /**
   * Variables this function needs beyond the shared ones (e.g. ROTATION_STATE_MACHINE_ARN).
   * @default {}
   */
  readonly extraEnvironment?: Readonly<Record<string, string>>;
  /**
   * Function timeout. Rotation steps are bounded by their Task state's 60 s TimeoutSeconds; the
   * Lambda gives up first so the error names the function rather than a bare States.Timeout.
   * @default Duration.seconds(50)
   */
  readonly timeout?: Duration;
  /**
   * Memory in MB (arm64: CPU scales with memory).
   * @default 256
   */
  readonly memorySize?: number;
}

export class LifecycleFunction extends Construct {
  /** The Lambda function. */
  readonly function: NodejsFunction;
  /** Its execution role: only log writes until the capability adds its statements. */
  readonly role: iam.Role;
  /** Its explicit log group (the function logs nowhere else). */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: LifecycleFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `iam-user-lifecycle: ${props.description}`,
    });
    // The log group exists, so no logs:CreateLogGroup; its Arn attribute already ends in ":*"
    // (log streams inside this one group).
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, props.entry),
      handler: props.handler,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(50),
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        ...props.environment,
        ...props.extraEnvironment,
        // Stack traces point into functions/*.ts instead of the minified bundle. Kept: loading a
        // bundle with its map costs no more than the run-to-run noise (bench/bundles.ts, "+maps").
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        // Local esbuild only (synth works offline and without Docker).
        forceDockerBundling: false,
        // Minified, class names kept, the AWS SDK bundled (not taken from the runtime), `module` main
        // field first. Chosen from measurement (bench/bundles.ts, README "Lambda bundles"): a bundle
        // with only the clients a function calls loads in about half the time of the capability-wide
        // bundles of before, while leaving @aws-sdk/* to the runtime loads slower (Node resolves and
        // compiles hundreds of SDK files at cold start) and runs an SDK version package-lock.json
        // does not pin. infra/lambda-bundling.ts holds the options, shared with the bench and test.
        minify: LAMBDA_BUNDLING.minify,
        keepNames: LAMBDA_BUNDLING.keepNames,
        target: LAMBDA_BUNDLING.target,
        mainFields: [...LAMBDA_BUNDLING.mainFields],
        externalModules: [...LAMBDA_BUNDLING.externalModules],
        sourceMap: true,
        sourcesContent: false,
        format: OutputFormat.CJS,
        logLevel: LogLevel.WARNING,
      },
    });
    acknowledge(this.function, {
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is the runtime this project targets and tests (engines, tsconfig target, local runner); ' +
        'nodejs24.x is adopted by changing it here once the project moves to Node 24.',
    });
  }
}
