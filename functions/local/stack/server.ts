/**
 * The local stack process (`iam-lifecycle local up` starts it in the background): moto (or the
 * endpoint given), the local environment with the workflow runner, the daily scan on its
 * time-scaled schedule, and the deployed API's handler served on a loopback port. Every other CLI
 * process finds it through the state file (./state.ts) and talks to it over HTTP.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { makeApiHandler } from '../../api/handler';
import { offboardingApi } from '../../api/offboarding-api';
import { localContext, printingNotifier, type CliContext } from '../../cli/context';
import { userStatus } from '../../cli/offboard';
import { formatScan, runScan } from '../../cli/scan';
import { startEventTap, type CloudTrailEvent, type EventTap } from '../event-tap';
import { localReactions } from '../../reactions/local';
import { startMoto, type MotoServer } from '../moto';
import { CONTROL_PREFIX, controlRoute, TOKEN_HEADER, tokenMatches, type ShutdownReport } from './control';
import { callerOf, fromApiResult, isLoopbackHost, toApiEvent } from './http-event';
import { describeLeftovers } from './leftover';
import { tapKeyActivity } from '../tap/activity';
import { scheduleScans } from './scheduler';
import { removeOwnState, writeStateExclusive, type StackState } from './state';

const MAX_BODY_BYTES = 1_000_000;

export interface ServeOptions {
  readonly home: string;
  readonly logFile: string;
  readonly port?: number;
  /** The AWS endpoint to act on; else AWS_ENDPOINT_URL; else a moto server of its own. */
  readonly endpoint?: string;
  readonly configFile?: string;
  readonly timeScale?: number;
  readonly region?: string;
  readonly log: (line: string) => void;
}

/** Where the tap's CloudTrail events go (the local reactions handler, once linked). */
export type ReactionSink = (event: CloudTrailEvent) => void | Promise<void>;

