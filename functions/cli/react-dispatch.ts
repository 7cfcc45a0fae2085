/**
 * Where `iam-lifecycle react --event FILE` hands a validated event: the two calls the reactions
 * (functions/reactions, R) and the exposure response (functions/exposure, X) provide. Injectable so
 * the verb is tested with a recording dispatcher; `LINKED_REACTIONS` is the one place the real ones
 * are linked (until then the verb says which part of the build is missing and does nothing).
 */
import type { CloudTrailEvent } from '../local/event-tap';
import { exposuresFromHealthEvent } from '../exposure/health';
import { startExposureResponse } from '../exposure/start';
import { localReactions } from '../reactions/local';
import { ValidationError } from '../shared/errors';
import type { ExecutionSummary } from '../shared/workflows';
import type { CliContext } from './context';

/** One exposed key of a Health event (X: `exposuresFromHealthEvent`). */
export interface HealthExposure {
  readonly accessKeyId: string;
  readonly eventArn: string;
  readonly code: string;
}

/** X: `startExposureResponse(deps, input)`'s input and answer. */
export interface ExposureInput {
  readonly accessKeyId: string;
  readonly reason: string;
  readonly source: 'health' | 'api' | 'cli';
  readonly eventId?: string;
}
export interface ExposureStarted {
  readonly executionName: string;
  readonly started: boolean;
  readonly userName: string;
}

/** The local-mode reactions: R's handler for CloudTrail events, X's exposure response per key. */
export interface ReactionDispatcher {
  /** R: `localReactions(env)(event)` (`makeReactionHandler(deps)` on the local environment). */
  cloudTrail(event: CloudTrailEvent): Promise<unknown>;
  /** X: `startExposureResponse(deps, input)` on the local environment. */
  startExposure(input: ExposureInput): Promise<ExposureStarted>;
  /** In-process local mode: the exposure runs inside this process, so the verb waits for it. */
  waitExposure?(executionName: string): Promise<ExecutionSummary>;
}

export interface ReactionLinks {
  /** X: `exposuresFromHealthEvent` (validates the codes and lists every affected key). */
  readonly exposuresFromHealthEvent?: (raw: unknown) => HealthExposure[];
  /** The local dispatcher on the CLI's local context (R's and X's local wiring). */
  readonly localDispatcher?: (ctx: CliContext) => ReactionDispatcher;
}

/**
 * What this build links: the CloudTrail reactions and the exposure response (AWS Health events, one
 * response per affected key) on the local environment.
 */
export const LINKED_REACTIONS: ReactionLinks = {
  exposuresFromHealthEvent,
  localDispatcher: (ctx) => {
    const local = ctx.local;
    if (!local) throw new ValidationError('react needs local mode (--endpoint URL) for a CloudTrail event');
    return {
      cloudTrail: localReactions(local),
      // ready(): the containment policy (and the deny policy) exist before a response needs them.
      startExposure: async (input) => {
        await local.ready();
        return startExposureResponse({ iam: local.iam, workflows: local.workflows }, input);
      },
      waitExposure: (executionName) => local.workflows.wait('exposure', executionName),
    };
  },
};

/** Names what the build lacks for a call, for the verb's one-line refusal. */
export function missingLink(what: 'exposuresFromHealthEvent' | 'localDispatcher'): string {
  return what === 'exposuresFromHealthEvent'
    ? 'this build has no AWS Health event parser (functions/exposure/health.ts exposuresFromHealthEvent is not linked in functions/cli/react-dispatch.ts)'
    : 'this build has no local reactions (functions/reactions/local.ts localReactions and functions/exposure/start.ts startExposureResponse are not linked in functions/cli/react-dispatch.ts)';
}
