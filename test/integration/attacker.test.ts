/**
 * Issue #6, "Done when": an attacker holding PowerUserAccess (no IAM writes, but s3:*, lambda:*,
 * states:*, execute-api:*, secretsmanager:*) tries every path the issue lists to borrow the stack's
 * IAM power, against moto with the production handlers and the real ASL. The attacker's own calls are
 * raw SDK calls (S3 writes, secrets), a direct call of a step handler (= lambda:Invoke with any
 * payload), `env.workflows.start/stop` (= states:StartExecution/StopExecution with any name and
 * input) and the API handler (= execute-api:Invoke past the resource policy). Each case snapshots the
 * victim (keys and statuses, policies, groups, tags, login profile, secret, records) before, asserts
 * it is unchanged after, and asserts the refusal (error name and message, or block code).
 *
 * Not repeated here, because it is proven on the synthesized template with the policy simulator:
 * the REST API resource policy refusing a caller without the `iam-lifecycle:api` principal tag
 * (test/infra/api-policy.test.ts, test/infra/trust.test.ts), the records bucket policy limiting
 * writers and the KMS key limiting decrypt (test/infra/trust.test.ts). Locally moto enforces no
 * policy at all, so every S3 write below succeeds: the cases show what the workflows do when a
 * forged record does reach the bucket.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateGroupCommand } from '@aws-sdk/client-iam';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, GetResourcePolicyCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { makeApiHandler } from '../../functions/api/handler';
import { offboardingApi } from '../../functions/api/offboarding-api';
import { createLocalEnvironment, type LocalEnvironment } from '../../functions/local/environment';
import { seedUser } from '../../functions/local/seed';
import { recordKeys, restoreExecutionName } from '../../functions/offboarding/domain';
import { startOffboarding } from '../../functions/offboarding/service';
import { rollbackRotation } from '../../functions/rotation/rollback';
import { startRotation } from '../../functions/rotation/start';
import { parseConfig, secretNameFor, type LifecycleConfig } from '../../functions/shared/config';
import { secretResourcePolicy } from '../../functions/shared/secret-access';
import { apiEvent } from '../support/api-events';
import { refusal, victimState } from '../support/attacker';
import { runCli } from '../support/cli';
import { motoEndpoint, uniqueName } from '../support/aws';
import { waitFor } from '../support/iam-fixtures';
import { simulate, type PolicyDocument } from '../support/policy-simulator';

jest.setTimeout(60_000);

const PATH = '/attacker-it/';
const BUCKET = 'attacker-it-records';
const ACCOUNT = '123456789012';
const ATTACKER = `arn:aws:iam::${ACCOUNT}:role/PowerUser`;
const READER = `arn:aws:iam::${ACCOUNT}:role/victim-workload`;
const STORE_ROLE = `arn:aws:iam::${ACCOUNT}:role/iam-user-lifecycle-CreateAndStoreKey`;
const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
/** AWS's PowerUserAccess (its identity policy; the iam reads it adds do not matter here). */
const POWER_USER_ACCESS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }],
};
const PROTECTED_NAME = uniqueName('Atk-Boss');
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function makeConfig(extra: Record<string, unknown> = {}): LifecycleConfig {
  // An hour lasts a second: a 1-day observation is 24 s, a cutover check every 6 s.
  return parseConfig({
    timeScale: 3600,
    managedUsers: { pathPrefix: PATH },
    protectedUsers: { userNames: [PROTECTED_NAME] },
    offboardingObservationDays: { default: 1, min: 1, max: 30 },
    ...extra,
  });
}

