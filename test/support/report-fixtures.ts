/** Fleet report facts for the unit tests: a fixed clock, a config, credential report rows. */
import { maxKeyAgeMs, parseConfig } from '../../functions/shared/config';
import type { AccessKeyRecord } from '../../functions/shared/iam/records';
import type { ReportConsole, ReportKeySlot, ReportUser } from '../../functions/scan/credential-report';
import { unusedLimitMs, type FleetFacts } from '../../functions/report/domain';

export const NOW = new Date('2024-06-01T12:00:00Z');
export const DAY = 86_400_000;
export const config = parseConfig({
  maxKeyAgeDays: 90,
  reportUnusedCredentialDays: 30,
  maxRotationsPerScan: 2,
  managedUsers: { pathPrefix: '/apps/' },
  protectedUsers: { userNames: ['break-glass'] },
});
export const MAX = maxKeyAgeMs(config);
export const UNUSED = unusedLimitMs(config);
export const ago = (ms: number) => new Date(NOW.getTime() - ms);

export function reportUser(
  userName: string,
  slots: Partial<ReportKeySlot>[],
  consoleFacts?: ReportConsole,
  path = '/apps/',
): ReportUser {
  return {
    userName,
    arn: `arn:aws:iam::123456789012:user${path}${userName}`,
    path,
    line: 2,
    createdAt: ago(400 * DAY),
    accessKeys: [1, 2].map((n) => ({ slot: n as 1 | 2, active: false, ...slots[n - 1] })),
    ...(consoleFacts ? { console: consoleFacts } : {}),
  };
}

export const listedKey = (accessKeyId: string, created: Date, status: 'Active' | 'Inactive' = 'Active'): AccessKeyRecord => ({
  accessKeyId,
  status,
  createDate: created.toISOString(),
});

export function facts(users: ReportUser[], more: Partial<FleetFacts> = {}): FleetFacts {
  return {
    reportUsers: users,
    reportProblems: [],
    iamUsers: users.map((u) => ({ userName: u.userName, path: u.path, tags: {} })),
    accessKeys: new Map(),
    running: [],
    nextScan: { plan: [], alreadyRunning: [], blocked: [], skipped: [], failed: [] },
    automationUserNames: [],
    ...more,
  };
}
