/** Protected user names match the way IAM matches user names: case-insensitively (issue #6, 5.3). */
import { parseConfig } from '../../functions/shared/config';
import { ProtectedUserError } from '../../functions/shared/errors';
import { assertManaged, decideScope } from '../../functions/shared/scope';
import { selectCandidates } from '../../functions/scan/select';

const config = parseConfig({ managedUsers: { pathPrefix: '/bots/' }, protectedUsers: { userNames: ['BreakGlass'] } });
const user = (userName: string) => ({ userName, path: '/bots/', tags: {} });

describe('protected user names are case-insensitive', () => {
  it.each(['BreakGlass', 'breakglass', 'BREAKGLASS', 'bReAkGlAsS'])('protects %s when the config lists BreakGlass', (name) => {
    expect(decideScope(user(name), config)).toEqual({ kind: 'protected', why: 'listed in protectedUsers.userNames' });
    expect(() => assertManaged(user(name), config)).toThrow(ProtectedUserError);
  });

  it('protects the automation’s own users under any spelling', () => {
    expect(decideScope(user('Deployer'), config, ['deployer'])).toMatchObject({ kind: 'protected' });
    expect(decideScope(user('deployer-2'), config, ['deployer'])).toEqual({ kind: 'managed' });
  });

  it('the scan skips a protected user whatever the spelling in the credential report', () => {
    // Prepare
    const now = new Date('2026-01-01T00:00:00Z');
    const old = new Date(now.getTime() - 200 * 86_400_000);
    const row = (userName: string) => ({
      userName,
      arn: `arn:aws:iam::123456789012:user/bots/${userName}`,
      path: '/bots/',
      line: 2,
      accessKeys: [
        { slot: 1 as const, active: true, lastRotated: old },
        { slot: 2 as const, active: false },
      ],
    });
    // Act
    const selection = selectCandidates([row('breakglass'), row('worker')], config, now);
    // Assess
    expect(selection.candidates.map((c) => c.userName)).toEqual(['worker']);
    expect(selection.skipped).toEqual([expect.objectContaining({ userName: 'breakglass', code: 'protected' })]);
  });
});
