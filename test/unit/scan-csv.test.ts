import { CsvFormatError, parseCsv } from '../../functions/scan/csv';
import { CredentialReportFormatError, parseCredentialReport } from '../../functions/scan/credential-report';

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,' +
  'access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
  'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,' +
  'cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

/** A row as IAM writes it; `user` and `arn` are written as given (quote them yourself). */
function row(
  user: string,
  arn: string,
  key1: [string, string, string],
  key2: [string, string, string] = ['false', 'N/A', 'N/A'],
) {
  return [
    user,
    arn,
    '2020-01-01T00:00:00+00:00',
    'false',
    'not_supported',
    'not_supported',
    'not_supported',
    'false',
    key1[0],
    key1[1],
    key1[2],
    'N/A',
    'N/A',
    key2[0],
    key2[1],
    key2[2],
    'N/A',
    'N/A',
    'false',
    'N/A',
    'false',
    'N/A',
  ].join(',');
}

const ROOT =
  '<root_account>,arn:aws:iam::123456789012:root,2019-01-01T00:00:00+00:00,not_supported,2024-01-01T00:00:00+00:00,' +
  'not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';

describe('parseCsv', () => {
  it('reads quoted fields holding commas, doubled quotes and line breaks', () => {
    // Prepare
    const text = 'a,"b,c","say ""hi""","two\nlines",e\r\nf,,"",h,i\n';

    // Act
    const records = parseCsv(text);

    // Assess
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b,c', 'say "hi"', 'two\nlines', 'e'] },
      { line: 3, fields: ['f', '', '', 'h', 'i'] },
    ]);
  });

  it('accepts CRLF, LF, a BOM, blank lines, no final line break and a trailing empty field', () => {
    const records = parseCsv('\ufeffx,y\r\n\r\n1,2\n3,');
    expect(records.map((r) => r.fields)).toEqual([
      ['x', 'y'],
      ['1', '2'],
      ['3', ''],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 3, 4]);
  });

  it('keeps a stray quote inside an unquoted field as text', () => {
    expect(parseCsv('a"b,c\n')[0]?.fields).toEqual(['a"b', 'c']);
  });

  it('refuses an unterminated quoted field, naming the line it starts on', () => {
    expect(() => parseCsv('a,b\nc,"never closed\nmore\n')).toThrow(CsvFormatError);
    expect(() => parseCsv('a,b\nc,"never closed\nmore\n')).toThrow(/line 2/);
  });

  it('refuses text after a closing quote', () => {
    expect(() => parseCsv('"ab"c,d\n')).toThrow(/unexpected text after a closing quote/);
  });

  it('returns nothing for empty text', () => {
    expect(parseCsv('')).toEqual([]);
  });
});

describe('parseCredentialReport', () => {
  it('reads users by header name, leaves out the root row and maps IAM placeholders to no value', () => {
    // Prepare
    const csv = [
      HEADER,
      ROOT,
      row('alice', 'arn:aws:iam::123456789012:user/team/a/alice', ['true', '2024-01-02T03:04:05+00:00', 'N/A']),
      row(
        'bob',
        'arn:aws:iam::123456789012:user/bob',
        ['false', '2023-05-06T07:08:09+00:00', 'no_information'],
        ['true', '2024-02-03T04:05:06+00:00', '2024-03-01T00:00:00+00:00'],
      ),
    ].join('\n');

    // Act
    const report = parseCredentialReport(csv);

    // Assess
    expect(report.rootAccountRowSeen).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.users.map((u) => u.userName)).toEqual(['alice', 'bob']);
    const [alice, bob] = report.users;
    expect(alice?.path).toBe('/team/a/');
    expect(alice?.accessKeys).toEqual([
      { slot: 1, active: true, lastRotated: new Date('2024-01-02T03:04:05Z') },
      { slot: 2, active: false },
    ]);
    expect(bob?.path).toBe('/');
    expect(bob?.accessKeys).toEqual([
      { slot: 1, active: false, lastRotated: new Date('2023-05-06T07:08:09Z') },
      { slot: 2, active: true, lastRotated: new Date('2024-02-03T04:05:06Z'), lastUsed: new Date('2024-03-01T00:00:00Z') },
    ]);
  });

  it('does not depend on column order', () => {
    const csv = [
      'access_key_2_last_rotated,access_key_2_active,arn,access_key_1_last_rotated,user,access_key_1_active',
      'N/A,false,arn:aws:iam::1:user/x/carol,2024-01-01T00:00:00+00:00,carol,true',
    ].join('\r\n');

    const [carol] = parseCredentialReport(csv).users;

    expect(carol?.userName).toBe('carol');
    expect(carol?.path).toBe('/x/');
    expect(carol?.accessKeys[0]).toEqual({ slot: 1, active: true, lastRotated: new Date('2024-01-01T00:00:00Z') });
  });

  it('reads quoted user names with commas', () => {
    const csv = [HEADER, row('"a,b"', '"arn:aws:iam::1:user/p/a,b"', ['true', '2024-01-01T00:00:00+00:00', 'N/A'])].join('\n');

    const report = parseCredentialReport(csv);

    expect(report.users.map((u) => [u.userName, u.path])).toEqual([['a,b', '/p/']]);
  });

  it('rebuilds an unquoted user name with commas only when the ARN confirms it', () => {
    // moto writes names with commas unquoted: the row has two extra fields per comma.
    const good = row('a,b', 'arn:aws:iam::1:user/p/a,b', ['true', '2024-01-01T00:00:00+00:00', 'N/A']);
    const bad = row('c,d', 'arn:aws:iam::1:user/p/x,y', ['true', '2024-01-01T00:00:00+00:00', 'N/A']);

    const report = parseCredentialReport([HEADER, good, bad].join('\n'));

    expect(report.users.map((u) => u.userName)).toEqual(['a,b']);
    expect(report.users[0]?.accessKeys[0]?.active).toBe(true);
    expect(report.problems).toEqual([{ line: 3, userName: 'c', problem: 'row has 24 fields, the header has 22' }]);
  });

  it('reports unreadable rows as problems and keeps reading the others', () => {
    const csv = [
      HEADER,
      row('odd', 'arn:aws:iam::1:user/odd', ['maybe', '2024-01-01T00:00:00+00:00', 'N/A']),
      row('late', 'arn:aws:iam::1:user/late', ['true', 'yesterday', 'N/A']),
      row('fine', 'arn:aws:iam::1:user/fine', ['true', '2024-01-01T00:00:00+00:00', 'N/A']),
    ].join('\n');

    const report = parseCredentialReport(csv);

    expect(report.users.map((u) => u.userName)).toEqual(['fine']);
    expect(report.problems).toEqual([
      { line: 2, userName: 'odd', problem: 'access_key_1_active is "maybe", expected true or false' },
      { line: 3, userName: 'late', problem: 'access_key_1_last_rotated is "yesterday", expected an ISO 8601 date' },
    ]);
  });

  it('refuses a report without the columns the scan depends on', () => {
    expect(() => parseCredentialReport('user,arn,access_key_1_active\nx,arn:aws:iam::1:user/x,true\n')).toThrow(
      CredentialReportFormatError,
    );
    expect(() => parseCredentialReport('user,arn\n')).toThrow(/access_key_1_active, access_key_1_last_rotated/);
    expect(() => parseCredentialReport('')).toThrow(/empty/);
  });

  it('accepts a report that lists only the root account', () => {
    const report = parseCredentialReport(`${HEADER}\n${ROOT}\n`);
    expect(report).toEqual({ users: [], problems: [], rootAccountRowSeen: true });
  });
});
