import { parseCredentialReport } from '../../functions/scan/credential-report';

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,mfa_active,' +
  'access_key_1_active,access_key_1_last_rotated,access_key_2_active,access_key_2_last_rotated';

describe('credential report console and MFA columns', () => {
  it('reads password and MFA state for the fleet report, with IAM placeholders as unknown', () => {
    // Prepare
    const csv = [
      HEADER,
      'alice,arn:aws:iam::123456789012:user/alice,2024-01-01T00:00:00+00:00,true,2024-05-01T10:00:00+00:00,2024-01-02T00:00:00+00:00,false,false,N/A,false,N/A',
      'bob,arn:aws:iam::123456789012:user/bob,2024-01-01T00:00:00+00:00,true,no_information,2024-01-02T00:00:00+00:00,true,false,N/A,false,N/A',
      'carol,arn:aws:iam::123456789012:user/carol,2024-01-01T00:00:00+00:00,false,N/A,N/A,false,false,N/A,false,N/A',
    ].join('\n');

    // Act
    const report = parseCredentialReport(csv);

    // Assess
    expect(report.users.map((u) => [u.userName, u.console])).toEqual([
      [
        'alice',
        {
          passwordEnabled: true,
          passwordLastUsed: new Date('2024-05-01T10:00:00Z'),
          passwordLastChanged: new Date('2024-01-02T00:00:00Z'),
          mfaActive: false,
        },
      ],
      ['bob', { passwordEnabled: true, passwordLastChanged: new Date('2024-01-02T00:00:00Z'), mfaActive: true }],
      ['carol', { passwordEnabled: false, mfaActive: false }],
    ]);
  });

  it('leaves an odd console value out instead of dropping the row from the scan', () => {
    // Prepare
    const csv = [
      HEADER,
      'dave,arn:aws:iam::123456789012:user/dave,2024-01-01T00:00:00+00:00,maybe,yesterday,2024-01-02T00:00:00+00:00,perhaps,true,2024-01-01T00:00:00+00:00,false,N/A',
    ].join('\n');

    // Act
    const report = parseCredentialReport(csv);

    // Assess
    expect(report.problems).toEqual([]);
    expect(report.users[0]?.accessKeys[0]).toEqual({ slot: 1, active: true, lastRotated: new Date('2024-01-01T00:00:00Z') });
    expect(report.users[0]?.console).toEqual({ passwordLastChanged: new Date('2024-01-02T00:00:00Z') });
  });

  it('has no console facts when the report has no such columns', () => {
    // Act
    const report = parseCredentialReport(
      'user,arn,access_key_1_active,access_key_1_last_rotated,access_key_2_active,access_key_2_last_rotated\n' +
        'erin,arn:aws:iam::123456789012:user/erin,false,N/A,false,N/A',
    );

    // Assess
    expect(report.users[0]?.console).toBeUndefined();
  });
});
