/**
 * Least privilege, checked on the synthesized template: the exact permissions of every role, no
 * wildcard allows anywhere, IAM writes only on managed users, and the protected-user Deny statements.
 */
import { workflowIdentity } from '../../infra/constructs/workflow-identity';
import { Match } from 'aws-cdk-lib/assertions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { OFFBOARDING_TAG_KEYS } from '../../functions/offboarding/domain';
import { isIamWriteAction, PROTECTED_USER_READABLE_ACTIONS } from '../../infra/constructs/managed-user-access';
import type { LifecycleFunction } from '../../infra/constructs/lifecycle-function';
import {
  allIdentityStatements,
  asArray,
  logicalId,
  render,
  roleStatements,
  synth,
  type Statement,
  type Synthesized,
} from './support';
import {
  simulate,
  TemplateResolver,
  TEST_ENVIRONMENT,
  type CfnTemplate,
  type Decision,
  type PolicyDocument,
} from '../support/policy-simulator';

const PARTITION = '{Ref:AWS::Partition}';
const ACCOUNT = '{Ref:AWS::AccountId}';
const userArn = (resource: string) => `arn:${PARTITION}:iam::${ACCOUNT}:user/${resource}`;

const LOGS = ['logs:CreateLogStream on own log group', 'logs:PutLogEvents on own log group'];
const PUBLISH = ['sns:Publish on topic', 'kms:GenerateDataKey on topic key', 'kms:Decrypt on topic key'];
const READ_RECORDS = [
  's3:GetObject on offboarding records',
  's3:GetObjectVersion on offboarding records',
  's3:ListBucket on snapshot bucket',
];
const WRITE_RECORDS = ['s3:PutObject on offboarding records'];
/** Final records are written with an Object Lock retention. */
const LOCK_RECORDS = ['s3:PutObjectRetention on offboarding records'];
/** The execution guard, and what earlier steps returned (their own execution's history). */
const EXECUTION_CHECK = ['states:DescribeExecution on offboarding executions'];
const HISTORY = ['states:GetExecutionHistory on offboarding executions'];
const onUsers = (...actions: string[]) => actions.map((a) => `iam:${a} on managed users`);
/** Reading the user (and its tags), how every step recognises a protected or re-created user. */
const USER = onUsers('GetUser', 'ListUserTags');
/** grantExecutionCheck: a rotation step describes the execution that invoked it. */
const OWN_EXECUTIONS = ['states:DescribeExecution on rotation executions'];
/** What Disable and CheckStillDisabled read and switch off. */
const CREDENTIAL_STATE = onUsers(
  'GetLoginProfile',
  'ListAccessKeys',
  'ListSSHPublicKeys',
  'ListSigningCertificates',
  'ListServiceSpecificCredentials',
  'ListAttachedUserPolicies',
);
/** Attaching the stack's deny policy only (iam:PolicyARN condition, asserted separately). */
const SWITCH_OFF = onUsers(
  'AttachUserPolicy',
  'DeleteLoginProfile',
  'UpdateAccessKey',
  'UpdateSSHPublicKey',
  'UpdateSigningCertificate',
  'UpdateServiceSpecificCredential',
);
/** IamUsers.inventory without options. */
const INVENTORY = onUsers(
  'ListGroupsForUser',
  'ListAttachedUserPolicies',
  'ListUserPolicies',
  'GetLoginProfile',
  'ListAccessKeys',
  'ListMFADevices',
  'ListSSHPublicKeys',
  'ListSigningCertificates',
  'ListServiceSpecificCredentials',
);

