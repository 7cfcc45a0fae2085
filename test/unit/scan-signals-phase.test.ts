/** The scan's lifecycle-signals phase on fakes: failure paths moto cannot produce, and the dry run. */
import { parseConfig } from '../../functions/shared/config';
import { RecordingNotifier, type Notification } from '../../functions/shared/notifier';
import { runSignalsPhase, type SignalsDeps } from '../../functions/scan/signals-phase';
import { ago, DAY, NOW, reportUser } from '../support/report-fixtures';

const config = parseConfig({ managedUsers: { pathPrefix: '/apps/' } });
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const user = reportUser('soon', [{ active: true, lastRotated: ago(10 * DAY), lastUsed: ago(DAY) }], { passwordEnabled: false });
// NOW is 2024-06-01T12:00:00Z: 2024-06-08 is 7 days away, 2024-05-01 has passed.
const listing = (tags: Record<string, string>) => async () => [{ userName: 'soon', path: '/apps/', tags }];

class MemoryMarks {
  readonly objects = new Map<string, unknown>();
  async get<T>(key: string): Promise<T | undefined> {
    return this.objects.get(key) as T | undefined;
  }
  async create<T>(key: string, value: T) {
    const existing = this.objects.get(key);
    if (existing !== undefined) return { created: false, value: existing as T, sha256: '' };
    this.objects.set(key, value);
    return { created: true, value, sha256: '' };
  }
}

class FlakyNotifier extends RecordingNotifier {
  failures = 1;
  override async publish(notification: Notification): Promise<void> {
    if (this.failures-- > 0) throw Object.assign(new Error('connection reset'), { name: 'TimeoutError' });
    return super.publish(notification);
  }
}

const phase = (deps: SignalsDeps, notifier: RecordingNotifier, dryRun = false) =>
  runSignalsPhase({ users: [user], deps, config, now: NOW, dryRun, automationUserNames: [], notifier, logger: silent });

describe('lifecycle signals phase', () => {
  it('reports a failed read of the users instead of failing the scan, and decides nothing', async () => {
    // Prepare
    const notifier = new RecordingNotifier();
    const denied = Object.assign(new Error('not authorized to perform iam:GetAccountAuthorizationDetails'), {
      name: 'AccessDenied',
    });
    // Act
    const summary = await phase({ listAllUsers: async () => Promise.reject(denied) }, notifier);
    // Assess
    expect(summary).toEqual({
      usersWithSignals: 0,
      outcomes: [],
      notificationErrors: 0,
      failed: 'AccessDenied: not authorized to perform iam:GetAccountAuthorizationDetails',
    });
    expect(notifier.sent).toEqual([]);
  });

  it('records a reminder only once it is published: a failed publish is retried by the next scan, then never again', async () => {
    // Prepare
    const marks = new MemoryMarks();
    const notifier = new FlakyNotifier();
    const deps = { listAllUsers: listing({ Expiry: '2024-06-08', Owner: 'team-a' }), marks };
    // Act
    const first = await phase(deps, notifier);
    const second = await phase(deps, notifier);
    const third = await phase(deps, notifier);
    // Assess
    expect([first, second, third].map((s) => s.outcomes.map((o) => o.result))).toEqual([['failed'], ['sent'], ['already-sent']]);
    expect(first.notificationErrors).toBe(1);
    expect(notifier.sent).toEqual([
      expect.objectContaining({ type: 'user.expiring', userName: 'soon', reminderDays: 7, owner: 'team-a' }),
    ]);
    expect([...marks.objects.keys()]).toEqual(['signals/soon/expiry-2024-06-08-rung-7.json']);
  });

  it('a dry run publishes nothing, records nothing and plans the offboarding of an expired user', async () => {
    // Prepare
    const marks = new MemoryMarks();
    const notifier = new RecordingNotifier();
    // Act
    const expired = await phase({ listAllUsers: listing({ Expiry: '2024-05-01' }), marks }, notifier, true);
    const reminder = await phase({ listAllUsers: listing({ Expiry: '2024-06-08' }), marks }, notifier, true);
    // Assess
    expect(expired.outcomes).toEqual([
      expect.objectContaining({
        action: 'offboard',
        result: 'planned',
        reason: 'expired 2024-05-01: would start a staged offboarding',
      }),
    ]);
    expect(reminder.outcomes).toEqual([expect.objectContaining({ action: 'remind', result: 'planned', rung: 7 })]);
    expect(notifier.sent).toEqual([]);
    expect(marks.objects.size).toBe(0);
  });
});
