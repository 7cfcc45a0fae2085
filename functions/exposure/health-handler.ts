/**
 * The Lambda target of the AWS Health rule: one exposure response per exposed key the event names
 * (every affected entity). Duplicates are harmless: the execution name is per user and key. A key
 * that is not this account's is logged and skipped; any other failure fails the invocation after
 * every key was tried, so EventBridge retries the event (the keys already started just join).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { IamUsers } from '../shared/iam/users';
import type { WorkflowPort } from '../shared/workflows';
import { exposuresFromHealthEvent } from './health';
import { startExposureResponse, UnknownAccessKeyError } from './start';

export interface HealthOutcome {
  readonly accessKeyId: string;
  readonly outcome: 'started' | 'already-started' | 'unknown-key';
  readonly executionName?: string;
}

export function makeHealthHandler(deps: {
  readonly iam: Pick<IamUsers, 'keyOwner'>;
  readonly workflows: WorkflowPort;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}) {
  return async function onHealthEvent(event: unknown): Promise<HealthOutcome[]> {
    const exposures = exposuresFromHealthEvent(event);
    const outcomes: HealthOutcome[] = [];
    const failures: Error[] = [];
    for (const exposure of exposures) {
      try {
        const started = await startExposureResponse(deps, {
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
