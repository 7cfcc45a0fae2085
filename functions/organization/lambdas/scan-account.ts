/**
 * Lambda entry of ScanAccount (one Distributed Map item): IAM of the member account through its
 * `<memberRolePrefix>-scan` role (STS), Step Functions (rotations start in the hub) and the topic.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { accountTargets } from '../../shared/accounts';
import { clientConfig } from '../../shared/aws-target';
import { workflowsFor } from '../../shared/clients/sfn';
import { notifierFor } from '../../shared/clients/sns';
import { IamUsers } from '../../shared/iam/users';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { countApiCalls } from '../../scan/api-calls';
import { IamCredentialReportSource } from '../../scan/credential-report';
import { makeScanAccount } from '../scan-account';
import { hubAccountIdFromEnv, logger, partitionFromEnv } from '../wiring';

const handler = once(() => {
  if (!process.env.ROTATION_STATE_MACHINE_ARN) throw new Error('environment variable ROTATION_STATE_MACHINE_ARN is not set');
  const rt = runtimeFromEnv();
  const hubAccountId = hubAccountIdFromEnv(rt.env);
  const targets = accountTargets({
    config: rt.config,
    base: rt.target,
    partition: partitionFromEnv(rt.env),
    ...(hubAccountId ? { hubAccountId } : {}),
  });
  return makeScanAccount({
    clientsFor: (accountId) => {
      // A client per invocation: the Map invokes this function once per account.
      const iam = new IAMClient(clientConfig(targets.forAccount(accountId, 'scan')));
      return { credentialReport: new IamCredentialReportSource(iam), iam: new IamUsers(iam), iamCalls: countApiCalls(iam) };
    },
    workflows: workflowsFor(rt),
    config: rt.config,
    clock: rt.clock,
    notifier: notifierFor(rt),
    logger,
    automationUserNames: rt.automationUserNames,
  });
});

export const scanAccount: ReturnType<typeof makeScanAccount> = (event) => handler()(event);