/** The permission table: what each handler calls (functions/rotation/handlers.ts, functions/scan/). */
const EXPECTED_PERMISSIONS: Record<string, string[]> = {
  // The offboarding's own re-disable (CheckStillDisabled's IAM calls), its records, the topic.
  reactions: [
    ...LOGS,
    ...PUBLISH,
    ...onUsers(
      'GetUser',
      'ListUserTags',
      'GetLoginProfile',
      'ListAccessKeys',
      'ListSSHPublicKeys',
      'ListSigningCertificates',
      'ListServiceSpecificCredentials',
      'ListAttachedUserPolicies',
      'DeleteLoginProfile',
      'UpdateAccessKey',
      'UpdateSSHPublicKey',
      'UpdateSigningCertificate',
      'UpdateServiceSpecificCredential',
      'AttachUserPolicy',
    ),
    's3:GetObject on reaction event markers',
    's3:PutObject on reaction event markers',
    's3:GetObject on re-enable records',
    's3:PutObject on re-enable records',
  ],
  prepare: [
    ...LOGS,
    'iam:GetUser on managed users',
    'iam:ListUserTags on managed users',
    'iam:ListAccessKeys on managed users',
    'iam:GetAccessKeyLastUsed on managed users',
    'iam:DeleteAccessKey on managed users',
    'states:ListExecutions on rotation state machine',
    ...OWN_EXECUTIONS,
    ...PUBLISH,
    // is the user's secret the stack's own, and which key does it hold? (metadata, never the value)
    'secretsmanager:DescribeSecret on managed secrets',
    'secretsmanager:GetResourcePolicy on managed secrets',
    'secretsmanager:ListSecretVersionIds on managed secrets',
  ],
  // No GetSecretValue and no kms: which key is stored is read from metadata; the key policy lets
  // Secrets Manager encrypt on the store's behalf.
  createAndStore: [
    ...LOGS,
    ...USER,
    'iam:ListAccessKeys on managed users',
    'iam:GetAccessKeyLastUsed on managed users',
    'iam:CreateAccessKey on managed users',
    'iam:DeleteAccessKey on managed users',
    'secretsmanager:DescribeSecret on managed secrets',
    'secretsmanager:GetResourcePolicy on managed secrets',
    'secretsmanager:PutResourcePolicy on managed secrets',
    'secretsmanager:PutSecretValue on managed secrets',
    'secretsmanager:CreateSecret on managed secrets',
    'secretsmanager:TagResource on managed secrets',
    ...OWN_EXECUTIONS,
    ...PUBLISH,
  ],
  checkCutover: [...LOGS, ...USER, 'iam:GetAccessKeyLastUsed on managed users', ...OWN_EXECUTIONS, ...PUBLISH],
  deactivateOldKey: [
    ...LOGS,
    ...USER,
    'iam:ListAccessKeys on managed users',
    'iam:UpdateAccessKey on managed users',
    'secretsmanager:DescribeSecret on managed secrets',
    ...OWN_EXECUTIONS,
    'states:GetExecutionHistory on rotation executions',
    ...PUBLISH,
  ],
  finishRotation: [
    ...LOGS,
    ...USER,
    'iam:ListAccessKeys on managed users',
    'iam:DeleteAccessKey on managed users',
    ...OWN_EXECUTIONS,
    'states:GetExecutionHistory on rotation executions',
    ...PUBLISH,
  ],
  notify: [...LOGS, ...PUBLISH],
  scan: [
    ...LOGS,
    'iam:GenerateCredentialReport on *',
    'iam:GetCredentialReport on *',
    'iam:ListAccessKeys on managed users',
    'iam:ListUserTags on managed users',
    'states:StartExecution on rotation state machine',
    'states:ListExecutions on rotation state machine',
    'states:DescribeExecution on rotation executions',
    ...PUBLISH,
    // Lifecycle signals (functions/scan/signals-phase.ts): every user's tags, offboarding by the API's path.
    'iam:GetAccountAuthorizationDetails on *',
    'iam:GetUser on managed users',
    'states:StartExecution on offboarding state machine',
    'states:ListExecutions on offboarding state machine',
    'states:DescribeExecution on offboarding executions',
    's3:GetObject on approval records',
    's3:PutObject on approval records',
    's3:GetObject on signal markers',
    's3:PutObject on signal markers',
    's3:ListBucket on snapshot bucket',
  ],
  // functions/offboarding/handlers.ts via shared/iam/users.ts, snapshot-store.ts, secret-store.ts
  'offboarding.validateOffboarding': [
    ...LOGS,
    ...USER,
    ...PUBLISH,
    's3:GetObject on approval records',
    's3:ListBucket on snapshot bucket',
  ],
  'offboarding.snapshotUser': [
    ...LOGS,
    ...USER,
    ...INVENTORY,
    ...onUsers('GetUserPolicy', 'GetAccessKeyLastUsed', 'GetSSHPublicKey'),
    'secretsmanager:DescribeSecret on managed secrets',
    ...READ_RECORDS,
    ...WRITE_RECORDS,
    ...EXECUTION_CHECK,
    ...PUBLISH,
  ],
  'offboarding.disableUser': [
    ...LOGS,
    ...USER,
    ...CREDENTIAL_STATE,
    ...SWITCH_OFF,
    'iam:TagUser on managed users',
    ...READ_RECORDS,
    ...WRITE_RECORDS,
    ...EXECUTION_CHECK,
    ...HISTORY,
    ...PUBLISH,
  ],
  'offboarding.checkStillDisabled': [
    ...LOGS,
    ...USER,
    ...CREDENTIAL_STATE,
    ...SWITCH_OFF,
    'iam:TagUser on managed users',
    ...WRITE_RECORDS,
    ...EXECUTION_CHECK,
    ...HISTORY,
    ...PUBLISH,
  ],
  // Activity before deletion: CloudTrail reads (no resource-level permissions exist for LookupEvents), no IAM, no records.
  'offboarding.checkActivity': [...LOGS, 'cloudtrail:LookupEvents on *', ...EXECUTION_CHECK, ...HISTORY, ...PUBLISH],
  'offboarding.deleteUser': [
    ...LOGS,
    ...USER,
    ...INVENTORY,
    'iam:TagUser on managed users',
    ...onUsers(
      'DeleteLoginProfile',
      'DeleteAccessKey',
      'DeleteSigningCertificate',
      'DeleteSSHPublicKey',
      'DeleteServiceSpecificCredential',
      'DeactivateMFADevice',
      'DeleteUserPolicy',
      'DetachUserPolicy',
      'RemoveUserFromGroup',
      'DeleteUserPermissionsBoundary',
      'DeleteUser',
    ),
    'iam:RemoveUserFromGroup on groups',
    'iam:DeleteVirtualMFADevice on virtual MFA devices',
    'secretsmanager:DeleteSecret on managed secrets',
    ...READ_RECORDS,
    ...WRITE_RECORDS,
    ...LOCK_RECORDS,
    ...EXECUTION_CHECK,
    ...HISTORY,
    ...PUBLISH,
  ],
  // Grants nothing: reactivates credentials, detaches the deny policy (only it), removes offboarding tags (only those).
  'offboarding.restoreUser': [
    ...LOGS,
    ...USER,
    ...INVENTORY,
    'iam:GetUserPolicy on managed users',
    ...onUsers(
      'UpdateAccessKey',
      'UpdateSSHPublicKey',
      'UpdateSigningCertificate',
      'UpdateServiceSpecificCredential',
      'DetachUserPolicy',
      'UntagUser',
    ),
    ...READ_RECORDS,
    ...WRITE_RECORDS,
    ...LOCK_RECORDS,
    ...EXECUTION_CHECK,
    ...HISTORY,
    ...PUBLISH,
  ],
  'offboarding.notify': [...LOGS, ...PUBLISH],
  // functions/api/*.ts, functions/offboarding/service.ts, functions/rotation/start.ts and rollback.ts
  api: [
    ...LOGS,
    ...USER,
    ...onUsers('ListAccessKeys', 'GetAccessKeyLastUsed', 'UpdateAccessKey'),
    'secretsmanager:DescribeSecret on managed secrets',
    'states:StartExecution on rotation state machine',
    'states:StartExecution on offboarding state machine',
    'states:ListExecutions on rotation state machine',
    'states:ListExecutions on offboarding state machine',
    'states:DescribeExecution on rotation executions',
    'states:DescribeExecution on offboarding executions',
    'states:StopExecution on offboarding executions',
    ...READ_RECORDS,
    ...WRITE_RECORDS,
    's3:GetObject on approval records',
    's3:PutObject on approval records',
    // POST /exposures (functions/exposure/start.ts): start or find the response for the key
    'states:StartExecution on exposure state machine',
    'states:DescribeExecution on exposure executions',
  ],
  // functions/exposure/steps/* (test/infra/exposure.test.ts pins the same sets with comments)
  'exposure.assess': [
    ...LOGS,
    ...USER,
    ...onUsers('ListAccessKeys', 'ListAttachedUserPolicies'),
    'states:DescribeExecution on exposure executions',
  ],
  'exposure.contain': [...LOGS, ...USER, ...onUsers('AttachUserPolicy'), 'states:DescribeExecution on exposure executions'],
  'exposure.createAndStore': [
    ...LOGS,
    ...USER,
    ...onUsers('ListAccessKeys', 'GetAccessKeyLastUsed', 'CreateAccessKey', 'DeleteAccessKey'),
    'secretsmanager:DescribeSecret on managed secrets',
    'secretsmanager:GetResourcePolicy on managed secrets',
    'secretsmanager:PutResourcePolicy on managed secrets',
    'secretsmanager:PutSecretValue on managed secrets',
    'secretsmanager:CreateSecret on managed secrets',
    'secretsmanager:TagResource on managed secrets',
    'states:DescribeExecution on exposure executions',
    ...PUBLISH,
  ],
  'exposure.deactivateExposedKey': [
    ...LOGS,
    ...USER,
    ...onUsers('UpdateAccessKey'),
    'states:DescribeExecution on exposure executions',
  ],
  'exposure.reportExposure': [
    ...LOGS,
    'cloudtrail:LookupEvents on *',
    'states:DescribeExecution on exposure executions',
    ...PUBLISH,
  ],
  'exposure.deleteExposedKey': [
    ...LOGS,
    ...USER,
    ...onUsers('ListAccessKeys', 'DeleteAccessKey'),
    'states:DescribeExecution on exposure executions',
    ...PUBLISH,
  ],
  'exposure.notifyFailed': [...LOGS, ...PUBLISH],
  'exposure.health': [
    ...LOGS,
    ...onUsers('GetAccessKeyLastUsed'),
    'states:StartExecution on exposure state machine',
    'states:DescribeExecution on exposure executions',
    // SqsDestination (handler failures after Lambda's async retries): send, and find the queue.
    'sqs:SendMessage on exposure dead-letter queue',
    'sqs:GetQueueAttributes on exposure dead-letter queue',
    'sqs:GetQueueUrl on exposure dead-letter queue',
  ],
};

