/** Config fields of issue #6 section 3: api.principals and the two-person rule. */
import { DEFAULT_CONFIG, parseConfig } from '../../functions/shared/config';
import { approvalRequired } from '../../functions/offboarding/approval';

describe('config: API access and approvals', () => {
  it('defaults to tag-based API access and no approval, with a 72-hour expiry', () => {
    // Act
    const config = parseConfig({});
    // Assess
    expect(config.api).toEqual({ principals: { offboard: [], rotate: [], read: [] } });
    expect(config).toMatchObject({ offboardingApproval: 'none', cancelApproval: 'none', approvalExpiryHours: 72 });
    expect(DEFAULT_CONFIG.approvalExpiryHours).toBe(72);
    expect([approvalRequired(config, 'offboard'), approvalRequired(config, 'cancel')]).toEqual([false, false]);
  });

  it('takes principal ARNs (wildcards allowed) per group and the approval rules', () => {
    // Prepare
    const offboard = ['arn:aws:iam::111122223333:role/hr/Offboarding', 'arn:aws:iam::111122223333:role/AWSReservedSSO_Ops_*'];
    // Act
    const config = parseConfig({
      api: { principals: { offboard, read: ['arn:aws:iam::111122223333:user/auditor'] } },
      offboardingApproval: 'required',
      approvalExpiryHours: 24,
    });
    // Assess
    expect(config.api.principals).toEqual({ offboard, rotate: [], read: ['arn:aws:iam::111122223333:user/auditor'] });
    expect([approvalRequired(config, 'offboard'), approvalRequired(config, 'cancel')]).toEqual([true, false]);
    expect(config.approvalExpiryHours).toBe(24);
    // Idempotent: the stack parses the parsed config again.
    expect(parseConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it('refuses anything else with every problem listed', () => {
    // Act
    const parse = () =>
      parseConfig({
        api: { principals: { offboard: ['*'], admin: [] }, extra: true },
        offboardingApproval: 'yes',
        cancelApproval: true,
        approvalExpiryHours: 0,
      });
    // Assess
    expect(parse).toThrow(/api\.principals\.offboard must be a list of IAM role or user ARNs/);
    expect(parse).toThrow(/unknown api\.principals group "admin"/);
    expect(parse).toThrow(/unknown field api\.extra/);
    expect(parse).toThrow(/offboardingApproval must be "none" or "required"/);
    expect(parse).toThrow(/cancelApproval must be "none" or "required"/);
    expect(parse).toThrow(/approvalExpiryHours must be a positive number/);
    expect(() => parseConfig({ api: [] })).toThrow(/api must be an object/);
  });
});
