/**
 * Generates a realistic IAM credential report CSV (AWS's 22 columns, the root row, placeholders such
 * as N/A and not_supported, quoted names with commas) for parser and selection benchmarks.
 */
const HEADER = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
].join(',');

const DAY = 86_400_000;
const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export interface ReportFixtureOptions {
  readonly users: number;
  readonly now: Date;
  /** Share of users whose active key is older than `staleAfterDays`. @default 0.02 */
  readonly staleShare?: number;
  readonly staleAfterDays?: number;
}

/** Deterministic (no randomness): the same options give the same CSV. */
export function credentialReportCsv(options: ReportFixtureOptions): string {
  const { users, now } = options;
  const staleEvery = Math.max(1, Math.round(1 / (options.staleShare ?? 0.02)));
  const staleAge = ((options.staleAfterDays ?? 90) + 30) * DAY;
  const lines = [
    HEADER,
    `<root_account>,arn:aws:iam::123456789012:root,${stamp(new Date(now.getTime() - 2000 * DAY))},not_supported,${stamp(now)},not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
  ];
  for (let i = 0; i < users; i++) {
    const userName = i % 97 === 0 ? `svc,${i}@example.com` : `user-${i}`;
    // About 11% of users live outside the managed path, among them half of the stale ones.
    const path = i % 10 === 3 || i % (2 * staleEvery) === staleEvery ? '/other/' : '/workloads/';
    const arn = `arn:aws:iam::123456789012:user${path}${userName}`;
    const keyAge = i % staleEvery === 0 ? staleAge : ((i * 7919) % 80) * DAY + 3600_000;
    const hasKey = i % 10 !== 9;
    const hasSecondInactive = i % 13 === 0;
    const key1 = hasKey
      ? [
          'true',
          stamp(new Date(now.getTime() - keyAge)),
          i % 3 === 0 ? 'N/A' : stamp(new Date(now.getTime() - DAY)),
          'us-east-1',
          's3',
        ]
      : ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
    const key2 = hasSecondInactive
      ? ['false', stamp(new Date(now.getTime() - 400 * DAY)), 'no_information', 'N/A', 'N/A']
      : ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
    lines.push(
      [
        quote(userName),
        quote(arn),
        stamp(new Date(now.getTime() - 500 * DAY)),
        i % 5 === 0 ? 'true' : 'false',
        i % 5 === 0 ? 'no_information' : 'not_supported',
        i % 5 === 0 ? stamp(new Date(now.getTime() - 50 * DAY)) : 'not_supported',
        'not_supported',
        i % 5 === 0 ? 'true' : 'false',
        ...key1,
        ...key2,
        'false',
        'N/A',
        'false',
        'N/A',
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
