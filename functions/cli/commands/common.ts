/** What several verbs share. */
import type { CliContext } from '../context';

/** Audit fields name the caller's STS identity, never a local user name anyone can set. */
export async function cliCaller(ctx: CliContext): Promise<string> {
  return `cli:${await ctx.callerArn()}`;
}
