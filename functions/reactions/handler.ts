/**
 * The reactions to CloudTrail IAM events (issue 8, kinds 1-5): parse, drop what is cheap to drop
 * (the stack's own calls, failed calls, calls that cannot matter), claim the event id, read the
 * user, decide (./domain) and carry out (./actions).
 *
 * Idempotency: a marker `reactions/events/<eventID>.json` in the records bucket, written by this
 * role only. It is claimed (conditional create) as `started` before acting and set to `done` after:
 * a redelivery of a done event does nothing; one whose first run died half way runs again, which
 * is harmless because every action is idempotent (a state set, a grant removed, a record created once).
 */
import { isValidUserName } from '../shared/scope';
import { carryOut, type ReactionDeps } from './actions';
import { decideReaction, preFilter, tagsBefore, type IgnoreReason, type ReactionKind } from './domain';
import { parseCloudTrailEvent, targetUserName } from './events';

export type { ReactionDeps } from './actions';

export type ReactionOutcome =
  | {
      readonly eventID: string;
      readonly eventName: string;
      readonly result: 'ignored';
      readonly reason: IgnoreReason;
      readonly why?: string;
    }
  | {
      readonly eventID: string;
      readonly eventName: string;
      readonly result: 'reacted';
      readonly kind: ReactionKind;
      readonly userName: string;
      readonly mode: 'act' | 'notify';
      readonly done: readonly string[];
    };

interface EventMarker {
  readonly status: 'started' | 'done';
  readonly at: string;
  readonly eventName: string;
  readonly done?: readonly string[];
}

export function eventMarkerKey(eventID: string): string {
  return `reactions/events/${encodeURIComponent(eventID)}.json`;
}

export function makeReactionHandler(deps: ReactionDeps): (event: unknown) => Promise<ReactionOutcome> {
  const { iam, records, config, clock, logger } = deps;

  return async function react(raw: unknown): Promise<ReactionOutcome> {
    const event = parseCloudTrailEvent(raw);
    const { eventID, eventName } = event.detail;
    const ignored = (reason: IgnoreReason, why?: string): ReactionOutcome => {
      logger.info('event ignored', { eventID, eventName, reason, ...(why ? { why } : {}) });
      return { eventID, eventName, result: 'ignored', reason, ...(why ? { why } : {}) };
    };
    const early = preFilter(event, deps.ownPrincipalArns, config);
    if (early?.action === 'ignore') return ignored(early.reason, early.why);
    const userName = targetUserName(event);
    if (!isValidUserName(userName)) return ignored('no-target-user');

    const user = await iam.findUser(userName, { tagsFromGetUser: true });
    if (!user) return ignored('unknown-user');
    const before = ['TagUser', 'UntagUser'].includes(eventName) ? tagsBefore(event, user.tags, {}, config) : undefined;
    const consoleUser = eventName === 'DeactivateMFADevice' ? (await iam.getLoginProfile(userName)) !== undefined : undefined;
    const decision = decideReaction(
      event,
      user.userName,
      {
        path: user.path,
        tags: user.tags,
        ...(before ? { tagsBefore: before } : {}),
        ...(consoleUser !== undefined ? { consoleUser } : {}),
      },
      config,
      deps.automationUserNames,
    );
    if (decision.action === 'ignore') return ignored(decision.reason, decision.why);

    const markerKey = eventMarkerKey(eventID);
    const claim = await records.create<EventMarker>(markerKey, { status: 'started', at: clock().toISOString(), eventName });
    if (!claim.created && claim.value.status === 'done') return ignored('duplicate', `acted on at ${claim.value.at}`);

    const done = await carryOut(deps, event, decision, { tags: user.tags, ...(before ? { tagsBefore: before } : {}) });
    await records.put(markerKey, { status: 'done', at: clock().toISOString(), eventName, done } satisfies EventMarker);
    logger.info('reacted', { eventID, eventName, kind: decision.kind, userName: decision.userName, mode: decision.mode, done });
    return { eventID, eventName, result: 'reacted', kind: decision.kind, userName: decision.userName, mode: decision.mode, done };
  };
}
