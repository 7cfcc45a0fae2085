/**
 * The member stack's template as the hub's StackSet deploys it: the member stack synthesized in an
 * app of its own (same context, so the same feature flags), so the hub can embed it. The app also
 * writes the same stack to cdk.out as `<stackName>-Member.template.json` for review (infra/app.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import { MemberStack, type MemberStackProps } from './member-stack';

/** The template (JSON object) of a member stack built with these props. */
export function synthesizeMemberTemplate(context: Node | undefined, props: MemberStackProps): Record<string, unknown> {
  // Context keys of the CDK itself (aws:*) cannot be handed to a new App.
  const all = context?.getAllContext() ?? {};
  // Its own output directory (the CLI's CDK_OUTDIR would put a second member template in cdk.out).
  const outdir = mkdtempSync(join(tmpdir(), 'iam-lifecycle-member-'));
  try {
    const app = new App({
      outdir,
      context: Object.fromEntries(Object.entries(all).filter(([key]) => !key.startsWith('aws:'))),
    });
    const stack = new MemberStack(app, 'Member', props);
    return app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
