/**
 * The local event tap (issue 8, "Locally"): an AWS endpoint on loopback that forwards every request
 * unchanged to the target endpoint (moto) and returns its answer unchanged, and, for the IAM write
 * calls the reactions watch that succeeded, emits the CloudTrail event AWS would put on EventBridge.
 * Moto emits none; pointed at the tap (`aws --endpoint-url`), the AWS CLI and the SDK act like an
 * account with CloudTrail on. Secrets (secret keys, passwords) are never part of an event.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorCodeOf, isReadOnly, sessionKeyOf, signedCall } from './tap/calls';
import { requestIdOf, requestParameters, responseElements, type CloudTrailEvent } from './tap/cloudtrail-shape';
import { identityResolver, type UserIdentity } from './tap/identity';
import { lookupEvents, type LookupEventsInput, type LookupEventsOutput } from './tap/lookup';

export type { CloudTrailEvent } from './tap/cloudtrail-shape';
export type { LookupEventsInput, LookupEventsOutput } from './tap/lookup';

export interface EventTapOptions {
  /** The AWS endpoint the tap forwards to (moto), e.g. http://127.0.0.1:5000. */
  readonly targetEndpoint: string;
  /** Receives each event once it is recorded; a throw or rejection is reported to onError only. */
  readonly onEvent?: (event: CloudTrailEvent) => void | Promise<void>;
  readonly onError?: (error: Error) => void;
  readonly clock?: () => Date;
  readonly port?: number;
}

export interface EventTap {
  /** The tap's endpoint: `aws --endpoint-url <url>`. */
  readonly url: string;
  /** The IAM write events emitted to the reactions so far, oldest first. */
  events(): CloudTrailEvent[];
  /** Every call recorded so far (any service, refused ones too, reads too), oldest first: what LookupEvents searches. */
  activity(): CloudTrailEvent[];
  /** CloudTrail LookupEvents over every recorded call. */
  lookupEvents(input?: LookupEventsInput): LookupEventsOutput;
  /** Requests the tap sent to the target: the forwarded calls and its own identity lookups. */
  targetCalls(): { forwarded: number; identityLookups: number };
  stop(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly rawHeaders: string[];
  readonly body: Buffer;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function forward(target: URL, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, method, path, headers, agent: false }, (res) => {
      readAll(res).then((b) => resolve({ status: res.statusCode ?? 502, rawHeaders: res.rawHeaders, body: b }), reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Moto's account (the tap only falls back to it when the caller's identity could not be resolved). */
const DEFAULT_ACCOUNT = '123456789012';
const seconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function startEventTap(options: EventTapOptions): Promise<EventTap> {
  const target = new URL(options.targetEndpoint);
  const clock = options.clock ?? (() => new Date());
  const onError = options.onError ?? (() => undefined);
  const recorded: CloudTrailEvent[] = [];
  const activity: CloudTrailEvent[] = [];
  const counts = { forwarded: 0, identityLookups: 0 };
  const identity = identityResolver(async (body, headers) => {
    counts.identityLookups++;
    const answer = await forward(target, 'POST', '/', headers, Buffer.from(body));
    return { status: answer.status, body: answer.body.toString('utf8') };
  }, clock);

  const emit = (event: CloudTrailEvent) => {
    activity.push(event);
    recorded.push(event);
    try {
      void Promise.resolve(options.onEvent?.(event)).catch((e: Error) => onError(e));
    } catch (e) {
      onError(e as Error);
    }
  };

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const url = req.url ?? '/';
      const call = signedCall(url, req.headers, body);
      // Resolved before the call: a call that deletes the caller's own key still names its caller.
      const lookup = () =>
        identity(call!.scope, {
          authorization: req.headers.authorization!,
          ...(typeof req.headers['x-amz-date'] === 'string' ? { 'x-amz-date': req.headers['x-amz-date'] } : {}),
          ...(typeof req.headers['x-amz-security-token'] === 'string'
            ? { 'x-amz-security-token': req.headers['x-amz-security-token'] }
            : {}),
        }).catch((e: Error) => {
          onError(e);
          return undefined;
        });
      const who = call ? await lookup() : undefined;
      counts.forwarded++;
      const answer = await forward(target, req.method ?? 'GET', url, req.headers, body);
      const text = answer.body.toString('utf8');
      const sessionKey = call && who ? sessionKeyOf(call, answer.status, text) : undefined;
      if (sessionKey && who) identity.rememberSession(sessionKey, who);
      res.writeHead(answer.status, answer.rawHeaders);
      res.end(answer.body);
      if (!call) return;
      const ok = answer.status >= 200 && answer.status < 300;
      // Moto refuses nothing for policy reasons, but an emulator (or a later moto) that does is logged like AWS.
      const errorCode = ok ? undefined : errorCodeOf(text);
      if (!ok && (!errorCode || answer.status >= 500)) return;
      // A failed lookup is tried once more; then the event still goes out (a write is never dropped),
      // naming only the key, as CloudTrail's `Unknown` identity does.
      const userIdentity: UserIdentity = who ??
        (await lookup()) ?? { type: 'Unknown', principalId: '', arn: '', accountId: '', accessKeyId: call.scope.accessKeyId };
      const now = clock();
      const xml = text;
      const eventID = randomUUID();
      const userAgent = req.headers['user-agent'] ?? '';
      const service = call.scope.service;
      const iamWrite = call.iamWrite && ok;
      (iamWrite ? emit : (e: CloudTrailEvent) => void activity.push(e))({
        version: '0',
        id: randomUUID(),
        'detail-type': 'AWS API Call via CloudTrail',
        source: `aws.${service}`,
        account: userIdentity.accountId || DEFAULT_ACCOUNT,
        time: seconds(now),
        // IAM is global: its CloudTrail events are written (and reach EventBridge) in us-east-1.
        region: service === 'iam' ? 'us-east-1' : call.scope.region,
        resources: [],
        detail: {
          eventVersion: '1.08',
          userIdentity,
          eventTime: seconds(now),
          eventSource: `${service}.amazonaws.com`,
          eventName: call.action,
          awsRegion: service === 'iam' ? 'us-east-1' : call.scope.region,
          sourceIPAddress: '127.0.0.1',
          userAgent,
          // Only the IAM write calls' parameters are shaped (and secrets left out); other calls log none here.
          requestParameters: call.iamWrite ? requestParameters(call.action, call.params) : null,
          responseElements: iamWrite ? responseElements(call.action, xml) : null,
          requestID: requestIdOf(xml) ?? randomUUID(),
          eventID,
          readOnly: call.iamWrite ? false : isReadOnly(call.action),
          ...(errorCode ? { errorCode } : {}),
          eventType: 'AwsApiCall',
          managementEvent: true,
          recipientAccountId: userIdentity.accountId || DEFAULT_ACCOUNT,
          eventCategory: 'Management',
        },
      });
    })().catch((error: Error) => {
      onError(error);
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`event tap: the target endpoint ${options.targetEndpoint} did not answer (${error.message})`);
      } else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    events: () => [...recorded],
    activity: () => [...activity],
    lookupEvents: (input) => lookupEvents(activity, input),
    targetCalls: () => ({ ...counts }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
