/**
 * What each reaction kind does once decided: the offboarding's own re-disable (kind 1), the
 * configured action of kinds 2 and 4, and the notification of every kind. Every IAM change here is
 * idempotent (a state set, a grant removed answering false when gone), so running a reaction twice
 * (a redelivered event, a retry after a lost answer) leaves the same state.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LifecycleConfig } from '../shared/config';
import type { IamUsers } from '../shared/iam/users';
import type { Notifier } from '../shared/notifier';
import type { SnapshotStore } from '../shared/snapshot-store';
import { describeFinding, recordKeys, usableCredentials } from '../offboarding/domain';
import { switchOff } from '../offboarding/steps/disable';
import {
  makeStepContext,
  REACTED_REENABLE_FOLDER,
  type OffboardingStepDeps,
  type ReactedReenable,
} from '../offboarding/steps/context';
import type { ReactionDecision } from './domain';
import { param, type CloudTrailEvent, type UserIdentity } from './events';

export interface ReactionDeps {
  readonly iam: IamUsers;
  /** The offboarding records bucket: idempotency markers and re-enable records. */
  readonly records: SnapshotStore;
  readonly notifier: Notifier;
  readonly config: LifecycleConfig;
  readonly clock: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The stack's own roles (and users), by ARN or unique id: events they caused are ignored (loop safety). */
  readonly ownPrincipalArns: readonly string[];
  readonly automationUserNames?: readonly string[];
  /** The offboarding deny policy (OFFBOARDING_DENY_POLICY_ARN); a getter where it is created later. */
  readonly denyPolicyArn: string | (() => string);
}

type Reacting = Extract<ReactionDecision, { action: 'react' }>;

/** Who made the call, as CloudTrail says: never a secret (an access key id is an identifier). */
export function actorOf(event: CloudTrailEvent): Record<string, string> {
  const id: UserIdentity = event.detail.userIdentity;
  return {
    type: id.type,
    ...(id.arn ? { arn: id.arn } : {}),
    ...(id.principalId ? { principalId: id.principalId } : {}),
    ...(id.accountId ? { accountId: id.accountId } : {}),
    ...(id.accessKeyId ? { accessKeyId: id.accessKeyId } : {}),
    ...(id.sessionContext?.sessionIssuer?.arn ? { sessionIssuer: id.sessionContext.sessionIssuer.arn } : {}),
    ...(event.detail.sourceIPAddress ? { sourceIPAddress: event.detail.sourceIPAddress } : {}),
    ...(event.detail.userAgent ? { userAgent: event.detail.userAgent.slice(0, 200) } : {}),
  };
}

/** Where an offboarding's final record finds the re-enables the reactions undid (one object per event). */
export function reenableRecordKey(userName: string, executionName: string, eventID: string): string {
  return `${recordKeys(userName, executionName).prefix}${REACTED_REENABLE_FOLDER}${encodeURIComponent(eventID)}.json`;
}

/** Kind 1: the offboarding's own switch-off (disableCalls via switchOff), then notify and record. */
async function reenabled(deps: ReactionDeps, event: CloudTrailEvent, d: Reacting): Promise<string[]> {
  const ctx = makeStepContext<OffboardingStepDeps>({
    ...deps,
    workflows: () => {
      throw new Error('the reactions never read workflows');
    },
  });
  const now = deps.clock();
  const state = await ctx.readCredentialState(d.userName);
  const findings = usableCredentials(state);
  const act = d.mode === 'act' && findings.length > 0;
  if (act) await switchOff(ctx, d.userName, state);
  const by = actorOf(event);
  if (d.offboardingExecution) {
    const record: ReactedReenable = {
      at: now.toISOString(),
      eventID: event.detail.eventID,
      eventName: event.detail.eventName,
      eventTime: event.detail.eventTime,
      by,
      findings,
      disabledAgain: act,
    };
    await deps.records.create(reenableRecordKey(d.userName, d.offboardingExecution, event.detail.eventID), record);
  }
  await deps.notifier.publish({
    type: 'offboarding.reenabled',
    userName: d.userName,
    ...(d.offboardingExecution ? { executionName: d.offboardingExecution } : {}),
    eventName: event.detail.eventName,
    eventID: event.detail.eventID,
    eventTime: event.detail.eventTime,
    by,
    findings: findings.map(describeFinding),
    ...(act ? { disabledAgainAt: now.toISOString() } : { disabledAgain: false }),
    ...(d.mode === 'notify'
      ? { notifyOnly: d.scope.kind === 'protected' ? 'protected user' : 'reactions.reenabled is notify' }
      : {}),
  });
  return act ? ['re-disabled', 'notified'] : ['notified'];
}

