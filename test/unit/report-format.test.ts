import { parseConfig } from '../../functions/shared/config';
import { parseCsv } from '../../functions/scan/csv';
import { buildFleetReport, type FleetFacts } from '../../functions/report/domain';
import { csvField, csvText } from '../../functions/report/csv-out';
import { formatReportCsv, formatReportTable } from '../../functions/cli/report';

const NOW = new Date('2024-06-01T12:00:00Z');
const DAY = 86_400_000;
const config = parseConfig({ maxKeyAgeDays: 90, managedUsers: { pathPrefix: '/apps/' } });

describe('CSV output', () => {
  it('quotes fields with commas, quotes and line breaks as RFC 4180 says', () => {
    // Act
    const text = csvText([
      ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rhere'],
      [1, true, undefined, '', 'x'],
    ]);

    // Assess
    expect(text).toBe('plain,"a,b","say ""hi""","two\nlines","cr\rhere"\r\n1,true,,,x');
    expect(parseCsv(text).map((r) => r.fields)).toEqual([
      ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rhere'],
      ['1', 'true', '', '', 'x'],
    ]);
  });

  it('defeats formula injection: a field starting with = + - @ tab or CR is prefixed with a quote', () => {
    // Act / Assess
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tcmd')).toBe("'\tcmd");
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField('user@example.com')).toBe('user@example.com');
  });

  it('writes one record per user with both key slots, and a user name that looks like a formula stays text', () => {
    // Prepare: IAM user names may contain = + , . @ -
    const user = '=cmd,x';
    const facts: FleetFacts = {
      reportUsers: [
        {
          userName: user,
          arn: `arn:aws:iam::123456789012:user/apps/${user}`,
          path: '/apps/',
          line: 2,
          accessKeys: [
            { slot: 1, active: true, lastRotated: new Date(NOW.getTime() - 100 * DAY) },
            { slot: 2, active: false },
          ],
          console: { passwordEnabled: true, mfaActive: false, passwordLastUsed: new Date(NOW.getTime() - DAY) },
        },
      ],
      reportProblems: [],
      iamUsers: [],
      accessKeys: new Map([
        [user, [{ accessKeyId: 'AKIAEXAMPLE', status: 'Active', createDate: new Date(NOW.getTime() - 100 * DAY).toISOString() }]],
      ]),
      running: [],
      nextScan: { plan: [], alreadyRunning: [], blocked: [], skipped: [], failed: [] },
      automationUserNames: [],
    };

    // Act
    const text = formatReportCsv(buildFleetReport(facts, config, NOW));

    // Assess
    const [header, record] = parseCsv(text).map((r) => r.fields);
    const field = (name: string) => record![header!.indexOf(name)];
    expect(parseCsv(text)).toHaveLength(2);
    expect(field('user')).toBe("'=cmd,x");
    expect(field('key_1_id')).toBe('AKIAEXAMPLE');
    expect(field('key_1_age_days')).toBe('100');
    expect(field('key_1_last_used')).toBe('never');
    expect(field('key_2_id')).toBe('');
    expect(field('password_enabled')).toBe('true');
    expect(field('mfa_active')).toBe('false');
    expect(field('findings')).toBe('key-older-than-max-age unused-access-key console-without-mfa');
    expect(text).not.toMatch(/secret/i);

    // The table shows the same user on one line with its findings
    const table = formatReportTable(buildFleetReport(facts, config, NOW));
    expect(table).toMatch(/=cmd,x\s+managed\s+AKIAEXAMPLE\s+Active\s+100\s+never\s+yes\s+no\s+-\s+-\s+key-older-than-max-age/);
  });
});
