/**
 * `rotate <user> --dry-run` and `offboard <user> --reason TEXT --dry-run`: print the exact plan and
 * change nothing (safety rule 9). Both modes read through the CLI context with read-only calls:
 * locally the endpoint, deployed the operator's credentials. No workflow starts, no notification
 * goes out, no approval is requested, the local records bucket and deny policy are not created.
 */
import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { ListPoliciesCommand } from '@aws-sdk/client-iam';
import { DENY_POLICY_NAME } from '../offboarding/domain';
import { LOCAL_DENY_POLICY_PATH } from '../offboarding/local';
import { planOffboarding, type OffboardingPlan } from '../offboarding/preview';
import { readOffboardingFacts } from '../offboarding/preview-read';
import { planRotation, type RotationPlan } from '../rotation/preview';
import { readRotationFacts } from '../rotation/preview-read';
import { ValidationError } from '../shared/errors';
import type { PlanStep } from '../shared/plan';
import { clientConfig, targetFromEnv } from '../shared/aws';
import type { CliContext } from './context';

export type Plan = RotationPlan | OffboardingPlan;

export async function previewRotation(
  ctx: CliContext,
  userName: string,
  options: { key?: string; now?: Date } = {},
): Promise<RotationPlan> {
  const facts = await readRotationFacts(
    { iam: ctx.iam, secrets: ctx.secrets, workflows: ctx.workflows, config: ctx.config },
    userName,
    options.key,
  );
  return planRotation(facts, ctx.config, options.now ?? new Date());
}

export async function previewOffboarding(
  ctx: CliContext,
  userName: string,
  options: { reason: string; observationDays?: number; stack?: string; now?: Date },
): Promise<OffboardingPlan> {
  const facts = await readOffboardingFacts(
    {
      iam: ctx.iam,
      secrets: ctx.secrets,
      workflows: ctx.workflows,
      config: ctx.config,
      denyPolicyArn: () => (ctx.mode === 'local' ? localDenyPolicyArn(ctx) : deployedDenyPolicyArn(ctx, options.stack)),
    },
    {
      userName,
      reason: options.reason,
      ...(options.observationDays !== undefined ? { observationDays: options.observationDays } : {}),
    },
  );
  return planOffboarding(facts, ctx.config, options.now ?? new Date());
}

/** The local deny policy if a first offboarding created it, else the ARN it will have. */
async function localDenyPolicyArn(ctx: CliContext): Promise<string> {
  let marker: string | undefined;
  do {
    const page = await ctx.clients.iam.send(
      new ListPoliciesCommand({ Scope: 'Local', PathPrefix: LOCAL_DENY_POLICY_PATH, Marker: marker }),
    );
    const found = page.Policies?.find((p) => p.PolicyName === DENY_POLICY_NAME);
    if (found?.Arn) return found.Arn;
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  // Not created yet: the ARN the first offboarding will create, in the caller's account.
  const account = (await ctx.callerArn()).split(':')[4] || '000000000000';
  return `arn:aws:iam::${account}:policy${LOCAL_DENY_POLICY_PATH}${DENY_POLICY_NAME}`;
}

/** The stack's deny policy (an AWS::IAM::ManagedPolicy whose logical id names it), from CloudFormation. */
async function deployedDenyPolicyArn(ctx: CliContext, stack = 'IamUserLifecycle'): Promise<string> {
  const cfn = new CloudFormationClient(await clientSettings(ctx));
  try {
    let token: string | undefined;
    do {
      const page = await cfn.send(new ListStackResourcesCommand({ StackName: stack, NextToken: token }));
      const found = page.StackResourceSummaries?.find(
        (r) => r.ResourceType === 'AWS::IAM::ManagedPolicy' && /DenyPolicy/.test(r.LogicalResourceId ?? ''),
      );
      if (found?.PhysicalResourceId) return found.PhysicalResourceId;
      token = page.NextToken;
    } while (token);
    return `<deny policy of stack ${stack}>`;
  } finally {
    cfn.destroy();
  }
}

/** A CloudFormation client like the context's own (region, the operator's default credentials). */
async function clientSettings(ctx: CliContext) {
  return clientConfig({ ...targetFromEnv(), region: await ctx.clients.iam.config.region() });
}

/** Safety rule 9: a preview starts nothing and requests nothing, so --wait and --as cannot apply. */
export function refuseWithDryRun(flags: Readonly<Record<string, string | boolean | undefined>>): void {
  const given = Object.entries(flags).filter(([, value]) => value !== undefined && value !== false);
  if (given.length > 0) {
    throw new ValidationError(
      `--dry-run changes and starts nothing, so ${given.map(([name]) => `--${name}`).join(', ')} cannot apply; nothing was done`,
    );
  }
}

/** 0: the plan would run (or already runs); 2: the command would refuse; 3: the workflow would refuse. */
export function planExitCode(plan: Plan): 0 | 2 | 3 {
  if (plan.outcome === 'refused') return 2;
  if (plan.outcome === 'blocked') return 3;
  return 0;
}

function stepLine(step: PlanStep, index: number): string {
  const when = step.at ? `${step.earliest ? 'earliest ' : ''}${step.at}` : step.earliest ? 'later' : '';
  const phase = step.phase ? `[${step.phase}] ` : '';
  const target = step.id ? ` ${step.id}` : '';
  return `  ${String(index + 1).padStart(2)}. ${phase}${when ? `${when}  ` : ''}${step.op}${target}: ${step.detail}`;
}

/** One line per step, ids shown; plans carry ids, names and dates only, never a secret. */
export function formatPlan(plan: Plan): string {
  const verb = plan.kind === 'rotation' ? 'rotate' : 'offboard';
  const lines = [`dry run of ${verb} ${plan.userName}: nothing was changed`];
  const execution = plan.executionName ? ` (execution ${plan.executionName})` : '';
  lines.push(`outcome: ${plan.outcome}${plan.code ? ` [${plan.code}]` : ''}${execution}${plan.reason ? `: ${plan.reason}` : ''}`);
  if (plan.kind === 'rotation') {
    const r = plan.retire;
    if (r) {
      const age = r.ageDays !== undefined ? `, ${r.ageDays} days old` : '';
      const used = r.lastUsedAt ? `last used ${r.lastUsedAt}${r.lastUsedService ? ` (${r.lastUsedService})` : ''}` : 'never used';
      lines.push(`key to retire: ${r.accessKeyId} (${r.status}${r.createdAt ? `, created ${r.createdAt}` : ''}${age}, ${used})`);
    }
    if (plan.steps.length > 0) lines.push(`secret: ${plan.secretName}`);
  } else {
    lines.push(`approval: ${plan.approval}`);
    if (plan.observation) {
      const o = plan.observation;
      lines.push(`observation: ${o.days} days (${o.seconds} s), disabled at ${o.disabledAt}, deleted at ${o.deleteAfter}`);
    }
    if (plan.denyPolicyArn) lines.push(`deny policy: ${plan.denyPolicyArn}`);
  }
  if (plan.steps.length > 0) lines.push('plan:', ...plan.steps.map(stepLine));
  return lines.join('\n');
}

/** Prints the plan (text or JSON) and answers the exit code. */
export function printPlan(plan: Plan, json: boolean, print: (line: string) => void): number {
  print(json ? JSON.stringify({ dryRun: true, ...plan }, null, 2) : formatPlan(plan));
  return planExitCode(plan);
}
