import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { createLocalEnvironment } from '../../functions/local/environment';
import { parseConfig } from '../../functions/shared/config';
import { startRotation } from '../../functions/rotation/start';
import { motoEndpoint, testClients, uniqueName } from '../support/aws';

it('rotates a never-used key end to end', async () => {
  const { iam } = testClients();
  const userName = uniqueName('smoke');
  await iam.send(new CreateUserCommand({ UserName: userName }));
  const old = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  const config = parseConfig({ timeScale: 86400 * 7 });
  const env = createLocalEnvironment({ endpoint: motoEndpoint(), config });
  const started = await startRotation(env.workflows, config, {
    userName,
    accessKeyId: old.AccessKey!.AccessKeyId!,
    requestedBy: 'test',
  });
  const result = await env.workflows.wait('rotation', started.executionName);
  console.log(JSON.stringify(env.workflows.history('rotation', started.executionName), null, 1).slice(0, 3000));
  expect(result.status).toBe('SUCCEEDED');
});
