/**
 * `iam-lifecycle react --event FILE`: a CloudTrail event (the EventBridge envelope, or the bare
 * record the console's event history and SIEMs export) or an AWS Health event, as JSON. Locally the
 * event goes to the local reactions (CloudTrail) or starts the exposure response per affected key
 * (Health). Deployed, a Health event posts `POST /exposures` per key; a CloudTrail event is refused:
 * there reactions run from EventBridge. Malformed input: one line, exit 2, nothing done.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CloudTrailEvent } from '../../local/event-tap';
import { ValidationError } from '../../shared/errors';
import type { ExecutionSummary } from '../../shared/workflows';
import type { LifecycleApiClient } from '../api-client';
import type { CliContext } from '../context';
import { EXIT } from '../exit-codes';
import {
  LINKED_REACTIONS,
  missingLink,
  type HealthExposure,
  type ReactionDispatcher,
  type ExposureStarted,
  type ReactionLinks,
} from '../react-dispatch';
import { apiClient } from '../stack-client';
import { stackFor } from '../stack-routing';
import { awaitWorkflow, checkFinal, openContext, type Session } from '../session';
import { finalLine, refuseStackOptions } from './expose';
import { givenOptions } from './stack';

export type ReactInput =
  | { readonly kind: 'cloudtrail'; readonly event: CloudTrailEvent }
  | { readonly kind: 'health'; readonly raw: Record<string, unknown>; readonly eventArn: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkRecord(detail: Record<string, unknown>, file: string): void {
  for (const field of ['eventName', 'eventID', 'eventTime', 'eventSource'] as const) {
    if (typeof detail[field] !== 'string' || detail[field] === '') {
      throw new ValidationError(`${file}: the CloudTrail event has no ${field}; nothing was done`);
    }
  }
  if (!isObject(detail.userIdentity))
    throw new ValidationError(`${file}: the CloudTrail event has no userIdentity; nothing was done`);
  if (detail.eventSource !== 'iam.amazonaws.com') {
    throw new ValidationError(
      `${file}: only IAM events are reacted to (eventSource is ${String(detail.eventSource)}); nothing was done`,
    );
  }
}

/** Which event the JSON is, checked enough to dispatch (the handlers validate the rest). */
export function classifyEvent(raw: unknown, file: string): ReactInput {
  if (!isObject(raw)) throw new ValidationError(`${file}: an event is a JSON object; nothing was done`);
  if (raw.source === 'aws.health') {
    if (raw['detail-type'] !== 'AWS Health Event' || !isObject(raw.detail)) {
      throw new ValidationError(
        `${file}: an AWS Health event has detail-type "AWS Health Event" and a detail object; nothing was done`,
      );
    }
    return {
      kind: 'health',
      raw,
      eventArn: typeof raw.detail.eventArn === 'string' ? raw.detail.eventArn : String(raw.id ?? ''),
    };
  }
  if (raw.source === 'aws.iam' || raw['detail-type'] === 'AWS API Call via CloudTrail') {
    if (raw['detail-type'] !== 'AWS API Call via CloudTrail' || !isObject(raw.detail)) {
      throw new ValidationError(
        `${file}: a CloudTrail event has detail-type "AWS API Call via CloudTrail" and a detail object; nothing was done`,
      );
    }
    checkRecord(raw.detail, file);
    return { kind: 'cloudtrail', event: raw as unknown as CloudTrailEvent };
  }
  if ('eventVersion' in raw && 'eventName' in raw) {
    // A bare CloudTrail record: wrapped in the envelope EventBridge would have put it in.
    checkRecord(raw, file);
    const identity = raw.userIdentity as Record<string, unknown>;
    const account = String(raw.recipientAccountId ?? identity.accountId ?? '');
    const event = {
      version: '0',
      id: String(raw.eventID),
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.iam',
      account,
      time: String(raw.eventTime),
      region: typeof raw.awsRegion === 'string' ? raw.awsRegion : 'us-east-1',
      resources: [],
      detail: raw,
    };
    return { kind: 'cloudtrail', event: event as unknown as CloudTrailEvent };
  }
  throw new ValidationError(
    `${file}: neither a CloudTrail event (source aws.iam, or a CloudTrail record) nor an AWS Health event (source aws.health); nothing was done`,
  );
}

export function readEventFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ValidationError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); nothing was done`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${file}: not JSON (${(error as Error).message}); nothing was done`);
  }
}

function exposuresOf(input: Extract<ReactInput, { kind: 'health' }>, links: ReactionLinks): HealthExposure[] {
  if (!links.exposuresFromHealthEvent) throw new ValidationError(`${missingLink('exposuresFromHealthEvent')}; nothing was done`);
  const found = links.exposuresFromHealthEvent(input.raw);
  if (found.length === 0) throw new ValidationError('the Health event names no exposed access key; nothing was done');
  return found;
}

const reasonOf = (e: HealthExposure) => `AWS Health ${e.code} (${e.eventArn})`;

