import { parseConfig } from '../../functions/shared/config';
import { ConfigError } from '../../functions/shared/errors';

describe('lifecycle signal settings', () => {
  it('defaults: Expiry tag, reminders 14/7/1, inactivity and unused keys off', () => {
    // Act
    const config = parseConfig({});

    // Assess
    expect(config.expiryTagKey).toBe('Expiry');
    expect(config.expiryReminderDays).toEqual([14, 7, 1]);
    expect(config.inactiveUserDays).toBeUndefined();
    expect(config.unusedKeyDays).toBeUndefined();
    expect(config.inactiveUserAction).toBe('notify');
    expect(config.ownerTagKey).toBe('Owner');
    expect(config.offboardingActivityPostponements).toBe(3);
  });

  it('accepts set values and orders the reminder ladder from the farthest day', () => {
    // Act
    const config = parseConfig({
      inactiveUserDays: 120,
      unusedKeyDays: 60,
      inactiveUserAction: 'offboard',
      expiryReminderDays: [1, 30, 7, 7],
    });

    // Assess
    expect(config).toMatchObject({ inactiveUserDays: 120, unusedKeyDays: 60, inactiveUserAction: 'offboard' });
    expect(config.expiryReminderDays).toEqual([30, 7, 1]);
  });

  it.each([
    [{ inactiveUserDays: 0 }, 'inactiveUserDays'],
    [{ unusedKeyDays: 1.5 }, 'unusedKeyDays'],
    [{ inactiveUserAction: 'delete' }, 'inactiveUserAction'],
    [{ expiryReminderDays: [0] }, 'expiryReminderDays'],
    [{ expiryTagKey: '' }, 'expiryTagKey'],
    [{ offboardingActivityPostponements: -1 }, 'offboardingActivityPostponements'],
  ])('refuses %j naming %s', (raw, field) => {
    // Act / Assess
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(field);
  });
});
