/**
 * The fleet report's reads, read-only: the credential report, every user's tags, key ids, running
 * workflows, and a dry run of the real scan handler fed with those same reads.
 *
 * IAM calls: per fleet, the credential report (GenerateCredentialReport + GetCredentialReport, a few
 * more while IAM builds it) and GetAccountAuthorizationDetails (users only, 1000 per page); per user
 * only one ListAccessKeys, and only for users the report shows with a key (the report has no key
 * ids). The dry-run scan asks for nothing more: its ListUserTags and ListAccessKeys are answered
 * from these reads. Step Functions: ListExecutions (running executions per kind, and the scan's
 * listing of rotations), DescribeExecution per running execution and per attempt of a candidate key.
 */
import { UserNotFoundError } from '../shared/errors';
import type { AccessKeyRecord, IamUser } from '../shared/iam/records';
import type { IamUsers } from '../shared/iam/users';
import type { LifecycleConfig } from '../shared/config';
import type { Notifier } from '../shared/notifier';
import { withListingCache, type WorkflowKind, type WorkflowPort } from '../shared/workflows';
import { parseCredentialReport, type CredentialReportSource } from '../scan/credential-report';
import { makeScanHandler } from '../scan/handler';
import type { FleetFacts, RunningWorkflow } from './domain';

export interface FleetSourceDeps {
  readonly credentialReport: CredentialReportSource;
  readonly iam: Pick<IamUsers, 'listAllUsers' | 'listAccessKeys'>;
  readonly workflows: WorkflowPort;
  /** The workflow kinds this stack has (deployed, offboarding may be absent). */
  readonly kinds: readonly WorkflowKind[];
  readonly config: LifecycleConfig;
  readonly now: Date;
  readonly automationUserNames: readonly string[];
  /** ListAccessKeys calls at once. @default 4 */
  readonly concurrency?: number;
}

/** A dry run publishes nothing; if it ever tried, the report must fail rather than notify. */
const refuseToNotify: Notifier = {
  publish: async () => {
    throw new Error('the fleet report never publishes notifications');
  },
};
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export async function readFleet(deps: FleetSourceDeps): Promise<FleetFacts> {
  const fetched = await deps.credentialReport.fetchReport();
  const parsed = parseCredentialReport(fetched.csv);
  const iamUsers = await deps.iam.listAllUsers();
  const iamByName = new Map<string, IamUser>(iamUsers.map((u) => [u.userName, u]));

  const withKeys = parsed.users.filter((u) => u.accessKeys.some((k) => k.lastRotated !== undefined));
  const listed = await mapLimited(withKeys, deps.concurrency ?? 4, async (u) => {
    try {
      return [u.userName, await deps.iam.listAccessKeys(u.userName)] as const;
    } catch (error) {
      if (error instanceof UserNotFoundError) return [u.userName, [] as AccessKeyRecord[]] as const;
      throw error;
    }
  });
  const accessKeys = new Map<string, readonly AccessKeyRecord[]>(listed);

  // One listing per kind and filter, shared with the dry-run scan below.
  const workflows = withListingCache(deps.workflows);
  const running = (await Promise.all(deps.kinds.map((kind) => runningOf(workflows, kind)))).flat();

  const scan = makeScanHandler({
    credentialReport: { fetchReport: async () => fetched },
    iam: {
      // The user was deleted after the credential report: the scan skips it as user-not-found.
      listTags: async (userName) => {
        const user = iamByName.get(userName);
        if (!user) throw new UserNotFoundError(userName);
        return { ...user.tags };
      },
      listAccessKeys: async (userName) => {
        const keys = accessKeys.get(userName);
        if (keys) return [...keys];
        if (!iamByName.has(userName)) throw new UserNotFoundError(userName);
        return deps.iam.listAccessKeys(userName);
      },
    },
    workflows,
    config: deps.config,
    clock: () => deps.now,
    notifier: refuseToNotify,
    logger: silent,
    automationUserNames: deps.automationUserNames,
    // Expiry and inactivity from the tags read above: no IAM call more; a dry run acts on nothing.
    signals: { listAllUsers: async () => iamUsers },
    // One at a time: candidates in the scan's exact oldest-first order, so the deferred ones are
    // the ones maxRotationsPerScan leaves for later.
    concurrency: 1,
  });
  const nextScan = await scan({ dryRun: true });

  return {
    reportUsers: parsed.users,
    reportProblems: parsed.problems,
    ...(fetched.generatedAt ? { reportGeneratedAt: fetched.generatedAt } : {}),
    iamUsers,
    accessKeys,
    running,
    nextScan,
    automationUserNames: deps.automationUserNames,
  };
}

/** Running executions of a kind with the user each one is for (from its input). */
async function runningOf(workflows: WorkflowPort, kind: WorkflowKind): Promise<RunningWorkflow[]> {
  const listed = await workflows.list(kind, { runningOnly: true, max: 10_000 });
  const described = await Promise.all(listed.map(async (e) => (e.input !== undefined ? e : workflows.describe(kind, e.name))));
  return described.flatMap((e) => {
    const userName = (e?.input as { userName?: unknown } | undefined)?.userName;
    if (!e || e.status !== 'RUNNING' || typeof userName !== 'string') return [];
    return [{ kind, executionName: e.name, userName, startedAt: e.startDate.toISOString() }];
  });
}