/** Kind 4 revert: undo exactly the grant the event added (a removed boundary cannot be put back: unknown). */
async function revertGrant(iam: IamUsers, event: CloudTrailEvent, userName: string): Promise<string | undefined> {
  switch (event.detail.eventName) {
    case 'AttachUserPolicy': {
      const arn = param(event, 'policyArn');
      if (arn) await iam.detachPolicy(userName, arn);
      return arn ? `detached ${arn}` : undefined;
    }
    case 'PutUserPolicy': {
      const name = param(event, 'policyName');
      if (name) await iam.deleteInlinePolicy(userName, name);
      return name ? `deleted inline policy ${name}` : undefined;
    }
    case 'AddUserToGroup': {
      const group = param(event, 'groupName');
      if (group) await iam.removeFromGroup(userName, group);
      return group ? `removed from group ${group}` : undefined;
    }
    default:
      return undefined;
  }
}

/** Carries out a decided reaction; answers what was done. */
export async function carryOut(
  deps: ReactionDeps,
  event: CloudTrailEvent,
  d: Reacting,
  facts: { tags: Readonly<Record<string, string>>; tagsBefore?: Readonly<Record<string, string>> },
): Promise<string[]> {
  const base = {
    userName: d.userName,
    eventName: event.detail.eventName,
    eventID: event.detail.eventID,
    eventTime: event.detail.eventTime,
    by: actorOf(event),
    ...(d.scope.kind === 'protected' ? { protected: true } : {}),
  };
  switch (d.kind) {
    case 'reenabled':
      return reenabled(deps, event, d);
    case 'out-of-band-key': {
      const created = event.detail.responseElements?.accessKey as { accessKeyId?: unknown } | undefined;
      const accessKeyId = typeof created?.accessKeyId === 'string' ? created.accessKeyId : undefined;
      const { outOfBandKey, outOfBandKeyDelayMinutes } = deps.config.reactions;
      const deactivate = d.mode === 'act' && accessKeyId !== undefined;
      if (deactivate) await deps.iam.setAccessKeyStatus(d.userName, accessKeyId, 'Inactive');
      await deps.notifier.publish({
        type: 'key.out-of-band',
        ...base,
        ...(accessKeyId ? { accessKeyId } : {}),
        action: deactivate ? 'deactivated' : 'none',
        ...(outOfBandKey === 'deactivate' && outOfBandKeyDelayMinutes > 0
          ? { note: `deactivation after ${outOfBandKeyDelayMinutes} minutes is not scheduled yet: deactivate it by hand` }
          : {}),
      });
      return deactivate ? ['deactivated', 'notified'] : ['notified'];
    }
    case 'scope-changed':
      await deps.notifier.publish({ type: 'scope.changed', ...base, before: facts.tagsBefore ?? {}, after: facts.tags });
      return ['notified'];
    case 'privilege-escalated': {
      const reverted = d.mode === 'act' ? await revertGrant(deps.iam, event, d.userName) : undefined;
      await deps.notifier.publish({ type: 'privilege.escalated', ...base, privilege: d.why, ...(reverted ? { reverted } : {}) });
      return reverted ? ['reverted', 'notified'] : ['notified'];
    }
    case 'mfa-removed':
      await deps.notifier.publish({ type: 'mfa.removed', ...base, serialNumber: param(event, 'serialNumber') });
      return ['notified'];
  }
}