function functionsOf(s: Synthesized): Record<string, LifecycleFunction> {
  return {
    ...s.stack.keyRotation.functions,
    scan: s.stack.dailyScan.function,
    ...Object.fromEntries(Object.entries(s.stack.offboarding.functions).map(([step, fn]) => [`offboarding.${step}`, fn])),
    api: s.stack.api.function,
    reactions: s.stack.reactions.function,
    ...Object.fromEntries(Object.entries(s.stack.exposure.functions).map(([step, fn]) => [`exposure.${step}`, fn])),
    'exposure.health': s.stack.exposure.health.function,
  };
}

/** Names every resource an Allow statement may use, so permissions read as "action on what". */
function resourceLabeler(s: Synthesized, fn: LifecycleFunction): (resource: unknown) => string {
  const { stack } = s;
  const labels = new Map<string, string>([
    ['*', '*'],
    [render(stack.resolve(fn.logGroup.logGroupArn)), 'own log group'],
    [render(stack.resolve(stack.notifications.topic.topicArn)), 'topic'],
    [render(stack.resolve(stack.notifications.key.keyArn)), 'topic key'],
    [render(stack.resolve(stack.secretsKey.key.keyArn)), 'secrets key'],
    [render(stack.resolve(stack.secretsKey.secretArnPattern)), 'managed secrets'],
    [render(stack.resolve(stack.keyRotation.stateMachine.stateMachineArn)), 'rotation state machine'],
    // The fixed-name ARNs of infra/constructs/workflow-identity.ts (known before the state machine exists).
    [render(stack.resolve(workflowIdentity(stack, 'rotation').stateMachineArn)), 'rotation state machine'],
    [render(stack.resolve(workflowIdentity(stack, 'rotation').executionArnPattern)), 'rotation executions'],
    [render(stack.resolve(stack.offboarding.stateMachine.stateMachineArn)), 'offboarding state machine'],
    [render(stack.resolve(stack.exposure.stateMachine.stateMachineArn)), 'exposure state machine'],
    [render(stack.resolve(workflowIdentity(stack, 'exposure').executionArnPattern)), 'exposure executions'],
    [render(stack.resolve(stack.exposure.health.deadLetterQueue.queueArn)), 'exposure dead-letter queue'],
    [render(stack.resolve(stack.offboarding.bucket.bucketArn)), 'snapshot bucket'],
    [`{GetAtt:${logicalId(stack, stack.offboarding.bucket)}.Arn}/offboarding/*`, 'offboarding records'],
    [`{GetAtt:${logicalId(stack, stack.offboarding.bucket)}.Arn}/reactions/events/*`, 'reaction event markers'],
    [`{GetAtt:${logicalId(stack, stack.offboarding.bucket)}.Arn}/offboarding/*/reenabled/*`, 're-enable records'],
    [`{GetAtt:${logicalId(stack, stack.offboarding.bucket)}.Arn}/approvals/*`, 'approval records'],
    [`{GetAtt:${logicalId(stack, stack.offboarding.bucket)}.Arn}/signals/*`, 'signal markers'],
    [userArn('*').replace('user/*', 'group/*'), 'groups'],
    [userArn('*').replace('user/*', 'mfa/*'), 'virtual MFA devices'],
    ...stack.userAccess.managedUserArns.map((arn) => [render(stack.resolve(arn)), 'managed users'] as [string, string]),
    // The fixed-name form steps use to look at their own state machine's executions.
    [render(stack.resolve(workflowIdentity(stack, 'rotation').executionArnPattern)), 'rotation executions'],
  ]);
  const rotation = logicalId(stack, stack.keyRotation.stateMachine);
  const offboarding = logicalId(stack, stack.offboarding.stateMachine);
  return (resource) => {
    const text = render(resource);
    if (labels.has(text)) return labels.get(text)!;
    if (text === `arn:${PARTITION}:states:{Ref:AWS::Region}:${ACCOUNT}:execution:{GetAtt:${rotation}.Name}:*`)
      return 'rotation executions';
    if (text === `arn:${PARTITION}:states:{Ref:AWS::Region}:${ACCOUNT}:execution:{GetAtt:${offboarding}.Name}:*`)
      return 'offboarding executions';
    // The fixed state machine names of infra/constructs/workflow-identity.ts.
    if (text === `arn:${PARTITION}:states:{Ref:AWS::Region}:${ACCOUNT}:execution:${stack.stackName}-Offboarding:*`)
      return 'offboarding executions';
    if (text === `arn:${PARTITION}:states:{Ref:AWS::Region}:${ACCOUNT}:execution:${stack.stackName}-KeyRotation:*`)
      return 'rotation executions';
    return `UNEXPECTED ${text}`;
  };
}