function setup(extra: Record<string, unknown> = {}) {
  const config = makeConfig(extra);
  const env: LocalEnvironment = createLocalEnvironment({
    endpoint: motoEndpoint(),
    config,
    snapshotBucket: BUCKET,
    logger: silent,
  });
  const handler = makeApiHandler({
    iam: env.iam,
    secrets: env.secrets,
    workflows: env.workflows,
    config,
    clock: () => new Date(),
    offboarding: offboardingApi(env.offboardingService),
    logger: silent,
  });
  const api = async (caller: string, ...args: Parameters<typeof apiEvent>) => {
    const [method, resource, options] = args;
    const response: APIGatewayProxyResult = await handler(apiEvent(method, resource, { ...options, caller }));
    return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
  };
  const seed = async (
    spec: { prefix?: string; path?: string; tags?: Record<string, string>; userName?: string; storeFirstKey?: boolean } = {},
  ) => {
    await env.ready();
    return seedUser(
      { iam: env.clients.iam, secrets: env.secrets, config },
      {
        userName: spec.userName ?? uniqueName(spec.prefix ?? 'atk'),
        path: spec.path ?? PATH,
        tags: { 'iam-lifecycle:secret-reader': READER, ...spec.tags },
        ...(spec.storeFirstKey === undefined ? {} : { storeFirstKey: spec.storeFirstKey }),
      },
    );
  };
  const stateOf = (userName: string, offboardingName = '') =>
    victimState(env.clients, userName, {
      secretName: secretNameFor(config, userName),
      bucket: BUCKET,
      recordsPrefix: offboardingName
        ? recordKeys(userName, offboardingName).prefix
        : recordKeys(userName, 'x').prefix.replace(/x\/$/, ''),
    });
  const userIdOf = async (userName: string): Promise<string> => {
    const { userId } = await env.iam.getUser(userName);
    if (!userId) throw new Error(`no user id for ${userName}`);
    return userId;
  };
  /** The attacker's s3:PutObject into the records bucket. */
  const forge = (key: string, body: unknown) =>
    env.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify(body) }));
  /** What the offboarding.failed / rotation.failed notifications for the user said. */
  const failureOf = (userName: string) =>
    env.notifications.sent
      .filter((n) => n.type.endsWith('.failed') && n.userName === userName)
      .map((n) => JSON.stringify(n))
      .join('\n');
  return { env, config, api, seed, stateOf, userIdOf, forge, failureOf };
}

type Setup = ReturnType<typeof setup>;

/** Stops what a case left running, so nothing acts after the test. */
async function stopAll(env: LocalEnvironment): Promise<void> {
  for (const kind of ['rotation', 'offboarding'] as const) {
    for (const running of await env.workflows.list(kind, { runningOnly: true })) {
      await env.workflows.stop(kind, running.name, { error: 'TestEnded', cause: 'attacker test cleanup' });
    }
  }
}

/** A running offboarding of a bystander, past Disable (its execution id is what the attacker borrows). */
async function runningOffboarding(s: Setup) {
  const bystander = await s.seed({ prefix: 'atk-by' });
  const started = await startOffboarding(s.env.offboardingService, {
    userName: bystander.userName,
    reason: 'left the company',
    requestedBy: 'hr',
  });
  await waitFor('the bystander disabled', () =>
    s.env.notifications.sent.some((n) => n.type === 'offboarding.disabled' && n.userName === bystander.userName),
  );
  return {
    userName: bystander.userName,
    name: started.executionName,
    arn: s.env.workflows.executionArn('offboarding', started.executionName),
  };
}

/** A running rotation of a bystander, waiting for cutover. */
async function runningRotation(s: Setup) {
  const bystander = await s.seed({ prefix: 'atk-rb' });
  const started = await startRotation(s.env.workflows, s.config, {
    userName: bystander.userName,
    accessKeyId: bystander.accessKeyIds[0]!,
    requestedBy: 'ops',
    trigger: 'on-demand',
  });
  await waitFor('the bystander rotation waiting for cutover', () =>
    s.env.notifications.sent.some((n) => n.type === 'rotation.started' && n.userName === bystander.userName),
  );
  return {
    userName: bystander.userName,
    name: started.executionName,
    arn: s.env.workflows.executionArn('rotation', started.executionName),
  };
}

