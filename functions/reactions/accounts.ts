/**
 * Organization mode for the reactions (issue 9): events from member accounts reach the hub's bus
 * through the organization-wide rule, and a reaction acts in the account the event came from.
 *
 * - The account is the EventBridge envelope's `account` (set by EventBridge to the account the
 *   event happened in); the CloudTrail record's `recipientAccountId`, when present, must agree.
 * - An account that is not a target (organization.excludedAccountIds, outside
 *   organization.accountIds, or not 12 digits) is refused before any client is built: a forged
 *   event cannot make the hub act in an excluded or foreign account.
 * - Loop safety also recognises the member roles (`<memberRolePrefix>-<capability>` in any account,
 *   as session issuer or assumed-role ARN): the hub's own calls in a member account are made
 *   through them.
 * - Each account's reaction (IAM through its member `reactions` role, its records under
 *   `accounts/<accountId>/`, notifications naming it) is built once and kept.
 */
import { untargetedReason } from '../shared/account-scope';
import type { LifecycleConfig } from '../shared/config';
import { isAccountId, MEMBER_CAPABILITIES, type OrganizationConfig } from '../shared/organization-config';
import { makeReactionHandler, type ReactionDeps, type ReactionOutcome } from './handler';
import { actorArns, parseCloudTrailEvent, type CloudTrailEvent } from './events';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether the call was made by one of the member roles (by role ARN or assumed-role session ARN). */
export function causedByMemberRole(event: CloudTrailEvent, org: Pick<OrganizationConfig, 'memberRolePrefix'>): boolean {
  const names = MEMBER_CAPABILITIES.map((c) => escapeRegExp(`${org.memberRolePrefix}-${c}`)).join('|');
  const role = new RegExp(`^arn:aws[\\w-]*:iam::\\d{12}:role/(?:[\\w+=,.@/-]*/)?(?:${names})$`);
  const session = new RegExp(`^arn:aws[\\w-]*:sts::\\d{12}:assumed-role/(?:${names})/[^/]+$`);
  return actorArns(event.detail.userIdentity).some((arn) => role.test(arn) || session.test(arn));
}

/** The account the event happened in, or why it is refused. */
export function eventAccount(
  event: CloudTrailEvent,
  config: Pick<LifecycleConfig, 'organization'>,
  hubAccountId?: string,
): { readonly accountId: string } | { readonly refused: string } {
  const account = event.account;
  if (!isAccountId(account)) return { refused: 'the event names no 12-digit account' };
  const recipient = (event.detail as { recipientAccountId?: unknown }).recipientAccountId;
  if (recipient !== undefined && recipient !== account) {
    return { refused: `the envelope names account ${account} but the CloudTrail record ${String(recipient)}` };
  }
  const why = untargetedReason(config.organization, account, hubAccountId);
  return why === undefined ? { accountId: account } : { refused: why };
}

export interface OrganizationReactionOptions {
  readonly config: LifecycleConfig;
  readonly hubAccountId?: string;
  /** The reaction's dependencies in one account (built once per account). */
  depsFor(accountId: string): ReactionDeps;
  readonly logger: ReactionDeps['logger'];
}

export function makeOrganizationReactionHandler(
  options: OrganizationReactionOptions,
): (raw: unknown) => Promise<ReactionOutcome> {
  const handlers = new Map<string, (raw: unknown) => Promise<ReactionOutcome>>();
  return async (raw) => {
    const event = parseCloudTrailEvent(raw);
    const { eventID, eventName } = event.detail;
    const ignored = (reason: 'own-role' | 'untargeted-account', why?: string): ReactionOutcome => {
      options.logger.info('event ignored', { eventID, eventName, account: event.account, reason, ...(why ? { why } : {}) });
      return { eventID, eventName, result: 'ignored', reason, ...(why ? { why } : {}) };
    };
    if (causedByMemberRole(event, options.config.organization)) return ignored('own-role', 'a member role of this deployment');
    const where = eventAccount(event, options.config, options.hubAccountId);
    if ('refused' in where) return ignored('untargeted-account', where.refused);
    let handler = handlers.get(where.accountId);
    if (!handler) {
      handler = makeReactionHandler(options.depsFor(where.accountId));
      handlers.set(where.accountId, handler);
    }
    return handler(raw);
  };
}
