/** The paragraph after Ctrl-C or a failed exposure response: the exposed key's state, read from IAM, and what to run. */
import { leftStateParagraph } from '../../functions/cli/left-state';
import type { CliContext } from '../../functions/cli/context';

function ctx(keys: { accessKeyId: string; status: string }[], attached: string[]): CliContext {
  return {
    mode: 'local',
    iam: {
      listAccessKeys: async () => keys,
      listAttachedPolicies: async () =>
        attached.map((policyName) => ({ policyName, policyArn: `arn:aws:iam::123456789012:policy/${policyName}` })),
    },
  } as unknown as CliContext;
}

const w = { kind: 'exposure' as const, userName: 'svc', executionName: 'expose-svc-AKIAEXP', oldAccessKeyId: 'AKIAEXP' };
const how = { interrupted: true, target: ' --endpoint http://127.0.0.1:5000', endpoint: 'http://127.0.0.1:5000' };

it('an exposed key that still works: says so, and gives the command that deactivates it and the one that runs the response again', async () => {
  // Act
  const text = await leftStateParagraph(ctx([{ accessKeyId: 'AKIAEXP', status: 'Active' }], []), w, how);
  // Assess
  expect(text).toContain('Interrupted: the exposure response expose-svc-AKIAEXP stopped with this process');
  expect(text).toContain('the exposed key AKIAEXP is Active');
  expect(text).toContain("the user's temporary credentials are NOT denied");
  expect(text).toContain('iam-lifecycle expose AKIAEXP --reason TEXT --endpoint http://127.0.0.1:5000');
  expect(text).toContain(
    'aws --endpoint-url http://127.0.0.1:5000 iam update-access-key --user-name svc --access-key-id AKIAEXP --status Inactive',
  );
});

it('a contained and deactivated key: names the replacement and the delete that finishes the job', async () => {
  // Act
  const text = await leftStateParagraph(
    ctx(
      [
        { accessKeyId: 'AKIAEXP', status: 'Inactive' },
        { accessKeyId: 'AKIANEW', status: 'Active' },
      ],
      ['IamUserLifecycle-ExposureResponseContainmentPolicy1A2B3C'],
    ),
    w,
    how,
  );
  // Assess
  expect(text).toContain(
    "the exposed key AKIAEXP is Inactive, other keys AKIANEW Active; the user's temporary credentials are denied",
  );
  expect(text).toContain('delete-access-key --user-name svc --access-key-id AKIAEXP');
  expect(text).not.toContain('still works');
});
