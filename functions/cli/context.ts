/**
 * Where the CLI's verbs run: locally in-process against an endpoint (moto, LocalStack) with the real
 * ASL and handlers, or against a deployed stack (its state machines, its scan Lambda).
 */
import { readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig, LOCAL_CREDENTIALS, makeClients, targetFromEnv, type AwsClients } from '../shared/aws';
import { configFromEnv, parseConfig, type LifecycleConfig } from '../shared/config';
import { ConfigError, ValidationError } from '../shared/errors';
import { IamUsers } from '../shared/iam/users';
import { SecretStore } from '../shared/secret-store';
import { StepFunctionsWorkflows, type WorkflowPort } from '../shared/workflows';
import { createLocalEnvironment, type LocalEnvironment, type LocalEnvironmentOptions } from '../local/environment';
import type { Notification, Notifier } from '../shared/notifier';
import { describeNotification } from './notifications';
import { LifecycleApiClient } from './api-client';

export interface GlobalOptions {
  readonly endpoint?: string;
  readonly configFile?: string;
  readonly timeScale?: number;
  readonly stack: string;
  readonly region?: string;
  readonly json: boolean;
  /** Organization mode: `--account ID`, the member account the verb acts in (./account). */
  readonly account?: string;
}

/** Reads `--config FILE` (the CDK config shape) and applies `--time-scale`. */
export function loadCliConfig(options: Pick<GlobalOptions, 'configFile' | 'timeScale'>, base?: unknown): LifecycleConfig {
  let raw: Record<string, unknown> = (base as Record<string, unknown> | undefined) ?? {};
  if (options.configFile) {
    try {
      raw = JSON.parse(readFileSync(options.configFile, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError([`cannot read --config ${options.configFile}: ${(error as Error).message}`]);
    }
  }
  return parseConfig(options.timeScale !== undefined ? { ...raw, timeScale: options.timeScale } : raw);
}

export interface CliContext {
  readonly mode: 'local' | 'deployed';
  readonly config: LifecycleConfig;
  readonly clients: AwsClients;
  readonly iam: IamUsers;
  readonly secrets: SecretStore;
  readonly workflows: WorkflowPort;
  /** Local mode only. */
  readonly local?: LocalEnvironment;
  /** Deployed mode only: the stack's outputs. */
  readonly stackOutputs?: Record<string, string>;
  readonly lambda?: LambdaClient;
  /** Deployed mode only: the stack's HTTP API (ApiUrl), SigV4-signed with the operator's credentials. */
  readonly api?: LifecycleApiClient;
  /** Organization mode (`--account`): the member account `iam`, `secrets` and the services act in. */
  readonly accountId?: string;
  /** Who runs the CLI, as recorded in audit fields (`requestedBy`): the caller's STS identity ARN. */
  callerArn(): Promise<string>;
}

/** The config fields that decide durations. Against a deployed stack only the stack sets them. */
export const TIMING_FIELDS = [
  'maxKeyAgeDays',
  'cutoverCheckIntervalHours',
  'cutoverQuietPeriodHours',
  'cutoverDeadlineDays',
  'cutoverDeadlineAction',
  'deactivatedGracePeriodDays',
  'offboardingObservationDays',
  'offboardingCheckIntervalHours',
  'cutoverChecksPerExecution',
  'timeScale',
] as const;

/** The timing fields in which `requested` differs from `deployed`. */
export function timingDifferences(deployed: LifecycleConfig, requested: LifecycleConfig): string[] {
  return TIMING_FIELDS.filter((field) => JSON.stringify(deployed[field]) !== JSON.stringify(requested[field]));
}

function stsCaller(sts: STSClient): () => Promise<string> {
  return async () => {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (!Arn) throw new ValidationError('STS GetCallerIdentity returned no ARN; refusing to act without knowing who asks');
    return Arn;
  };
}

/** Prints notifications as they happen in local mode (deployed ones go to the SNS topic). */
export function printingNotifier(print: (line: string) => void): Notifier {
  return {
    publish: async (n: Notification) => {
      print(`notification ${describeNotification(n)}`);
    },
  };
}

export async function localContext(
  options: GlobalOptions,
  extra: Omit<LocalEnvironmentOptions, 'endpoint' | 'config'> = {},
  configOverride?: LifecycleConfig,
): Promise<CliContext> {
  const endpoint = options.endpoint!;
  const config = configOverride ?? loadCliConfig(options);
  const local = createLocalEnvironment({ endpoint, config, ...extra, ...(options.region ? { region: options.region } : {}) });
  return {
    mode: 'local',
    config,
    clients: local.clients,
    iam: local.iam,
    secrets: local.secrets,
    workflows: local.workflows,
    local,
    callerArn: stsCaller(
      new STSClient(clientConfig({ endpoint, region: options.region ?? 'us-east-1', credentials: LOCAL_CREDENTIALS })),
    ),
  };
}

export async function deployedContext(options: GlobalOptions): Promise<CliContext> {
  // Safety rule 8: against a deployed stack every duration is the stack's own.
  if (options.timeScale !== undefined) {
    throw new ValidationError('--time-scale is for local runs (--endpoint) only; the deployed config decides every duration');
  }
  const target = { ...targetFromEnv(), ...(options.region ? { region: options.region } : {}) };
  const clients = makeClients(target);
  const cfn = new CloudFormationClient(clientConfig(target));
  const lambda = new LambdaClient(clientConfig(target));
  const described = await cfn.send(new DescribeStacksCommand({ StackName: options.stack }));
  const outputs = Object.fromEntries((described.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  const rotationArn = outputs.RotationStateMachineArn;
  if (!rotationArn) throw new ValidationError(`stack ${options.stack} has no RotationStateMachineArn output; is it deployed?`);
  // The deployed config is the source of truth for timings: a --config must agree with it there.
  const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: outputs.ScanFunctionName }));
  const deployed = configFromEnv({ LIFECYCLE_CONFIG: fn.Environment?.Variables?.LIFECYCLE_CONFIG ?? '{}' });
  let config = deployed;
  if (options.configFile) {
    config = loadCliConfig(options);
    const differs = timingDifferences(deployed, config);
    if (differs.length > 0) {
      throw new ValidationError(
        `--config differs from the deployed config in ${differs.join(', ')}; against a deployed stack its own timings apply (remove them from the file)`,
      );
    }
  }
  const workflows = new StepFunctionsWorkflows(clients.sfn, {
    rotation: rotationArn,
    ...(outputs.OffboardingStateMachineArn ? { offboarding: outputs.OffboardingStateMachineArn } : {}),
  });
  return {
    mode: 'deployed',
    config,
    clients,
    iam: new IamUsers(clients.iam),
    secrets: new SecretStore(clients.secrets),
    workflows,
    stackOutputs: outputs,
    lambda,
    ...(outputs.ApiUrl ? { api: new LifecycleApiClient(outputs.ApiUrl, target.region ?? 'us-east-1') } : {}),
    callerArn: stsCaller(new STSClient(clientConfig(target))),
  };
}

/** Invokes a deployed Lambda by stack output name and returns its JSON answer. */
export async function invokeDeployed(ctx: CliContext, outputName: string, payload: unknown): Promise<unknown> {
  const functionName = ctx.stackOutputs?.[outputName];
  if (!ctx.lambda || !functionName) throw new ValidationError(`the stack has no ${outputName} output`);
  const out = await ctx.lambda.send(
    new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }),
  );
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : 'null';
  if (out.FunctionError) throw new Error(`${functionName} failed: ${text}`);
  return JSON.parse(text) as unknown;
}