export interface RunningStack {
  readonly state: StackState;
  /** The event tap in front of the stack's endpoint (its URL is state.tapUrl). */
  readonly tap: EventTap;
  /** Sends every later tap event to the sink too (undefined: log only). A sink's failure is logged. */
  setReactionSink(sink: ReactionSink | undefined): void;
  /** Resolves once the stack has stopped (its own moto stopped, the state file removed). */
  readonly done: Promise<void>;
  /** Stops the stack; the report says what the still-running workflows leave behind. */
  stop(): Promise<ShutdownReport>;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) resolve(undefined);
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export async function startLocalStack(options: ServeOptions): Promise<RunningStack> {
  const log = (line: string) => options.log(`${new Date().toISOString()} ${line}`);
  const moto: MotoServer = await startMoto(options.endpoint ? { existingEndpoint: options.endpoint } : {});
  let ctx: CliContext;
  let defaultCaller: string;
  let tap: EventTap;
  let sink: ReactionSink | undefined;
  try {
    ctx = await localContext(
      {
        endpoint: moto.endpoint,
        stack: 'local',
        json: false,
        ...(options.configFile ? { configFile: options.configFile } : {}),
        ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
        ...(options.region ? { region: options.region } : {}),
      },
      // The exposure response reads a key's activity from the calls the tap recorded (moto has no CloudTrail).
      { forwardNotifications: printingNotifier(log), keyActivity: tapKeyActivity(() => tap) },
    );
    await ctx.local!.ready();
    defaultCaller = await ctx.callerArn();
    // The reactions (functions/reactions) take every event the tap records, as EventBridge would.
    const reactions = localReactions(ctx.local!);
    sink = async (event) => {
      const outcome = await reactions(event);
      log(`reaction to ${event.detail.eventName} (eventID ${event.detail.eventID}): ${JSON.stringify(outcome)}`);
    };
    tap = await startEventTap({
      targetEndpoint: moto.endpoint,
      onEvent: (event) => {
        const d = event.detail;
        log(`CloudTrail event ${d.eventName} by ${d.userIdentity.arn} (eventID ${d.eventID})`);
        return sink?.(event);
      },
      onError: (error) => log(`event tap: ${error.name}: ${error.message}`),
    });
    ctx.local!.useEventTap(tap);
  } catch (error) {
    await moto.stop();
    throw error;
  }
  const local = ctx.local!;
  const api = makeApiHandler({
    iam: local.iam,
    secrets: local.secrets,
    workflows: local.workflows,
    config: ctx.config,
    clock: () => new Date(),
    automationUserNames: [],
    logger: new Logger({
      serviceName: 'api-local',
      logLevel: (process.env.POWERTOOLS_LOG_LEVEL as 'INFO' | undefined) ?? 'INFO',
    }),
    offboarding: offboardingApi(local.offboardingService),
  });
  const schedule = scheduleScans(ctx.config.timeScale, async () => {
    const line = formatScan(await runScan(ctx, { dryRun: false })).split('\n')[0] ?? '';
    log(`scheduled scan: ${line}`);
    return line;
  });

  let state: StackState | undefined;
  let stopping: Promise<ShutdownReport> | undefined;
  let markDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (markDone = resolve));
  const report = async (): Promise<ShutdownReport> => {
    const running = [
      ...(await local.workflows.list('rotation', { runningOnly: true })),
      ...(await local.workflows.list('offboarding', { runningOnly: true })),
      ...(await local.workflows.list('exposure', { runningOnly: true })),
    ];
    const left = await describeLeftovers(
      { iam: local.iam, offboarding: local.offboardingService, endpoint: moto.endpoint, motoOwned: moto.owned },
      running,
    );
    return { endpoint: moto.endpoint, motoOwned: moto.owned, left };
  };
  const stop = (): Promise<ShutdownReport> => {
    stopping ??= (async () => {
      schedule.stop();
      const answer = await report().catch(() => ({ endpoint: moto.endpoint, motoOwned: moto.owned, left: [] }));
      for (const w of answer.left) {
        log(`stopping with ${w.kind} ${w.executionName} running: ${w.leaves}`);
        await local.workflows.stop(w.kind, w.executionName, { error: 'LocalStackStopped', cause: 'iam-lifecycle local down' });
      }
      // Let the answer reach the caller before the server and moto go.
      setTimeout(() => {
        void tap.stop();
        server.close();
        server.closeAllConnections();
        void moto.stop().finally(() => {
          if (state) removeOwnState(options.home, state.pid);
          log('local stack stopped');
          markDone();
        });
      }, 100);
      return answer;
    })();
    return stopping;
  };

  const control = {
    state: () => state!,
    defaultCaller,
    workflows: local.workflows,
    schedule,
    clock: () => new Date(),
    scan: (dryRun: boolean) => runScan(ctx, { dryRun }),
    userStatus: (userName: string) => userStatus(ctx, userName),
    shutdown: stop,
  };
  const server = createServer((req, res) => {
    void (async () => {
      const port = (server.address() as AddressInfo).port;
      if (!isLoopbackHost(req.headers.host, port)) {
        return send(res, 403, { error: 'Forbidden', message: 'the local stack answers loopback requests only' });
      }
      const body = await readBody(req);
      if (body === undefined) return send(res, 413, { error: 'PayloadTooLarge', message: 'request body over 1 MB' });
      const url = req.url ?? '/';
      const method = req.method ?? 'GET';
      if (url.startsWith(CONTROL_PREFIX)) {
        const token = req.headers[TOKEN_HEADER];
        if (!tokenMatches(typeof token === 'string' ? token : undefined, state!.token)) {
          return send(res, 403, { error: 'Forbidden', message: `the local routes need the token of ${options.home}` });
        }
        const answer = await controlRoute(control, method, new URL(url, 'http://127.0.0.1').pathname, body);
        return send(res, answer.status, answer.body);
      }
      const caller = callerOf(req.headers, defaultCaller);
      const event = toApiEvent({ method, url, headers: req.headers, body }, caller, randomUUID());
      const out = fromApiResult(await api(event));
      send(res, out.statusCode, out.body, out.headers);
    })().catch((error: Error) => {
      log(`request failed: ${error.name}: ${error.message}`);
      if (!res.headersSent) send(res, 500, { error: 'InternalError', message: 'the request failed; see the local stack log' });
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    state = {
      pid: process.pid,
      apiUrl: `http://127.0.0.1:${port}/`,
      endpoint: moto.endpoint,
      motoOwned: moto.owned,
      timeScale: ctx.config.timeScale,
      logFile: options.logFile,
      startedAt: new Date().toISOString(),
      token: randomBytes(24).toString('hex'),
      tapUrl: tap.url,
      ...(options.configFile ? { configFile: options.configFile } : {}),
    };
    writeStateExclusive(options.home, state);
  } catch (error) {
    schedule.stop();
    server.close();
    await tap.stop();
    await moto.stop();
    throw error;
  }
  log(
    `local stack listening at ${state.apiUrl} (endpoint ${moto.endpoint}${moto.owned ? ', own moto' : ''}, time scale ${state.timeScale}; event tap ${tap.url})`,
  );
  return { state, done, stop, tap, setReactionSink: (next) => void (sink = next) };
}
