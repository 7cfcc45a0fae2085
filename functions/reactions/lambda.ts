/**
 * Lambda entry of the CloudTrail reactions, invoked by the EventBridge rule of
 * infra/constructs/iam-event-reactions.ts with one CloudTrail event. IAM, the records bucket
 * (SNAPSHOT_BUCKET) and the topic only. STACK_PRINCIPAL_IDS (comma separated unique ids,
 * `AROA...`) lists the stack's own roles: events they caused are ignored (loop safety).
 */
import { iamUsersFor } from '../shared/clients/iam';
import { snapshotStoreFor } from '../shared/clients/s3';
import { notifierFor } from '../shared/clients/sns';
import { ValidationError } from '../shared/errors';
import { makeLogger, once, requiredEnv, runtimeFromEnv } from '../shared/runtime';
import { makeReactionHandler, type ReactionOutcome } from './handler';

const logger = makeLogger('reactions');

export function stackPrincipalsFromEnv(env: NodeJS.ProcessEnv): string[] {
  return (env.STACK_PRINCIPAL_IDS ?? '')
    .split(',')
    .map((arn) => arn.trim())
    .filter((arn) => arn.length > 0);
}

const react = once(() => {
  const rt = runtimeFromEnv();
  const ownPrincipalArns = stackPrincipalsFromEnv(rt.env);
  // Without its own roles the reactions could answer their own calls: refuse to start.
  if (ownPrincipalArns.length === 0) throw new Error('environment variable STACK_PRINCIPAL_IDS is not set');
  return makeReactionHandler({
    iam: iamUsersFor(rt),
    records: snapshotStoreFor(rt),
    notifier: notifierFor(rt),
    config: rt.config,
    clock: rt.clock,
    logger,
    automationUserNames: rt.automationUserNames,
    ownPrincipalArns,
    denyPolicyArn: requiredEnv(rt.env, 'OFFBOARDING_DENY_POLICY_ARN'),
  });
});

/**
 * A malformed event is logged and dropped (retrying it cannot help); every other error is thrown so
 * EventBridge retries the event (throttling, a dropped connection: each action is idempotent).
 */
export async function handler(event: unknown): Promise<ReactionOutcome | { readonly result: 'invalid-event' }> {
  try {
    return await react()(event);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    logger.warn('not a CloudTrail event; dropped', { error: error.message });
    return { result: 'invalid-event' };
  }
}