function allowedPermissions(s: Synthesized, fn: LifecycleFunction): string[] {
  const label = resourceLabeler(s, fn);
  return roleStatements(s.template, logicalId(s.stack, fn.role))
    .filter((st) => st.Effect === 'Allow')
    .flatMap((st) => asArray(st.Action).flatMap((action) => asArray(st.Resource).map((r) => `${action} on ${label(r)}`)))
    .sort();
}

function iamWriteAllows(statements: Statement[]): Statement[] {
  return statements.filter((st) => st.Effect === 'Allow' && asArray(st.Action).some(isIamWriteAction));
}

/** The statements that allow IAM writes on users (not the group-membership and MFA-device ones). */
function userWriteAllows(statements: Statement[]): Statement[] {
  return iamWriteAllows(statements).filter((st) => !NON_USER_WRITE_SIDS.includes(st.Sid ?? ''));
}

/** IAM writes IAM authorizes on another resource than the user (see ManagedUserAccess). */
const NON_USER_WRITE_SIDS = ['ChangeGroupMembership', 'DeleteVirtualMfaDevices'];

/** Roles whose user writes are split: unrestricted writes, and tagging limited to the offboarding tag keys. */
const TAG_LIMITED_ROLES = 4; // disableUser, checkStillDisabled, deleteUser, restoreUser
/** Roles that may attach (disable, check) or detach (restore) the stack's deny policy, and no other. */
const DENY_POLICY_ROLES = 5; // + reactions (re-disable), + exposure Contain (the containment policy only)
const DENY_POLICY_SIDS = ['AttachDenyPolicyOnly', 'DetachDenyPolicyOnly', 'AttachContainmentPolicyOnly'];
/** Roles with IAM writes on users. */
const USER_WRITE_ROLES = 13; // prepare, createAndStore, deactivateOldKey, finishRotation, 4 offboarding steps, api, reactions, 3 exposure steps
/** Roles reading IAM users. */
const USER_READ_ROLES = 20; // prepare, checkCutover, deactivateOldKey, finishRotation, createAndStore, scan, 6 offboarding steps, api, reactions, 5 exposure steps, exposure health

function statementsOfRole(s: Synthesized, role: IRole): Statement[] {
  return roleStatements(s.template, logicalId(s.stack, role));
}