export interface ReactDeps {
  readonly print: (line: string) => void;
  readonly links: ReactionLinks;
  /** Local mode: the local context (the dispatcher is built on it). Deployed: the stack's API. */
  readonly local?: CliContext;
  readonly api?: Pick<LifecycleApiClient, 'post'>;
  /** Local in-process mode: waits for one started response (default: the dispatcher's waitExposure). */
  readonly waitExposure?: (started: ExposureStarted & { readonly accessKeyId: string }) => Promise<ExecutionSummary>;
}

/** Dispatches one validated event; returns the exit code. */
export async function react(input: ReactInput, deps: ReactDeps): Promise<number> {
  const { print, links } = deps;
  if (!deps.local) {
    if (input.kind === 'cloudtrail') {
      throw new ValidationError(
        `${input.event.detail.eventName} (eventID ${input.event.detail.eventID}): reactions to CloudTrail events run from EventBridge when deployed; ` +
          'replay it locally with --endpoint; nothing was done',
      );
    }
    if (!deps.api) throw new ValidationError('the deployed stack has no API (no ApiUrl output); nothing was done');
    for (const e of exposuresOf(input, links)) {
      const answer = await deps.api.post('/exposures', { accessKeyId: e.accessKeyId, reason: reasonOf(e) });
      print(`exposure of ${e.accessKeyId} (${e.code}): ${JSON.stringify(answer.body)}`);
    }
    return EXIT.done;
  }
  if (!links.localDispatcher) throw new ValidationError(`${missingLink('localDispatcher')}; nothing was done`);
  const dispatcher: ReactionDispatcher = links.localDispatcher(deps.local);
  if (input.kind === 'cloudtrail') {
    const outcome = await dispatcher.cloudTrail(input.event);
    print(`${input.event.detail.eventName} (eventID ${input.event.detail.eventID}): ${JSON.stringify(outcome)}`);
    return EXIT.done;
  }
  const started: (ExposureStarted & { accessKeyId: string })[] = [];
  for (const e of exposuresOf(input, links)) {
    const out = await dispatcher.startExposure({
      accessKeyId: e.accessKeyId,
      reason: reasonOf(e),
      source: 'cli',
      eventId: e.eventArn,
    });
    started.push({ ...out, accessKeyId: e.accessKeyId });
    print(
      `exposure of ${e.accessKeyId} (${e.code}, user ${out.userName}): ${out.started ? 'started' : 'already running'} ${out.executionName}`,
    );
  }
  // In-process, the responses run inside this process: the verb waits for every one of them.
  const wait =
    deps.waitExposure ??
    (dispatcher.waitExposure ? (s: ExposureStarted) => dispatcher.waitExposure!(s.executionName) : undefined);
  if (!wait) return EXIT.done;
  let code: number = EXIT.done;
  for (const s of started) {
    const final = await wait(s);
    print(`exposure of ${s.accessKeyId}: ${finalLine(final)}`);
    if (final.status !== 'SUCCEEDED') code = EXIT.failed;
  }
  return code;
}

/**
 * The verb: validates the file first (nothing opened for a malformed one), then dispatches: to the
 * running local stack (a Health event: its POST /exposures per key), in-process (--endpoint), or to
 * the deployed API.
 */
export async function reactCommand(
  session: Session,
  file: string,
  links: ReactionLinks = LINKED_REACTIONS,
  cmd?: Command,
): Promise<number> {
  const input = classifyEvent(readEventFile(file), file);
  const routing = cmd ? givenOptions(cmd) : undefined;
  const state = routing ? stackFor({ command: 'react', ...routing }) : undefined;
  if (state && routing) {
    refuseStackOptions(routing.given);
    if (input.kind === 'cloudtrail') {
      throw new ValidationError(
        `${input.event.detail.eventName} (eventID ${input.event.detail.eventID}): the local stack reacts to the calls through its event tap (${state.tapUrl ?? 'see `local status`'}); ` +
          `replay a CloudTrail event in-process with --endpoint ${state.endpoint}; nothing was done`,
      );
    }
    if (!session.options.json) session.printError(`(via the local stack at ${state.apiUrl}; --endpoint or --stack go elsewhere)`);
    return react(input, { print: session.print, links, api: apiClient(state) });
  }
  const ctx = await openContext(session, { quiet: true });
  return react(input, {
    print: session.print,
    links,
    ...(ctx.local ? { local: ctx } : {}),
    ...(ctx.api ? { api: ctx.api } : {}),
    ...(ctx.local
      ? {
          waitExposure: async (s) => {
            const w = {
              kind: 'exposure' as const,
              userName: s.userName,
              executionName: s.executionName,
              oldAccessKeyId: s.accessKeyId,
            };
            const final = await awaitWorkflow(session, ctx, w, () => ctx.local!.workflows.wait('exposure', s.executionName));
            if (final.status !== 'SUCCEEDED') await checkFinal(session, ctx, w, final);
            return final;
          },
        }
      : {}),
  });
}
