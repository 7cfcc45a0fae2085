/**
 * The reactions in a local run: the same handler over the local environment's IAM, records and
 * notifications. Locally the stack's workflows call moto directly (not through the event tap), so
 * no event is caused by them; `ownPrincipalArns` can still name principals to ignore.
 */
import type { LocalEnvironment } from '../local/environment';
import { makeReactionHandler, type ReactionOutcome } from './handler';

export function localReactions(
  env: LocalEnvironment,
  options: { readonly ownPrincipalArns?: readonly string[] } = {},
): (event: unknown) => Promise<ReactionOutcome> {
  return makeReactionHandler({
    iam: env.iam,
    records: env.records,
    notifier: env.notifications,
    config: env.config,
    clock: () => new Date(),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    ownPrincipalArns: options.ownPrincipalArns ?? [],
    denyPolicyArn: () => env.denyPolicyArn(),
  });
}
