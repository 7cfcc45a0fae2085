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
import { makeOrganizationReactionHandler } from './accounts';
import { accountScopes } from '../shared/account-routing';
import { hubAccountIdFromEnv } from '../shared/account-scope';
import { notifierForAccount } from '../shared/notifier';
import { denyPolicyArnIn } from '../offboarding/deny-policy';

const logger = makeLogger('reactions');

export function stackPrincipalsFromEnv(env: NodeJS.ProcessEnv): string[] {
  return (env.STACK_PRINCIPAL_IDS ?? '')
    .split(',')
    .map((arn) => arn.trim())
    .filter((arn) => arn.length > 0);
}

const react = once((): ((event: unknown) => Promise<ReactionOutcome>) => {
  const rt = runtimeFromEnv();
  const ownPrincipalArns = stackPrincipalsFromEnv(rt.env);
  // Without its own roles the reactions could answer their own calls: refuse to start.
  if (ownPrincipalArns.length === 0) throw new Error('environment variable STACK_PRINCIPAL_IDS is not set');
  const records = snapshotStoreFor(rt);
  const notifier = notifierFor(rt);
  const denyPolicyArn = requiredEnv(rt.env, 'OFFBOARDING_DENY_POLICY_ARN');
  const common = { config: rt.config, clock: rt.clock, logger, automationUserNames: rt.automationUserNames, ownPrincipalArns };
  if (!rt.config.organization.enabled) {
    return makeReactionHandler({ ...common, iam: iamUsersFor(rt), records, notifier, denyPolicyArn });
  }
  // Organization mode: the event's account (./accounts), through its member `reactions` role.
  const hubAccountId = hubAccountIdFromEnv(rt.env);
  const scopes = accountScopes({
    config: rt.config,
    base: rt.target,
    capability: 'reactions',
    ...(hubAccountId ? { hubAccountId } : {}),
  });
  return makeOrganizationReactionHandler({
    config: rt.config,
    ...(hubAccountId ? { hubAccountId } : {}),
    logger,
    depsFor: (accountId) => {
      const scope = scopes(accountId);
      const member = accountId !== hubAccountId ? accountId : undefined;
      return {
        ...common,
        config: scope.config,
        iam: iamUsersFor({ target: scope.target }),
        records: records.forAccount(accountId),
        notifier: notifierForAccount(notifier, accountId),
        denyPolicyArn: denyPolicyArnIn(denyPolicyArn, member),
      };
    },
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