describe('IAM permissions with the default config', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({}, { bundle: false });
  });

  it.each(Object.keys(EXPECTED_PERMISSIONS))('the %s role allows exactly what its handler calls', (name) => {
    // Act
    const allowed = allowedPermissions(s, functionsOf(s)[name]!);
    // Assess
    expect(allowed).toEqual([...EXPECTED_PERMISSIONS[name]!].sort());
  });

  it('gives every function its own role', () => {
    // Prepare
    const fns = s.template.findResources('AWS::Lambda::Function');
    // Act
    const roles = Object.values(fns).map((f) => render((f.Properties as { Role: unknown }).Role));
    // Assess
    expect(roles).toHaveLength(Object.keys(EXPECTED_PERMISSIONS).length);
    expect(new Set(roles).size).toBe(roles.length);
  });

  it('attaches no AWS managed policy to any role', () => {
    // Act
    const roles = Object.values(s.template.findResources('AWS::IAM::Role'));
    // Assess
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) expect((role.Properties as { ManagedPolicyArns?: unknown }).ManagedPolicyArns).toBeUndefined();
  });

  it('allows no wildcard action, no NotAction/NotResource, and no IAM write on "*" anywhere', () => {
    // Act
    const allows = allIdentityStatements(s.template).filter((st) => st.Effect === 'Allow');
    // Assess
    expect(allows.length).toBeGreaterThan(20);
    for (const st of allows) {
      expect(st.NotAction).toBeUndefined();
      expect(st.NotResource).toBeUndefined();
      for (const action of asArray(st.Action)) {
        expect(action).not.toContain('*');
        if (action.startsWith('iam:') && isIamWriteAction(action)) expect(asArray(st.Resource)).not.toContain('*');
      }
    }
  });

  it('allows IAM writes only on users under the managed path, but for group membership and MFA device deletion', () => {
    // Act
    const writes = iamWriteAllows(allIdentityStatements(s.template));
    const bySid = (sid: string) => writes.filter((st) => st.Sid === sid);
    // Assess
    expect(writes.length).toBe(USER_WRITE_ROLES + TAG_LIMITED_ROLES + DENY_POLICY_ROLES + 2);
    for (const st of userWriteAllows(writes)) expect(asArray(st.Resource).map(render)).toEqual([userArn('*')]);
    // IAM authorizes these on the group and the device: the only IAM writes on anything but users.
    expect(bySid('ChangeGroupMembership').map((st) => [st.Action, asArray(st.Resource).map(render)])).toEqual([
      ['iam:RemoveUserFromGroup', [userArn('*').replace('user/*', 'group/*')]],
    ]);
    expect(bySid('DeleteVirtualMfaDevices').map((st) => [st.Action, asArray(st.Resource).map(render)])).toEqual([
      ['iam:DeleteVirtualMFADevice', [userArn('*').replace('user/*', 'mfa/*')]],
    ]);
  });

  it('lets the offboarding steps set or remove only the offboarding tags', () => {
    // Prepare
    const { disableUser, checkStillDisabled, deleteUser, restoreUser } = s.stack.offboarding.functions;
    const tagKeysOnly = {
      'ForAllValues:StringEquals': { 'aws:TagKeys': [...OFFBOARDING_TAG_KEYS] },
      Null: { 'aws:TagKeys': 'false' },
    };
    for (const [fn, limited, unlimited] of [
      [disableUser, 'iam:TagUser', []],
      [checkStillDisabled, 'iam:TagUser', []],
      [deleteUser, 'iam:TagUser', []],
      [restoreUser, 'iam:UntagUser', []],
    ] as const) {
      // Act
      const statements = statementsOfRole(s, fn.role);
      const tagging = statements.filter((st) => st.Sid === 'TagManagedUsers');
      const write = statements.find((st) => st.Sid === 'WriteManagedUsers')!;
      // Assess
      expect(tagging).toHaveLength(1);
      expect(tagging[0]).toMatchObject({ Effect: 'Allow', Action: limited, Condition: tagKeysOnly });
      expect(asArray(write.Action).filter((a) => /^iam:(Un)?[Tt]agUser$/.test(a))).toEqual(unlimited);
    }
    expect([...OFFBOARDING_TAG_KEYS].sort()).toEqual([
      'iam-lifecycle:offboarding',
      'iam-lifecycle:offboarding-delete-after',
      'iam-lifecycle:offboarding-execution',
    ]);
  });

  it('lets no role grant: no inline policy, group, boundary; attach and detach only the stack deny policy', () => {
    // Prepare
    const { disableUser, checkStillDisabled, restoreUser } = s.stack.offboarding.functions;
    const denyArn = s.stack.resolve(s.stack.offboarding.denyPolicy.managedPolicyArn) as unknown;
    const grants = ['iam:PutUserPolicy', 'iam:AddUserToGroup', 'iam:PutUserPermissionsBoundary', 'iam:CreateLoginProfile'];
    // Act
    const allows = allIdentityStatements(s.template).filter((st) => st.Effect === 'Allow');
    // The exposure's containment policy (a deny of temporary credentials): test/infra/exposure.test.ts.
    const attach = allows.filter(
      (st) => asArray(st.Action).includes('iam:AttachUserPolicy') && st.Sid !== 'AttachContainmentPolicyOnly',
    );
    const restoreActions = statementsOfRole(s, restoreUser.role)
      .filter((st) => st.Effect === 'Allow')
      .flatMap((st) => asArray(st.Action));
    const restoreDetach = statementsOfRole(s, restoreUser.role).filter((st) =>
      asArray(st.Action).includes('iam:DetachUserPolicy'),
    );
    // Assess
    expect(allows.filter((st) => asArray(st.Action).some((a) => grants.includes(a)))).toEqual([]);
    expect(attach).toHaveLength(3); // Disable, CheckStillDisabled, the reactions' re-disable
    for (const st of attach) {
      expect(st).toMatchObject({ Sid: 'AttachDenyPolicyOnly', Action: 'iam:AttachUserPolicy' });
      expect(st.Condition).toEqual({ ArnEquals: { 'iam:PolicyARN': [denyArn] } });
    }
    for (const fn of [disableUser, checkStillDisabled, s.stack.reactions.function]) {
      expect(statementsOfRole(s, fn.role).filter((st) => asArray(st.Action).includes('iam:AttachUserPolicy'))).toHaveLength(1);
    }
    // The restore role grants nothing: no attach, put, add, boundary, unlimited tagging, or key creation.
    expect(restoreActions.filter((a) => /^iam:(Attach|Put|Add|Create|TagUser)/.test(a))).toEqual([]);
    expect(restoreDetach).toEqual([
      expect.objectContaining({ Sid: 'DetachDenyPolicyOnly', Condition: { ArnEquals: { 'iam:PolicyARN': [denyArn] } } }),
    ]);
  });

  it('creates the deny policy as a managed policy that denies everything, and tells every offboarding step its ARN', () => {
    // Act
    const policy = s.template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Description: Match.stringLikeRegexp('offboarded') },
    });
    const offboardingEnv = Object.values(s.stack.offboarding.functions).map(
      (fn) =>
        (
          s.template.toJSON().Resources[logicalId(s.stack, fn.function)] as {
            Properties: { Environment: { Variables: Record<string, unknown> } };
          }
        ).Properties.Environment.Variables.OFFBOARDING_DENY_POLICY_ARN,
    );
    // Assess
    expect(Object.keys(policy)).toEqual([logicalId(s.stack, s.stack.offboarding.denyPolicy)]);
    expect(Object.values(policy)[0]).toMatchObject({
      Properties: {
        PolicyDocument: { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] },
      },
    });
    for (const value of offboardingEnv) expect(value).toEqual(s.stack.resolve(s.stack.offboarding.denyPolicy.managedPolicyArn));
  });

  it('lets only the roles that write records write or delete objects of the records bucket, and enables Object Lock', () => {
    // Prepare
    const f = s.stack.offboarding.functions;
    const writers = [
      f.snapshotUser,
      f.disableUser,
      f.checkStillDisabled,
      f.deleteUser,
      f.restoreUser,
      s.stack.api.function,
      s.stack.reactions.function,
      s.stack.dailyScan.function, // approval requests and reminder markers of the lifecycle signals
    ];
    const bucketId = logicalId(s.stack, s.stack.offboarding.bucket);
    // Act
    const policies = Object.values(
      s.template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: bucketId } } }),
    ) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[];
    const deny = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).find((st) => st.Sid === 'OnlyRecordWritersWrite');
    const bucket = s.template.toJSON().Resources[bucketId] as { Properties: Record<string, unknown> };
    // Assess
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' } });
    expect(asArray(deny!.Action).sort()).toEqual(
      expect.arrayContaining(['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObject', 's3:PutObjectRetention']),
    );
    const allowed = (deny!.Condition as { ArnNotEquals: { 'aws:PrincipalArn': unknown[] } }).ArnNotEquals['aws:PrincipalArn'];
    expect(allowed.map(render).sort()).toEqual(writers.map((fn) => render(s.stack.resolve(fn.role.roleArn))).sort());
    expect(bucket.Properties.ObjectLockEnabled).toBe(true);
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('lets offboarding delete a secret only with a recovery window, and read no secret value', () => {
    // Prepare
    const { snapshotUser, deleteUser } = s.stack.offboarding.functions;
    // Act
    const deletes = allIdentityStatements(s.template).filter((st) => asArray(st.Action).includes('secretsmanager:DeleteSecret'));
    const offboardingSecretActions = Object.values(s.stack.offboarding.functions).flatMap((fn) =>
      statementsOfRole(s, fn.role).flatMap((st) => asArray(st.Action).filter((a) => a.startsWith('secretsmanager:'))),
    );
    // Assess
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.Condition).toEqual({ NumericGreaterThanEquals: { 'secretsmanager:RecoveryWindowInDays': 7 } });
    expect(statementsOfRole(s, deleteUser.role)).toContainEqual(deletes[0]);
    expect(offboardingSecretActions.sort()).toEqual(['secretsmanager:DeleteSecret', 'secretsmanager:DescribeSecret']);
    expect(statementsOfRole(s, snapshotUser.role).some((st) => st.Action === 'secretsmanager:DescribeSecret')).toBe(true);
  });

  it('lets the offboarding state machine invoke exactly the eight offboarding functions', () => {
    // Prepare
    const fnArns = Object.values(s.stack.offboarding.functions)
      .map((f) => render(s.stack.resolve(f.function.functionArn)))
      .sort();
    // Act
    const statements = statementsOfRole(s, s.stack.offboarding.stateMachine.role).filter((st) => st.Effect === 'Allow');
    const invoke = statements.filter((st) => asArray(st.Action).includes('lambda:InvokeFunction'));
    const others = statements.filter((st) => !asArray(st.Action).includes('lambda:InvokeFunction'));
    // Assess
    expect(invoke).toHaveLength(1);
    expect(asArray(invoke[0]!.Resource).map(render).sort()).toEqual(fnArns);
    expect(fnArns).toHaveLength(8);
    for (const st of others) {
      for (const action of asArray(st.Action)) expect(action).toMatch(/^(logs|xray):/);
    }
  });

  it("gives API Gateway's account logging role only log writes in this account and region", () => {
    // Prepare
    const role = s.stack.api.accountLoggingRole!;
    const id = logicalId(s.stack, role);
    // Act
    const statements = statementsOfRole(s, role);
    const resource = s.template.findResources('AWS::IAM::Role')[id]!;
    // Assess
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Effect: 'Allow', Sid: 'WriteApiGatewayLogs' });
    for (const action of asArray(statements[0]!.Action)) expect(action).toMatch(/^logs:/);
    expect(asArray(statements[0]!.Resource).map(render)).toEqual([
      `arn:${PARTITION}:logs:{Ref:AWS::Region}:${ACCOUNT}:log-group:*`,
    ]);
    expect(resource).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [{ Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
      },
    });
    s.template.hasResourceProperties('AWS::ApiGateway::Account', { CloudWatchRoleArn: { 'Fn::GetAtt': [id, 'Arn'] } });
  });

  it('grants no role any KMS action on the secrets key: Secrets Manager uses it under the key policy', () => {
    // Prepare
    const secretsKey = render(s.stack.resolve(s.stack.secretsKey.key.keyArn));
    for (const fn of Object.values(functionsOf(s))) {
      // Act
      const onKey = statementsOfRole(s, fn.role).filter((st) => asArray(st.Resource).map(render).includes(secretsKey));
      // Assess
      expect(onKey).toEqual([]);
    }
  });

  describe('the secrets key policy, evaluated', () => {
    // The template's intrinsics resolved to a test account, region and partition (policy-simulator).
    const { accountId: ACCOUNT_ID, region: REGION } = TEST_ENVIRONMENT;
    const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:iam-user-lifecycle/bot-AbCdEf`;
    const VIA_SM = `secretsmanager.${REGION}.amazonaws.com`;
    const POWER_USER = `arn:aws:iam::${ACCOUNT_ID}:role/PowerUser`;
    // PowerUserAccess allows every kms action: what the key policy leaves to the account, it gets.
    const KMS_ANYTHING: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };
    const decide = (action: string, context: Record<string, string> = {}): Decision => {
      const resolver = new TemplateResolver(s.template.toJSON() as CfnTemplate);
      const id = logicalId(s.stack, s.stack.secretsKey.key);
      const keyPolicy = resolver.resolve(resolver.resource(id).Properties?.KeyPolicy) as PolicyDocument;
      return simulate(
        { identityPolicies: [KMS_ANYTHING], resourcePolicy: keyPolicy, resourcePolicyKind: 'kms-key' },
        { principal: { arn: POWER_USER }, action, resource: resolver.arnOf(id), context },
      ).decision;
    };

    it.each([
      ['kms:Decrypt', {}],
      ['kms:Decrypt', { 'kms:CallerAccount': ACCOUNT_ID, 'kms:EncryptionContext:SecretARN': SECRET }],
      ['kms:GenerateDataKey', { 'kms:CallerAccount': ACCOUNT_ID }],
      ['kms:Encrypt', { 'kms:ViaService': VIA_SM, 'kms:CallerAccount': ACCOUNT_ID, 'kms:EncryptionContext:SecretARN': SECRET }],
      ['kms:ReEncryptFrom', { 'kms:ViaService': VIA_SM, 'kms:CallerAccount': ACCOUNT_ID }],
      ['kms:CreateGrant', {}],
      [
        'kms:Decrypt',
        { 'kms:ViaService': VIA_SM, 'kms:CallerAccount': '999999999999', 'kms:EncryptionContext:SecretARN': SECRET },
      ],
      [
        'kms:Decrypt',
        {
          'kms:ViaService': VIA_SM,
          'kms:CallerAccount': ACCOUNT_ID,
          'kms:EncryptionContext:SecretARN': SECRET.replace('iam-user-lifecycle/', 'other/'),
        },
      ],
      ['kms:Decrypt', { 'kms:ViaService': `s3.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT_ID }],
    ])('refuses %s with context %j', (action, context) => {
      // Act / Assess
      expect(decide(action, context)).not.toBe('Allowed');
    });

    it.each(['kms:Decrypt', 'kms:GenerateDataKey'])(
      'allows %s through Secrets Manager, for a managed secret, from this account (the secret policy decides who)',
      (action) => {
        // Act / Assess
        expect(
          decide(action, {
            'kms:ViaService': VIA_SM,
            'kms:CallerAccount': ACCOUNT_ID,
            'kms:EncryptionContext:SecretARN': SECRET,
          }),
        ).toBe('Allowed');
      },
    );

    it.each(['kms:PutKeyPolicy', 'kms:DescribeKey', 'kms:ScheduleKeyDeletion', 'kms:EnableKeyRotation'])(
      'leaves %s to the account (key administration)',
      (action) => {
        // Act / Assess
        expect(decide(action)).toBe('Allowed');
      },
    );
  });

  it('makes the create-and-store steps (rotation, exposure) the only writers of the secrets and keeps their policies from granting', () => {
    // Prepare
    const createAndStore = s.stack.keyRotation.functions.createAndStore;
    const writers = {
      'Fn::Join': [
        '',
        [
          s.stack.resolve(createAndStore.role.roleArn),
          ',',
          s.stack.resolve(s.stack.exposure.functions.createAndStore.role.roleArn),
        ],
      ],
    };
    const props = s.template.findResources('AWS::Lambda::Function')[logicalId(s.stack, createAndStore.function)]!.Properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    // Act
    const put = statementsOfRole(s, createAndStore.role).find((st) =>
      asArray(st.Action).includes('secretsmanager:PutResourcePolicy'),
    )!;
    // Assess
    expect(props.Environment.Variables.SECRET_WRITER_ROLE_ARNS).toEqual(writers);
    expect(put.Condition).toEqual({ Bool: { 'secretsmanager:BlockPublicPolicy': 'true' } });
  });

  it('lets createAndStore create secrets only with the stack key, and tag them only with the store tags', () => {
    // Act
    const statements = statementsOfRole(s, s.stack.keyRotation.functions.createAndStore.role);
    const create = statements.find((st) => asArray(st.Action).includes('secretsmanager:CreateSecret'))!;
    const tag = statements.find((st) => asArray(st.Action).includes('secretsmanager:TagResource'))!;
    // Assess
    expect(render((create.Condition!.StringEquals as Record<string, unknown>)['secretsmanager:KmsKeyArn'])).toBe(
      render(s.stack.resolve(s.stack.secretsKey.key.keyArn)),
    );
    expect(tag.Condition).toEqual({
      'ForAllValues:StringEquals': {
        'aws:TagKeys': ['iam-lifecycle:managed-by', 'iam-lifecycle:user', 'iam-lifecycle:access-key-id'],
      },
    });
  });

  it('lets the state machine invoke exactly the six rotation functions (no version or alias wildcard)', () => {
    // Prepare
    const fnArns = Object.values(s.stack.keyRotation.functions)
      .map((f) => render(s.stack.resolve(f.function.functionArn)))
      .sort();
    // Act
    const statements = statementsOfRole(s, s.stack.keyRotation.stateMachine.role).filter((st) => st.Effect === 'Allow');
    const invoke = statements.filter((st) => asArray(st.Action).includes('lambda:InvokeFunction'));
    const others = statements.filter((st) => !asArray(st.Action).includes('lambda:InvokeFunction'));
    // Assess
    expect(invoke).toHaveLength(1);
    expect(asArray(invoke[0]!.Resource).map(render).sort()).toEqual(fnArns);
    // Everything else is what CDK adds for logging and tracing (acknowledged IAM5, see nag.test.ts).
    for (const st of others) {
      for (const action of asArray(st.Action)) expect(action).toMatch(/^(logs|xray):/);
    }
  });

  it('lets EventBridge Scheduler invoke only the scan function, from this account', () => {
    // Prepare
    const role = s.stack.dailyScan.schedulerRole;
    // Act
    const statements = statementsOfRole(s, role);
    const trust = (
      s.template.findResources('AWS::IAM::Role')[logicalId(s.stack, role)]!.Properties as {
        AssumeRolePolicyDocument: { Statement: Statement[] & { Principal?: unknown }[] };
      }
    ).AssumeRolePolicyDocument.Statement;
    // Assess
    expect(statements).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: s.stack.resolve(s.stack.dailyScan.function.function.functionArn),
      }),
    ]);
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({
      Principal: { Service: 'scheduler.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
  });

  it('denies IAM writes on users carrying the protected tag, in every role with IAM permissions', () => {
    for (const [name, fn] of Object.entries(functionsOf(s))) {
      // Act
      const statements = statementsOfRole(s, fn.role);
      const hasIam = statements.some((st) => st.Effect === 'Allow' && asArray(st.Action).some((a) => a.startsWith('iam:')));
      const deny = statements.find((st) => st.Sid === 'DenyWritesOnProtectedTag');
      // Assess
      if (!hasIam) {
        expect([name, deny]).toEqual([name, undefined]);
        continue;
      }
      expect(deny).toMatchObject({
        Effect: 'Deny',
        Resource: '*',
        Condition: { Null: { 'iam:ResourceTag/iam-lifecycle:protected': 'false' } },
      });
      for (const write of ['iam:CreateAccessKey', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey', 'iam:DeleteUser']) {
        expect(asArray(deny!.Action).some((pattern) => write.startsWith(pattern.replace(/\*$/, '')))).toBe(true);
      }
      // No protected names configured: no name Deny with an empty resource list.
      expect(statements.find((st) => st.Sid === 'DenyProtectedUserNames')).toBeUndefined();
    }
  });

  it('carries no tag condition on writes when no managed tag is configured', () => {
    // Act
    const writes = iamWriteAllows(allIdentityStatements(s.template));
    // Assess
    expect(writes.length).toBeGreaterThan(USER_WRITE_ROLES);
    for (const st of writes) {
      if (st.Sid === 'TagManagedUsers') expect(Object.keys(st.Condition!).sort()).toEqual(['ForAllValues:StringEquals', 'Null']);
      else if (DENY_POLICY_SIDS.includes(st.Sid ?? '')) expect(Object.keys(st.Condition!)).toEqual(['ArnEquals']);
      else expect(st.Condition).toBeUndefined();
    }
  });
});

