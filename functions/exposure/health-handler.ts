/**
 * The Lambda target of the AWS Health rule: one exposure response per exposed key the event names
 * (every affected entity). Duplicates are harmless: the execution name is per user and key. A key
 * that is not this account's is logged and skipped; any other failure fails the invocation after
 * every key was tried, so EventBridge retries the event (the keys already started just join).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { untargetedReason } from '../shared/account-scope';
import type { LifecycleConfig } from '../shared/config';
import { isAccountId } from '../shared/organization-config';
import type { IamUsers } from '../shared/iam/users';
import type { WorkflowPort } from '../shared/workflows';
import { exposuresFromHealthEvent } from './health';
import { startExposureResponse, UnknownAccessKeyError } from './start';

export interface HealthOutcome {
  readonly accessKeyId: string;
  readonly outcome: 'started' | 'already-started' | 'unknown-key' | 'refused-account';
  readonly executionName?: string;
}

export function makeHealthHandler(deps: {
  readonly iam: Pick<IamUsers, 'keyOwner'>;
  readonly workflows: WorkflowPort;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /**
   * Organization mode: the response runs in the account the event came from (its `account`), which
   * must be a target; IAM there answers the key's owner.
   */
  readonly organization?: {
    readonly config: Pick<LifecycleConfig, 'organization'>;
    readonly hubAccountId?: string;
    iamIn(accountId: string): Pick<IamUsers, 'keyOwner'>;
  };
}) {
  return async function onHealthEvent(event: unknown): Promise<HealthOutcome[]> {
    const exposures = exposuresFromHealthEvent(event);
    const outcomes: HealthOutcome[] = [];
    const failures: Error[] = [];
    let starter: Parameters<typeof startExposureResponse>[0] = deps;
    const org = deps.organization;
    if (org) {
      const account = (event as { account?: unknown } | null)?.account;
      const why = isAccountId(account)
        ? untargetedReason(org.config.organization, account, org.hubAccountId)
        : 'the event names no 12-digit account';
      if (!isAccountId(account) || why !== undefined) {
        // A forged or foreign event changes nothing; retrying it would not either.
        deps.logger.warn('AWS Health event from an account that is not a target: refused', { account: String(account), why });
        return exposures.map((e) => ({ accessKeyId: e.accessKeyId, outcome: 'refused-account' as const }));
      }
      starter = { iam: org.iamIn(account), workflows: deps.workflows, accountId: account, config: org.config };
    }
    for (const exposure of exposures) {
      try {
        const started = await startExposureResponse(starter, {
          accessKeyId: exposure.accessKeyId,
          reason: `AWS Health ${exposure.code}`,
          source: 'health',
          eventId: exposure.eventArn,
        });
        outcomes.push({
          accessKeyId: exposure.accessKeyId,
          outcome: started.started ? 'started' : 'already-started',
          executionName: started.executionName,
        });
      } catch (error) {
        if (error instanceof UnknownAccessKeyError) {
          deps.logger.warn('exposed key is not a key of this account', { accessKeyId: exposure.accessKeyId });
          outcomes.push({ accessKeyId: exposure.accessKeyId, outcome: 'unknown-key' });
        } else {
          deps.logger.error('could not start the exposure response', {
            accessKeyId: exposure.accessKeyId,
            errorName: (error as Error).name,
          });
          failures.push(error as Error);
        }
      }
    }
    deps.logger.info('AWS Health exposure event handled', { keys: exposures.length, outcomes });
    if (failures.length > 0) throw failures[0];
    return outcomes;
  };
}
