import { DEFAULT_CONFIG, parseConfig, rotationTiming } from '../../functions/shared/config';
import { assertExactSpelling } from '../../functions/shared/scope';
import { requestTokenFor } from '../../functions/shared/secret-store';
import { ConfigError } from '../../functions/shared/errors';

describe('parseConfig', () => {
  it('gives the documented defaults for an empty object', () => {
    // Act
    const config = parseConfig({});
    // Assess
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config.maxKeyAgeDays).toBe(90);
    expect(config.cutoverDeadlineAction).toBe('notify');
    expect(config.reportUnusedCredentialDays).toBe(90);
  });

  it.each([
    [{ maxKeyAgeDays: -1 }, /maxKeyAgeDays must be a positive number/],
    [{ cutoverCheckIntervalHours: 0 }, /cutoverCheckIntervalHours must be a positive number/],
    [{ deactivatedGracePeriodDays: 0.1 }, /deactivatedGracePeriodDays must be at least cutoverCheckIntervalHours/],
    [{ cutoverQuietPeriodHours: 1 }, /cutoverQuietPeriodHours must be at least cutoverCheckIntervalHours/],
    [{ cutoverDeadlineAction: 'delete' }, /cutoverDeadlineAction must be "notify" or "deactivate"/],
    [{ timeScale: 0.5 }, /timeScale must be >= 1/],
    [{ reportUnusedCredentialDays: 0 }, /reportUnusedCredentialDays must be a positive number/],
    [{ reportUnusedCredentialDays: '90' }, /reportUnusedCredentialDays must be a positive number/],
    [{ maxKeyAgeDayz: 3 }, /unknown config field "maxKeyAgeDayz"/],
    [{ managedUsers: { pathPrefix: 'bots' } }, /pathPrefix must be an IAM path/],
    [{ secretPrefix: 'x/' }, /secretPrefix must not end with/],
    [
      { protectedUsers: { userNames: ['BreakGlass', 'admin', 'breakglass'] } },
      /protectedUsers.userNames lists one user under 2 spellings \("BreakGlass", "breakglass"\); IAM user names are case-insensitive/,
    ],
  ])('rejects %j', (raw, message) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });

  it('lists every problem at once', () => {
    // Act
    const error = (() => {
      try {
        parseConfig({ maxKeyAgeDays: 'ninety', timeScale: -3 });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    // Assess
    expect(error.problems).toHaveLength(2);
  });
});

describe('rotationTiming', () => {
  it('scales durations to whole seconds, never below one', () => {
    // Prepare
    const config = parseConfig({ timeScale: 86400 });
    // Act
    const timing = rotationTiming(config);
    // Assess
    expect(timing).toEqual({
      checkIntervalSeconds: 1,
      quietPeriodSeconds: 1,
      deadlineSeconds: 14,
      gracePeriodSeconds: 7,
      deadlineAction: 'notify',
    });
  });

  it('uses real seconds when not scaled', () => {
    expect(rotationTiming(DEFAULT_CONFIG).quietPeriodSeconds).toBe(24 * 3600);
  });
});

describe('requestTokenFor', () => {
  it('uses the execution name as the Secrets Manager token when it fits, a stable hash otherwise', () => {
    const fits = 'rotate-ci-deployer-AKIAIOSFODNN7EXAMPLE';
    expect(requestTokenFor(fits)).toBe(fits);
    const short = requestTokenFor('rotate-a-AKIA12');
    const long = requestTokenFor(`rotate-${'x'.repeat(60)}-AKIAIOSFODNN7EXAMPLE`);
    expect([short.length, long.length]).toEqual([64, 64]);
    expect(requestTokenFor('rotate-a-AKIA12')).toBe(short);
  });
});

describe('assertExactSpelling', () => {
  it('refuses another spelling of a case-insensitive IAM user name, naming the right one', () => {
    expect(() => assertExactSpelling('ci-deployer', 'ci-deployer')).not.toThrow();
    expect(() => assertExactSpelling('CI-Deployer', 'ci-deployer')).toThrow(/IAM spells this user "ci-deployer"/);
  });
});
