/**
 * Organization mode against one moto (issue 9): member account ids per test file (moto holds every
 * account: AssumeRole into `arn:aws:iam::<id>:role/...` answers credentials acting in `<id>`), a
 * local environment whose workflows route by account, and the API handler over it.
 */
import { randomInt } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { makeApiHandler } from '../../functions/api/handler';
import { offboardingApi } from '../../functions/api/offboarding-api';
import { localApiAccounts } from '../../functions/local/accounts';
import { createLocalEnvironment, type LocalEnvironment } from '../../functions/local/environment';
import { parseConfig, type LifecycleConfig } from '../../functions/shared/config';
import type { Notification } from '../../functions/shared/notifier';
import { motoEndpoint, uniqueName } from './aws';
import { apiEvent } from './api-events';

export const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;

/** A fresh 12-digit account id (not moto's own 123456789012). */
export function randomAccountId(): string {
  return String(randomInt(200_000_000_000, 999_999_999_999));
}

export interface OrgSetup {
  readonly env: LocalEnvironment;
  readonly config: LifecycleConfig;
  readonly accounts: { readonly a: string; readonly b: string; readonly excluded: string };
  call(
    method: string,
    resource: string,
    options?: { accountId?: string; userName?: string; body?: object },
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  next(type: string, userName: string): Promise<Notification>;
}

export async function orgSetup(configJson: Record<string, unknown> = {}, path = '/org-it/'): Promise<OrgSetup> {
  const accounts = { a: randomAccountId(), b: randomAccountId(), excluded: randomAccountId() };
  const config = parseConfig({
    timeScale: 86400,
    managedUsers: { pathPrefix: path },
    protectedUsers: { userNames: [] },
    offboardingObservationDays: { default: 30, min: 1, max: 90 },
    ...configJson,
    organization: {
      enabled: true,
      organizationId: 'o-exampleorg1',
      targetOrganizationalUnitIds: ['r-ab12'],
      accountIds: [accounts.a, accounts.b],
      excludedAccountIds: [accounts.excluded],
      ...((configJson.organization as object | undefined) ?? {}),
    },
  });
  const waiters: { type: string; userName: string; resolve: (n: Notification) => void }[] = [];
  const env = createLocalEnvironment({
    endpoint: motoEndpoint(),
    config,
    snapshotBucket: uniqueName('org-it-records').toLowerCase(),
    logger: silent,
    forwardNotifications: {
      publish: async (n) => waiters.filter((w) => w.type === n.type && w.userName === n.userName).forEach((w) => w.resolve(n)),
    },
  });
  await env.ready();
  const common = { workflows: env.workflows, clock: () => new Date(), logger: silent, automationUserNames: [] };
  const handler = makeApiHandler({
    ...common,
    iam: env.iam,
    secrets: env.secrets,
    config,
    offboarding: offboardingApi(env.offboardingService),
    accounts: localApiAccounts(env.accounts!, config, common),
  });
  return {
    env,
    config,
    accounts,
    call: async (method, resource, options = {}) => {
      const response: APIGatewayProxyResult = await handler(accountEvent(method, resource, options));
      return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
    },
    next: (type, userName) =>
      new Promise<Notification>((resolve) => {
        const seen = env.notifications.sent.find((n) => n.type === type && n.userName === userName);
        if (seen) resolve(seen);
        else waiters.push({ type, userName, resolve });
      }),
  };
}

/** An API Gateway event for a route, under `/accounts/{accountId}` when an account is given. */
export function accountEvent(
  method: string,
  resource: string,
  options: { accountId?: string; userName?: string; body?: object } = {},
): APIGatewayProxyEvent {
  const scoped = options.accountId !== undefined ? `/accounts/{accountId}${resource}` : resource;
  const event = apiEvent(method, scoped, {
    ...(options.userName ? { userName: options.userName } : {}),
    ...(options.body ? { body: options.body } : {}),
  });
  if (options.accountId === undefined) return event;
  return {
    ...event,
    path: event.path.replace('{accountId}', options.accountId),
    pathParameters: { ...(event.pathParameters ?? {}), accountId: options.accountId },
  };
}