describe('attacker with PowerUserAccess: the stack IAM power cannot be borrowed', () => {
  let s: Setup;
  beforeAll(() => {
    s = setup();
  });
  afterAll(async () => {
    await stopAll(s.env);
  });

  it('path 1: a forged snapshot and cancel decision for a never-offboarded user grant nothing (StartExecution restore, direct restore, API cancel)', async () => {
    // Prepare: an admin group exists; the victim was never offboarded
    const victim = await s.seed({ prefix: 'atk-v1' });
    const userId = await s.userIdOf(victim.userName);
    const adminGroup = uniqueName('atk-admins');
    await s.env.clients.iam.send(new CreateGroupCommand({ GroupName: adminGroup }));
    const fakeOffboarding = `offboard-${victim.userName}-1`;
    const keys = recordKeys(victim.userName, fakeOffboarding);
    const restoreName = restoreExecutionName(fakeOffboarding, 1);
    const other = await runningRotation(s);
    // ... the attacker's s3:PutObject: a snapshot naming AdministratorAccess and the admin group, and a cancel
    await s.forge(keys.snapshot, {
      userName: victim.userName,
      userId,
      managedPolicies: [{ policyArn: ADMIN_POLICY, policyName: 'AdministratorAccess' }],
      attachedPolicies: [{ PolicyArn: ADMIN_POLICY }],
      inlinePolicies: [{ policyName: 'all', document: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
      groups: [adminGroup],
      accessKeys: victim.accessKeyIds.map((id) => ({ accessKeyId: id, status: 'Active' })),
      tags: { team: 'admins' },
    });
    await s.forge(keys.decision, {
      decision: 'cancel',
      at: new Date().toISOString(),
      by: 'attacker',
      executionName: restoreName,
    });
    const before = await s.stateOf(victim.userName);

    // Act: states:StartExecution of a restore, lambda:Invoke of RestoreUser (no execution; another
    // user's rotation; a made-up offboarding execution id), and the API cancel
    await s.env.workflows.start('offboarding', restoreName, {
      action: 'restore',
      userName: victim.userName,
      userId,
      offboardingExecutionName: fakeOffboarding,
      requestedBy: 'attacker',
    });
    const started = await s.env.workflows.wait('offboarding', restoreName);
    const restoreInput = (executionId?: string) => ({
      request: { action: 'restore' as const, userName: victim.userName, userId, offboardingExecutionName: fakeOffboarding },
      executionName: restoreName,
      startedAt: new Date().toISOString(),
      ...(executionId === undefined ? {} : { executionId }),
    });
    const direct = [
      await refusal(() => s.env.offboarding.restore(restoreInput())),
      await refusal(() => s.env.offboarding.restore(restoreInput(other.arn))),
      await refusal(() => s.env.offboarding.restore(restoreInput(s.env.workflows.executionArn('offboarding', restoreName)))),
    ];
    const cancel = await s.api(ATTACKER, 'DELETE', '/offboardings/{userName}', { userName: victim.userName });

    // Assess: the restore execution failed in RestoreUser (no such offboarding); nothing granted
    expect(started.status).toBe('FAILED');
    expect(s.failureOf(victim.userName)).toMatch(/ValidationError.*is not an offboarding of/s);
    expect(direct).toEqual([
      { name: 'ValidationError', message: expect.stringMatching(/executionId \(\$\$\.Execution\.Id\) is required/) },
      { name: 'NotInLiveExecutionError', message: expect.stringMatching(/not an execution of the offboarding state machine/) },
      { name: 'NotInLiveExecutionError', message: expect.stringMatching(/the execution is FAILED/) },
    ]);
    expect(cancel).toMatchObject({ status: 409, body: { error: 'WorkflowConflictError' } });
    expect(String(cancel.body.message)).toMatch(/is not being offboarded/);
    const after = await s.stateOf(victim.userName);
    expect(after).toEqual(before);
    expect(after.attached).not.toContain(ADMIN_POLICY);
    expect(after.groups).toEqual([]);
    expect(after.keys.map((k) => k.status)).toEqual(['Active']);
  });
  it('path 1: the API cancel of an offboarding that was stopped (not by a cancel) is refused and changes nothing', async () => {
    // Prepare: an offboarding disabled the victim; the attacker's states:StopExecution ended it
    const victim = await s.seed({ prefix: 'atk-v1s' });
    const started = await startOffboarding(s.env.offboardingService, {
      userName: victim.userName,
      reason: 'left',
      requestedBy: 'hr',
    });
    await waitFor('the victim disabled', () =>
      s.env.notifications.sent.some((n) => n.type === 'offboarding.disabled' && n.userName === victim.userName),
    );
    await s.env.workflows.stop('offboarding', started.executionName, { error: 'Attacker', cause: 'stopped by the attacker' });
    const before = await s.stateOf(victim.userName, started.executionName);

    // Act
    const cancel = await s.api(ATTACKER, 'DELETE', '/offboardings/{userName}', { userName: victim.userName });

    // Assess: refused (only a running offboarding can be cancelled); the keys stay disabled
    expect(cancel).toMatchObject({ status: 409, body: { error: 'WorkflowConflictError' } });
    expect(String(cancel.body.message)).toMatch(/only a running offboarding can be cancelled/);
    expect(before.keys.map((k) => k.status)).toEqual(['Inactive']);
    expect(await s.stateOf(victim.userName, started.executionName)).toEqual(before);
  });

  it('path 1: the CLI cancel of a never-offboarded user with a forged cancel decision in the records is refused', async () => {
    // Prepare: the forged records in the bucket the CLI's local mode uses
    const victim = await s.seed({ prefix: 'atk-v1c' });
    const fakeOffboarding = `offboard-${victim.userName}-1`;
    const keys = recordKeys(victim.userName, fakeOffboarding);
    const cliBucket = 'iam-user-lifecycle-local-records';
    await createLocalEnvironment({ endpoint: motoEndpoint(), config: s.config, logger: silent }).ready();
    for (const [key, body] of [
      [keys.snapshot, { userName: victim.userName, managedPolicies: [{ policyArn: ADMIN_POLICY }] }],
      [
        keys.decision,
        {
          decision: 'cancel',
          at: new Date().toISOString(),
          by: 'attacker',
          executionName: restoreExecutionName(fakeOffboarding, 1),
        },
      ],
    ] as const) {
      await s.env.clients.s3.send(new PutObjectCommand({ Bucket: cliBucket, Key: key, Body: JSON.stringify(body) }));
    }
    const configPath = join(mkdtempSync(join(tmpdir(), 'attacker-it-')), 'config.json');
    writeFileSync(configPath, JSON.stringify({ timeScale: 3600, managedUsers: { pathPrefix: PATH } }));
    const before = await s.stateOf(victim.userName);

    // Act
    const result = await runCli(['cancel-offboarding', victim.userName, '--endpoint', motoEndpoint(), '--config', configPath]);

    // Assess
    expect(result.code).not.toBe(0);
    expect(result.err).toMatch(/is not being offboarded/);
    expect(await s.stateOf(victim.userName)).toEqual(before);
  });

  /**
   * The attacker's states:StopExecution ends a running offboarding (keys Inactive, deny policy
   * attached), then its s3:PutObject writes decision.json "cancel" naming the first restore name,
   * and a snapshot naming AdministratorAccess. Locally nothing refuses the S3 write; deployed, the
   * records bucket policy is what refuses it (test/infra/trust.test.ts).
   */
  async function stoppedWithForgedCancel() {
    const victim = await s.seed({ prefix: 'atk-v1f' });
    const started = await startOffboarding(s.env.offboardingService, {
      userName: victim.userName,
      reason: 'left',
      requestedBy: 'hr',
    });
    await waitFor('the victim disabled', () =>
      s.env.notifications.sent.some((n) => n.type === 'offboarding.disabled' && n.userName === victim.userName),
    );
    await s.env.workflows.stop('offboarding', started.executionName, { error: 'Attacker', cause: 'stopped by the attacker' });
    const keys = recordKeys(victim.userName, started.executionName);
    const restoreName = restoreExecutionName(started.executionName, 1);
    await s.forge(keys.snapshot, {
      userName: victim.userName,
      managedPolicies: [{ policyArn: ADMIN_POLICY }],
      groups: ['admins'],
    });
    await s.forge(keys.decision, {
      decision: 'cancel',
      at: new Date().toISOString(),
      by: 'attacker',
      executionName: restoreName,
    });
    const restore = async () => {
      await s.env.workflows.start('offboarding', restoreName, {
        action: 'restore',
        userName: victim.userName,
        userId: await s.userIdOf(victim.userName),
        offboardingExecutionName: started.executionName,
        requestedBy: 'attacker',
      });
      return s.env.workflows.wait('offboarding', restoreName);
    };
    return {
      userName: victim.userName,
      offboardingName: started.executionName,
      restoreName,
      restore,
      before: await s.stateOf(victim.userName),
    };
  }

  it('path 1: a stopped offboarding, a forged cancel decision and snapshot, then a restore: nothing is granted', async () => {
    // Prepare
    const victim = await stoppedWithForgedCancel();

    // Act: states:StartExecution of the restore the forged decision names
    await victim.restore();

    // Assess: the forged snapshot is never applied: no policy, group or inline policy added
    const after = await s.stateOf(victim.userName);
    expect(after.attached).not.toContain(ADMIN_POLICY);
    expect(after.attached.filter((arn) => !victim.before.attached.includes(arn))).toEqual([]);
    expect(after.groups).toEqual(victim.before.groups);
    expect(after.inline).toEqual(victim.before.inline);
    expect(after.loginProfile).toBe(victim.before.loginProfile);
    expect(after.secret).toEqual(victim.before.secret);
  });

  // Not here: StopExecution of a running offboarding plus a forged decision.json "cancel" would let a
  // restore (or the API cancel) reactivate what Disable switched off. moto does not enforce bucket
  // policies, so only the deployed records bucket policy refuses the forged write: that is proved on
  // the synthesized template by test/infra/trust.test.ts (records bucket: PutObject by a
  // PowerUserAccess role is denied). StopExecution alone leaves the user disabled, never deleted.

  it('path 2: a direct invoke of every state-changing step (no execution, another user, the other state machine, made up) changes nothing', async () => {
    // Prepare: a victim never rotated or offboarded; live executions of bystanders to borrow
    const victim = await s.seed({ prefix: 'atk-v2' });
    const userId = await s.userIdOf(victim.userName);
    const accessKeyId = victim.accessKeyIds[0]!;
    const rotation = await runningRotation(s);
    const offboarding = await runningOffboarding(s);
    const madeUpRotation = s.env.workflows.executionArn('rotation', `rotate-${victim.userName}-forged`);
    const madeUpOffboarding = s.env.workflows.executionArn('offboarding', `offboard-${victim.userName}-forged`);
    const before = await s.stateOf(victim.userName);
    const now = new Date().toISOString();
    const rotationState = (executionId: string | undefined, executionName: string) =>
      ({
        status: 'ready',
        userName: victim.userName,
        userId,
        executionId,
        trigger: 'on-demand',
        oldAccessKeyId: accessKeyId,
        oldKeyUsedBefore: false,
        secretName: victim.secretName,
        executionName,
        startedAt: now,
        deadlineAt: now,
        requestedBy: 'attacker',
        timing: {
          cutoverCheckIntervalSeconds: 1,
          cutoverQuietPeriodSeconds: 1,
          cutoverDeadlineSeconds: 1,
          gracePeriodSeconds: 1,
        },
        newKey: { accessKeyId, secretVersionId: 'forged', createdAt: now, reused: false },
        deactivation: { deactivatedAt: now, deleteAfter: now, alreadyGone: false },
      }) as never;
    const offboardingState = (executionName: string) =>
      ({
        status: 'ready',
        action: 'offboard',
        userName: victim.userName,
        userId,
        executionName,
        startedAt: now,
        reason: 'attacker',
        requestedBy: 'attacker',
        timing: { observationSeconds: 1, firstCheckInSeconds: 1, checkIntervalSeconds: 1 },
        observation: { deleteAfter: now, checks: 1, nextCheckInSeconds: 1, due: true, reenabledCount: 0 },
      }) as never;
    const rotationIds: [string, string | undefined, string][] = [
      ['no execution', undefined, 'none'],
      ['another user', rotation.arn, rotation.name],
      ['the other state machine', offboarding.arn, offboarding.name],
      ['made up', madeUpRotation, `rotate-${victim.userName}-forged`],
    ];
    const offboardingIds: [string, string | undefined, string][] = [
      ['no execution', undefined, offboarding.name],
      ['another user', offboarding.arn, offboarding.name],
      ['the other state machine', rotation.arn, rotation.name],
      ['made up', madeUpOffboarding, `offboard-${victim.userName}-forged`],
    ];

    // Act: lambda:Invoke of each step with each execution id
    const outcomes: Record<string, unknown> = {};
    for (const [label, executionId, name] of rotationIds) {
      const r = s.env.rotation;
      outcomes[`prepare/${label}`] = await refusal(() =>
        r.prepare({ userName: victim.userName, accessKeyId, executionId, executionName: name, startedAt: now } as never),
      );
      outcomes[`createAndStore/${label}`] = await refusal(() => r.createAndStore(rotationState(executionId, name)));
      outcomes[`deactivateOldKey/${label}`] = await refusal(() => r.deactivateOldKey(rotationState(executionId, name)));
      outcomes[`finishRotation/${label}`] = await refusal(() => r.finishRotation(rotationState(executionId, name)));
    }
    for (const [label, executionId, name] of offboardingIds) {
      const o = s.env.offboarding;
      const input = { state: offboardingState(name), executionId } as never;
      outcomes[`snapshot/${label}`] = await refusal(() => o.snapshot(input));
      outcomes[`disable/${label}`] = await refusal(() => o.disable(input));
      outcomes[`checkStillDisabled/${label}`] = await refusal(() => o.checkStillDisabled(input));
      outcomes[`checkActivity/${label}`] = await refusal(() => o.checkActivity(input));
      outcomes[`deleteUser/${label}`] = await refusal(() => o.deleteUser(input));
      outcomes[`restore/${label}`] = await refusal(() =>
        o.restore({
          request: { action: 'restore', userName: victim.userName, userId, offboardingExecutionName: offboarding.name },
          executionName: name,
          startedAt: now,
          ...(executionId ? { executionId } : {}),
        }),
      );
    }

    // Assess: every call refused by the execution guard, and nothing changed
    const expected = (label: string, kind: 'rotation' | 'offboarding') => {
      switch (label) {
        case 'no execution':
          return { name: 'ValidationError', message: expect.stringMatching(/executionId \(\$\$\.Execution\.Id\) is required/) };
        case 'another user':
          return { name: 'NotInLiveExecutionError', message: expect.stringMatching(/the execution is for another user/) };
        case 'the other state machine':
          return {
            name: 'NotInLiveExecutionError',
            message: expect.stringMatching(new RegExp(`not an execution of the ${kind} state machine`)),
          };
        default:
          return { name: 'NotInLiveExecutionError', message: expect.stringMatching(/no such execution/) };
      }
    };
    const want: Record<string, unknown> = {};
    for (const [label] of rotationIds) {
      for (const step of ['prepare', 'createAndStore', 'deactivateOldKey', 'finishRotation'])
        want[`${step}/${label}`] = expected(label, 'rotation');
    }
    for (const [label] of offboardingIds) {
      for (const step of ['snapshot', 'disable', 'checkStillDisabled', 'checkActivity', 'deleteUser', 'restore'])
        want[`${step}/${label}`] = expected(label, 'offboarding');
    }
    expect(outcomes).toEqual(want);
    expect(await s.stateOf(victim.userName)).toEqual(before);
  });

  it("path 2: DeleteUser invoked with the victim's own live offboarding before the observation ends is refused", async () => {
    // Prepare: the victim's real offboarding is observing (24 s)
    const victim = await runningOffboarding(s);
    const state = (await s.env.workflows.stateOutput('offboarding', victim.name, 'Disable')) as Record<string, unknown>;
    const before = await s.stateOf(victim.userName, victim.name);

    // Act: lambda:Invoke of DeleteUser with the genuine execution id and the genuine state
    const outcome = await refusal(() => s.env.offboarding.deleteUser({ state, executionId: victim.arn } as never));

    // Assess
    expect(outcome).toEqual({
      name: 'ValidationError',
      message: expect.stringMatching(/refused: the observation of .* lasts until/),
    });
    expect(await s.stateOf(victim.userName, victim.name)).toEqual(before);
  });
  it('path 3: StartExecution of an offboarding with input timing or an observation period outside the bounds fails in Validate', async () => {
    // Prepare
    const victim = await s.seed({ prefix: 'atk-v3' });
    const before = await s.stateOf(victim.userName);
    const base = { action: 'offboard', userName: victim.userName, reason: 'attacker', requestedBy: 'attacker' };
    const inputs: [string, Record<string, unknown>][] = [
      ['timing', { ...base, timing: { observationSeconds: 1, firstCheckInSeconds: 1, checkIntervalSeconds: 1 } }],
      ['observationDays 0.01', { ...base, observationDays: 0.01 }],
      ['observationDays 0', { ...base, observationDays: 0 }],
      ['observationDays 9999', { ...base, observationDays: 9999 }],
    ];

    // Act: states:StartExecution with each crafted input, then a little wait (a 1 s observation would be over)
    const outcomes: Record<string, unknown> = {};
    for (const [label, input] of inputs) {
      const name = uniqueName(`offboard-${victim.userName}`);
      await s.env.workflows.start('offboarding', name, input);
      const summary = await s.env.workflows.wait('offboarding', name);
      outcomes[label] = { status: summary.status, error: summary.error };
    }
    await sleep(1500);

    // Assess: every execution failed on a ValidationError in Validate; the user is untouched
    for (const [label] of inputs) expect(outcomes[label]).toEqual({ status: 'FAILED', error: 'OffboardingFailed' });
    const failures = s.failureOf(victim.userName);
    expect(failures).toMatch(/ValidationError.*must not carry \\"timing\\"/);
    expect(failures.match(/observationDays must be a whole number of days from 1 to 30/g)).toHaveLength(3);
    expect(await s.stateOf(victim.userName)).toEqual(before);
  });

  it('path 3: StartExecution of an offboarding or a rotation of a protected (other spelling, tag) or out-of-scope user is blocked', async () => {
    // Prepare: the config protects PROTECTED_NAME; IAM has it in lower case
    const byName = await s.seed({ userName: PROTECTED_NAME.toLowerCase() });
    const byTag = await s.seed({ prefix: 'atk-v3t', tags: { 'iam-lifecycle:protected': 'true' } });
    const outside = await s.seed({ prefix: 'atk-v3o', path: '/elsewhere/' });
    const victims = [byName, byTag, outside];
    const before = await Promise.all(victims.map((v) => s.stateOf(v.userName)));

    // Act
    const outcomes: unknown[] = [];
    for (const v of victims) {
      const offboard = uniqueName(`offboard-${v.userName}`);
      await s.env.workflows.start('offboarding', offboard, { action: 'offboard', userName: v.userName, reason: 'attacker' });
      const rotate = uniqueName(`rotate-${v.userName}`);
      await s.env.workflows.start('rotation', rotate, {
        userName: v.userName,
        accessKeyId: v.accessKeyIds[0],
        requestedBy: 'attacker',
        trigger: 'on-demand',
      });
      const o = await s.env.workflows.wait('offboarding', offboard);
      const r = await s.env.workflows.wait('rotation', rotate);
      outcomes.push([o.status, (o.output as { code?: string }).code, r.status, (r.output as { code?: string }).code]);
    }
    await sleep(1000);

    // Assess
    expect(outcomes).toEqual([
      ['SUCCEEDED', 'protected-user', 'SUCCEEDED', 'protected-user'],
      ['SUCCEEDED', 'protected-user', 'SUCCEEDED', 'protected-user'],
      ['SUCCEEDED', 'out-of-scope', 'SUCCEEDED', 'out-of-scope'],
    ]);
    expect(await Promise.all(victims.map((v) => s.stateOf(v.userName)))).toEqual(before);
  });

  it('path 3: StartExecution of a rotation with input timing or an unknown field is blocked before any key is made', async () => {
    // Prepare
    const victim = await s.seed({ prefix: 'atk-v3r' });
    const before = await s.stateOf(victim.userName);
    const base = {
      userName: victim.userName,
      accessKeyId: victim.accessKeyIds[0],
      requestedBy: 'attacker',
      trigger: 'on-demand',
    };
    const inputs = [
      {
        ...base,
        timing: {
          cutoverCheckIntervalSeconds: 1,
          cutoverQuietPeriodSeconds: 1,
          cutoverDeadlineSeconds: 1,
          gracePeriodSeconds: 1,
        },
      },
      { ...base, cutoverDeadlineAction: 'deactivate' },
    ];

    // Act
    const outputs: unknown[] = [];
    for (const input of inputs) {
      const name = uniqueName(`rotate-${victim.userName}`);
      await s.env.workflows.start('rotation', name, input);
      outputs.push((await s.env.workflows.wait('rotation', name)).output);
    }

    // Assess
    expect(outputs).toEqual([
      expect.objectContaining({
        status: 'blocked',
        code: 'invalid-request',
        reason: expect.stringMatching(/may not carry timing/),
      }),
      expect.objectContaining({
        status: 'blocked',
        code: 'invalid-request',
        reason: 'unknown input field(s): cutoverDeadlineAction',
      }),
    ]);
    expect(await s.stateOf(victim.userName)).toEqual(before);
  });
  it("path 4: the victim's secret policy (read from moto) denies GetSecretValue to any role of the account but its reader", async () => {
    // Prepare
    const victim = await s.seed({ prefix: 'atk-v4' });
    const stored = await s.env.clients.secrets.send(new GetResourcePolicyCommand({ SecretId: victim.secretName }));
    const resourcePolicy = JSON.parse(stored.ResourcePolicy ?? '{"Statement":[]}') as PolicyDocument;
    const secretArn = stored.ARN!;
    const readAll: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' }] };
    // ... the deployed shape (the store's roles known) also guards the policy itself
    const deployed = JSON.parse(secretResourcePolicy({ secretArn, readers: [READER], writers: [STORE_ROLE] })) as PolicyDocument;

    // Act
    const read = (arn: string, identity: PolicyDocument, policy = resourcePolicy, action = 'secretsmanager:GetSecretValue') =>
      simulate({ identityPolicies: [identity], resourcePolicy: policy }, { principal: { arn }, action, resource: secretArn })
        .decision;
    const decisions = {
      attacker: read(ATTACKER, POWER_USER_ACCESS),
      anyRole: read(`arn:aws:iam::${ACCOUNT}:role/${uniqueName('any')}`, readAll),
      reader: read(READER, readAll),
      attackerDeletesPolicy: read(ATTACKER, POWER_USER_ACCESS, deployed, 'secretsmanager:DeleteResourcePolicy'),
      attackerPutsPolicy: read(ATTACKER, POWER_USER_ACCESS, deployed, 'secretsmanager:PutResourcePolicy'),
      attackerReadsDeployed: read(ATTACKER, POWER_USER_ACCESS, deployed),
      storeRoleReadsDeployed: read(STORE_ROLE, readAll, deployed),
    };

    // Assess
    expect(decisions).toEqual({
      attacker: 'ExplicitlyDenied',
      anyRole: 'ExplicitlyDenied',
      reader: 'Allowed',
      attackerDeletesPolicy: 'ExplicitlyDenied',
      attackerPutsPolicy: 'ExplicitlyDenied',
      attackerReadsDeployed: 'ExplicitlyDenied',
      storeRoleReadsDeployed: 'ExplicitlyDenied',
    });
  });

  it('path 4: a secret the attacker pre-created under <prefix>/<user> blocks the rotation; its value is untouched and no key is made', async () => {
    // Prepare: the user has no secret yet; the attacker's secretsmanager:CreateSecret takes the name
    const victim = await s.seed({ prefix: 'atk-v4f', storeFirstKey: false });
    const secretName = secretNameFor(s.config, victim.userName);
    await s.env.clients.secrets.send(new CreateSecretCommand({ Name: secretName, SecretString: 'attacker-owned' }));
    const before = await s.stateOf(victim.userName);

    // Act: a genuine rotation (as the scan or the API would start it)
    const started = await startRotation(s.env.workflows, s.config, {
      userName: victim.userName,
      accessKeyId: victim.accessKeyIds[0]!,
      requestedBy: 'scan',
      trigger: 'scheduled',
    });
    const summary = await s.env.workflows.wait('rotation', started.executionName);

    // Assess
    expect(summary.output).toMatchObject({ status: 'blocked', code: 'foreign-secret' });
    expect(await s.stateOf(victim.userName)).toEqual(before);
    const value = await s.env.clients.secrets.send(new GetSecretValueCommand({ SecretId: secretName }));
    expect(value.SecretString).toBe('attacker-owned');
  });

  it('path 5: the rollback of a rotation started for an exposed key is refused (API and service)', async () => {
    // Prepare: a rotation started with trigger "exposure" (the attacker's own StartExecution would do the same)
    const victim = await s.seed({ prefix: 'atk-v5' });
    const started = await startRotation(s.env.workflows, s.config, {
      userName: victim.userName,
      accessKeyId: victim.accessKeyIds[0]!,
      requestedBy: 'exposure-detector',
      trigger: 'exposure',
    });
    await waitFor('the new key created', () =>
      s.env.notifications.sent.some((n) => n.type === 'rotation.started' && n.userName === victim.userName),
    );
    const before = await s.stateOf(victim.userName);

    // Act
    const viaApi = await s.api(ATTACKER, 'POST', '/rotations/{userName}/rollback', { userName: victim.userName });
    const viaService = await refusal(() => rollbackRotation({ iam: s.env.iam, workflows: s.env.workflows }, victim.userName));

    // Assess
    expect((await s.env.workflows.describe('rotation', started.executionName))?.status).toBe('RUNNING');
    expect(viaApi).toMatchObject({ status: 409, body: { error: 'RollbackRefusedError' } });
    expect(viaService).toEqual({ name: 'RollbackRefusedError', message: expect.stringMatching(/replaces an exposed key/) });
    expect(await s.stateOf(victim.userName)).toEqual(before);
  });
});

describe('attacker with PowerUserAccess against the two-person rule', () => {
  let s: Setup;
  beforeAll(() => {
    s = setup({ offboardingApproval: 'required', cancelApproval: 'required' });
  });
  afterAll(async () => {
    await stopAll(s.env);
  });

  it('path 6: the requester approving its own offboarding request is refused; nothing is disabled', async () => {
    // Prepare
    const victim = await s.seed({ prefix: 'atk-v6' });
    const before = await s.stateOf(victim.userName);

    // Act
    const requested = await s.api(ATTACKER, 'POST', '/offboardings', { body: { userName: victim.userName, reason: 'attacker' } });
    const approved = await s.api(ATTACKER, 'POST', '/offboardings/{userName}/approval', {
      userName: victim.userName,
      body: { action: 'offboard' },
    });
    await sleep(500);

    // Assess
    expect(requested).toMatchObject({ status: 202, body: { status: 'pending-approval' } });
    expect(approved).toMatchObject({ status: 403, body: { error: 'SelfApprovalError' } });
    expect(
      (await s.env.workflows.list('offboarding')).filter((e) => (e.input as { userName?: string }).userName === victim.userName),
    ).toEqual([]);
    const after = await s.stateOf(victim.userName);
    expect({ ...after, records: [] }).toEqual({ ...before, records: [] });
  });
  // The attacker's own states:StartExecution of {action: "offboard"} carries no approved request:
  // Validate refuses it (offboarding.blocked, approval-required) before anything changes.
  it('path 6: StartExecution of an offboarding without an approval changes nothing', async () => {
    // Prepare
    const victim = await s.seed({ prefix: 'atk-v6s' });
    const before = await s.stateOf(victim.userName);

    // Act
    const name = uniqueName(`offboard-${victim.userName}`);
    await s.env.workflows.start('offboarding', name, { action: 'offboard', userName: victim.userName, reason: 'attacker' });
    await waitFor(
      'the offboarding disabled the victim or ended',
      async () =>
        s.env.notifications.sent.some((n) => n.type === 'offboarding.disabled' && n.userName === victim.userName) ||
        (await s.env.workflows.describe('offboarding', name))?.status !== 'RUNNING',
      10_000,
    );
    await s.env.workflows.stop('offboarding', name, { error: 'TestEnded', cause: 'attacker test cleanup' });

    // Assess
    const after = await s.stateOf(victim.userName);
    expect({ ...after, records: [] }).toEqual({ ...before, records: [] });
  });
});
