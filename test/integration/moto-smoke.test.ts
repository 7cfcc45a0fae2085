import { GetUserCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { testClients, uniqueName } from '../support/aws';

it('reaches the moto server started by the global setup', async () => {
  const { iam } = testClients();
  const userName = uniqueName('smoke');
  await iam.send(new CreateUserCommand({ UserName: userName }));
  const out = await iam.send(new GetUserCommand({ UserName: userName }));
  expect(out.User?.UserName).toBe(userName);
});