describe('IAM permissions shaped by the config', () => {
  const config = {
    managedUsers: { pathPrefix: '/service-accounts/', tag: { key: 'lifecycle', value: 'managed' } },
    protectedUsers: { userNames: ['break-glass', 'ci.deployer@corp'], tagKey: 'security:protected' },
  };
  let s: Synthesized;
  beforeAll(() => {
    s = synth({ lifecycleConfig: config }, { bundle: false });
  });

  it('scopes every IAM user permission to the managed path', () => {
    // Act
    const userStatements = allIdentityStatements(s.template).filter(
      (st) =>
        st.Effect === 'Allow' &&
        !NON_USER_WRITE_SIDS.includes(st.Sid ?? '') &&
        st.Sid !== 'IdentifyAnyUser' &&
        st.Sid !== 'FindKeyOwnerAnyUser' && // read-only, any user: test/infra/exposure.test.ts
        // Account-wide reads IAM defines no resource for (credential report, authorization details).
        asArray(st.Action).some(
          (a) => a.startsWith('iam:') && !a.includes('CredentialReport') && a !== 'iam:GetAccountAuthorizationDetails',
        ),
    );
    // Assess
    expect(userStatements.length).toBe(USER_READ_ROLES + USER_WRITE_ROLES + TAG_LIMITED_ROLES + DENY_POLICY_ROLES);
    for (const st of userStatements) expect(asArray(st.Resource).map(render)).toEqual([userArn('service-accounts/*')]);
  });

  it('lets only the steps handed a user name read any user (GetUser, ListUserTags), to refuse out-of-scope users clearly', () => {
    // Act
    const identify = allIdentityStatements(s.template).filter((st) => st.Sid === 'IdentifyAnyUser');
    const roles = [
      s.stack.keyRotation.functions.prepare,
      s.stack.offboarding.functions.validateOffboarding,
      s.stack.api.function,
      s.stack.exposure.functions.assess,
    ].map((fn) => statementsOfRole(s, fn.role).filter((st) => st.Sid === 'IdentifyAnyUser'));
    // Assess
    expect(identify).toHaveLength(4);
    for (const [st] of roles) {
      expect(st).toMatchObject({ Effect: 'Allow', Action: ['iam:GetUser', 'iam:ListUserTags'] });
      expect(asArray(st!.Resource).map(render)).toEqual([userArn('*')]);
    }
  });

  it('requires the managed tag on every IAM write, and not on reads', () => {
    // Act
    const statements = allIdentityStatements(s.template).filter((st) => st.Effect === 'Allow');
    const writes = userWriteAllows(statements);
    const reads = statements.filter((st) => st.Sid === 'ReadManagedUsers');
    // Assess
    expect(writes).toHaveLength(USER_WRITE_ROLES + TAG_LIMITED_ROLES + DENY_POLICY_ROLES);
    for (const st of writes) {
      expect(st.Condition).toMatchObject({ StringEquals: { 'iam:ResourceTag/lifecycle': 'managed' } });
      expect(Object.keys(st.Condition!).sort()).toEqual(
        st.Sid === 'TagManagedUsers'
          ? ['ForAllValues:StringEquals', 'Null', 'StringEquals']
          : DENY_POLICY_SIDS.includes(st.Sid ?? '')
            ? ['ArnEquals', 'StringEquals']
            : ['StringEquals'],
      );
    }
    // Groups cannot be tagged and MFA devices carry their own tags: no user-tag condition there.
    for (const st of iamWriteAllows(statements).filter((w) => NON_USER_WRITE_SIDS.includes(w.Sid ?? ''))) {
      expect(st.Condition).toBeUndefined();
    }
    expect(reads.length).toBe(USER_READ_ROLES);
    for (const st of reads) expect(st.Condition).toBeUndefined();
  });

  it('denies everything but reading the user and its tags on protected names, at any path', () => {
    for (const fn of [
      s.stack.keyRotation.functions.prepare,
      s.stack.keyRotation.functions.finishRotation,
      s.stack.dailyScan.function,
      s.stack.offboarding.functions.validateOffboarding,
      s.stack.offboarding.functions.deleteUser,
      s.stack.offboarding.functions.restoreUser,
      s.stack.api.function,
    ]) {
      // Act
      const deny = statementsOfRole(s, fn.role).find((st) => st.Sid === 'DenyProtectedUserNames');
      // Assess
      expect(deny).toBeDefined();
      expect(deny!.Effect).toBe('Deny');
      expect(deny!.Action).toBeUndefined();
      expect(asArray(deny!.NotAction).sort()).toEqual([...PROTECTED_USER_READABLE_ACTIONS].sort());
      expect(asArray(deny!.Resource).map(render).sort()).toEqual(
        [userArn('break-glass'), userArn('*/break-glass'), userArn('ci.deployer@corp'), userArn('*/ci.deployer@corp')].sort(),
      );
    }
  });

  it('denies IAM writes on users carrying the configured protected tag', () => {
    // Act
    const deny = statementsOfRole(s, s.stack.keyRotation.functions.createAndStore.role).find(
      (st) => st.Sid === 'DenyWritesOnProtectedTag',
    );
    // Assess
    expect(deny?.Condition).toEqual({ Null: { 'iam:ResourceTag/security:protected': 'false' } });
  });

  it('adds no IAM statement, allow or deny, to a role that makes no IAM call', () => {
    for (const fn of [s.stack.keyRotation.functions.notify, s.stack.offboarding.functions.notify]) {
      // Act
      const statements = statementsOfRole(s, fn.role);
      // Assess
      const iamMentions = statements.filter((st) =>
        [...asArray(st.Action), ...asArray(st.NotAction)].some((a) => a.startsWith('iam:')),
      );
      expect(iamMentions).toEqual([]);
    }
  });
});

describe('IAM permissions with a managed tag key and no value', () => {
  it('requires the tag to be present on every IAM write', () => {
    // Prepare + Act
    const s = synth({ lifecycleConfig: { managedUsers: { pathPrefix: '/', tag: { key: 'rotate-me' } } } }, { bundle: false });
    const writes = userWriteAllows(allIdentityStatements(s.template));
    // Assess
    expect(writes).toHaveLength(USER_WRITE_ROLES + TAG_LIMITED_ROLES + DENY_POLICY_ROLES);
    for (const st of writes) {
      if (DENY_POLICY_SIDS.includes(st.Sid ?? '')) {
        expect(st.Condition).toMatchObject({ Null: { 'iam:ResourceTag/rotate-me': 'false' }, ArnEquals: expect.anything() });
      } else if (st.Sid === 'TagManagedUsers') {
        // Both Null conditions in one block: the managed tag present, the request's tag keys present.
        expect(st.Condition).toMatchObject({ Null: { 'iam:ResourceTag/rotate-me': 'false', 'aws:TagKeys': 'false' } });
      } else {
        expect(st.Condition).toEqual({ Null: { 'iam:ResourceTag/rotate-me': 'false' } });
      }
    }
  });
});
