/**
 * What each Lambda of a capability may do in the account whose IAM users it manages: IAM actions on
 * managed users (with the path scope, managed-tag conditions and protected-user Deny statements of
 * ManagedUserAccess), the credential report, group membership, virtual MFA deletion, and the
 * per-user secrets. One definition, applied twice:
 *
 * - single-account mode (and the hub's own account): to each Lambda's role, by its construct;
 * - organization mode: to the member role of the capability in every member account
 *   (infra/organization/member-stack.ts), one policy per hub Lambda, so a member role holds exactly
 *   the statements the single-account roles of its capability hold.
 *
 * What a Lambda does in the hub only (records bucket, Step Functions, topic) stays in its construct.
 */
import type { LifecycleConfig } from '../../functions/shared/config';
import type { MemberCapability } from '../../functions/shared/organization-config';
import { OFFBOARDING_TAG_KEYS } from '../../functions/offboarding/domain';
import type { GrantTarget, GroupMembershipAction, IamUserAccess, ManagedUserAccess } from './managed-user-access';
import type { SecretsKey } from './secrets-key';

/** Secret grants of SecretsKey: store (create/put), inspect (metadata + policy), describe, delete. */
export type SecretGrant = 'store' | 'inspect' | 'describe' | 'delete';

export interface AccountGrants {
  readonly users?: IamUserAccess;
  readonly credentialReport?: boolean;
  readonly groupMembership?: readonly GroupMembershipAction[];
  readonly virtualMfaDeletion?: boolean;
  /** On the secrets of the account where they are stored (the hub, or the member with secrets "member"). */
  readonly secrets?: readonly SecretGrant[];
}

/** What the grants refer to in the account they are applied in. */
export interface AccountGrantsContext {
  readonly config: Pick<LifecycleConfig, 'reactions'>;
  /** ARN of the offboarding deny policy in that account (the only policy a step may attach). */
  readonly denyPolicyArn: string;
}

const USER = ['iam:GetUser', 'iam:ListUserTags'];
const CREDENTIAL_STATE = [
  'iam:GetLoginProfile',
  'iam:ListAccessKeys',
  'iam:ListSSHPublicKeys',
  'iam:ListSigningCertificates',
  'iam:ListServiceSpecificCredentials',
  'iam:ListAttachedUserPolicies', // is the deny policy attached?
];
const SWITCH_OFF = [
  'iam:DeleteLoginProfile',
  'iam:UpdateAccessKey',
  'iam:UpdateSSHPublicKey',
  'iam:UpdateSigningCertificate',
  'iam:UpdateServiceSpecificCredential',
];
const INVENTORY_LISTS = [
  'iam:ListGroupsForUser',
  'iam:ListAttachedUserPolicies',
  'iam:ListUserPolicies',
  'iam:GetLoginProfile',
  'iam:ListAccessKeys',
  'iam:ListMFADevices',
  'iam:ListSSHPublicKeys',
  'iam:ListSigningCertificates',
  'iam:ListServiceSpecificCredentials',
];

function unique(actions: readonly string[]): string[] {
  return [...new Set(actions)];
}

/** Exactly the calls each rotation handler makes (functions/rotation/handlers.ts); the tests pin these sets. */
export function rotationGrants(): Record<
  'prepare' | 'createAndStore' | 'checkCutover' | 'deactivateOldKey' | 'finishRotation',
  AccountGrants
> {
  return {
    prepare: {
      users: {
        identifyAnyUser: true,
        read: ['iam:GetUser', 'iam:ListUserTags', 'iam:ListAccessKeys', 'iam:GetAccessKeyLastUsed'],
        // Deletes an inactive key to make room (when configured) or a key an earlier attempt lost.
        write: ['iam:DeleteAccessKey'],
      },
      secrets: ['inspect'], // refuses a secret the stack did not create; reads which key it holds
    },
    createAndStore: {
      users: {
        // ListUserTags also reads the user's secret-reader tag, for the secret's resource policy.
        // GetAccessKeyLastUsed: a key used by somebody is never taken for this rotation's own.
        read: ['iam:GetUser', 'iam:ListUserTags', 'iam:ListAccessKeys', 'iam:GetAccessKeyLastUsed'],
        write: ['iam:CreateAccessKey', 'iam:DeleteAccessKey'], // delete: a key created but never stored
      },
      secrets: ['store'],
    },
    // ListUserTags: a rotation stops waiting when the user is being offboarded.
    checkCutover: { users: { read: ['iam:GetUser', 'iam:ListUserTags', 'iam:GetAccessKeyLastUsed'] } },
    deactivateOldKey: {
      users: { read: ['iam:GetUser', 'iam:ListUserTags', 'iam:ListAccessKeys'], write: ['iam:UpdateAccessKey'] },
      secrets: ['describe'], // checks the new key is AWSCURRENT first (metadata only)
    },
    finishRotation: {
      users: { read: ['iam:GetUser', 'iam:ListUserTags', 'iam:ListAccessKeys'], write: ['iam:DeleteAccessKey'] },
    },
  };
}

/** Exactly the calls each offboarding handler makes (functions/offboarding/handlers.ts). */
export function offboardingGrants(
  ctx: Pick<AccountGrantsContext, 'denyPolicyArn'>,
): Record<
  'validateOffboarding' | 'snapshotUser' | 'disableUser' | 'checkStillDisabled' | 'deleteUser' | 'restoreUser',
  AccountGrants
> {
  // Disable, CheckStillDisabled and DeleteUser only ever set the offboarding tags.
  const offboardingTagsOnly = { actions: ['iam:TagUser'] as const, tagKeys: [...OFFBOARDING_TAG_KEYS] };
  // The only policy any step attaches (or a restore detaches): the account's offboarding deny policy.
  const denyPolicyOnly = (sid: string, action: 'iam:AttachUserPolicy' | 'iam:DetachUserPolicy') => ({
    sid,
    actions: [action],
    conditions: { ArnEquals: { 'iam:PolicyARN': [ctx.denyPolicyArn] } },
  });
  const disable: AccountGrants = {
    users: {
      read: unique([...USER, ...CREDENTIAL_STATE]),
      write: SWITCH_OFF,
      conditionalWrites: [denyPolicyOnly('AttachDenyPolicyOnly', 'iam:AttachUserPolicy')],
      limitedTagging: offboardingTagsOnly,
    },
  };
  return {
    validateOffboarding: { users: { read: USER, identifyAnyUser: true } },
    snapshotUser: {
      users: { read: [...USER, ...INVENTORY_LISTS, 'iam:GetUserPolicy', 'iam:GetAccessKeyLastUsed', 'iam:GetSSHPublicKey'] },
      secrets: ['describe'], // records whether the user's secret exists, never its value
    },
    disableUser: disable,
    checkStillDisabled: disable,
    deleteUser: {
      users: {
        read: unique([...USER, ...INVENTORY_LISTS]),
        write: [
          'iam:DeleteLoginProfile',
          'iam:DeleteAccessKey',
          'iam:DeleteSigningCertificate',
          'iam:DeleteSSHPublicKey',
          'iam:DeleteServiceSpecificCredential',
          'iam:DeactivateMFADevice',
          'iam:DeleteUserPolicy',
          'iam:DetachUserPolicy',
          'iam:RemoveUserFromGroup',
          'iam:DeleteUserPermissionsBoundary',
          'iam:DeleteUser',
        ],
        limitedTagging: offboardingTagsOnly,
      },
      groupMembership: ['iam:RemoveUserFromGroup'],
      virtualMfaDeletion: true,
      secrets: ['delete'],
    },
    // The cancel grants nothing: it reactivates the credentials its offboarding deactivated,
    // detaches the deny policy (and no other) and removes the offboarding tags (and no other).
    restoreUser: {
      users: {
        read: unique([...USER, ...INVENTORY_LISTS, 'iam:GetUserPolicy']),
        write: [
          'iam:UpdateAccessKey',
          'iam:UpdateSSHPublicKey',
          'iam:UpdateSigningCertificate',
          'iam:UpdateServiceSpecificCredential',
        ],
        conditionalWrites: [denyPolicyOnly('DetachDenyPolicyOnly', 'iam:DetachUserPolicy')],
        limitedTagging: { actions: ['iam:UntagUser'], tagKeys: [...OFFBOARDING_TAG_KEYS] },
      },
    },
  };
}

/** The scan: the credential report and each user's keys and tags. */
/**
 * @param options.offboards the scan may start offboardings (lifecycle signals): GetUser is the
 *        offboarding service's re-check of the user, as an API start makes it.
 */
export function scanGrants(options: { readonly offboards?: boolean } = {}): AccountGrants {
  const read = ['iam:ListAccessKeys', 'iam:ListUserTags', ...(options.offboards ? ['iam:GetUser'] : [])];
  return { credentialReport: true, users: { read } };
}

/** The API (functions/api/*.ts): user view, rollback (reactivates the exact key a rotation retired). */
export function apiGrants(): AccountGrants {
  return {
    users: {
      identifyAnyUser: true,
      read: ['iam:GetUser', 'iam:ListUserTags', 'iam:ListAccessKeys', 'iam:GetAccessKeyLastUsed'],
      write: ['iam:UpdateAccessKey'], // rollback reactivates the exact key the running rotation retired
    },
    // The user view learns the stored key id from the secret's tag: metadata only, never the value.
    secrets: ['describe'],
  };
}

/** The CloudTrail reactions: the offboarding Disable's permissions, plus the grant removals of "revert". */
export function reactionsGrants(ctx: AccountGrantsContext): AccountGrants {
  const revert = ctx.config.reactions.privilegeEscalated === 'revert';
  return {
    users: {
      read: [
        'iam:GetUser',
        'iam:ListUserTags',
        'iam:GetLoginProfile',
        'iam:ListAccessKeys',
        'iam:ListSSHPublicKeys',
        'iam:ListSigningCertificates',
        'iam:ListServiceSpecificCredentials',
        'iam:ListAttachedUserPolicies',
      ],
      write: [...SWITCH_OFF, ...(revert ? ['iam:DetachUserPolicy', 'iam:DeleteUserPolicy', 'iam:RemoveUserFromGroup'] : [])],
      conditionalWrites: [
        {
          sid: 'AttachDenyPolicyOnly',
          actions: ['iam:AttachUserPolicy'],
          conditions: { ArnEquals: { 'iam:PolicyARN': [ctx.denyPolicyArn] } },
        },
      ],
    },
    ...(revert ? { groupMembership: ['iam:RemoveUserFromGroup'] as const } : {}),
  };
}

/**
 * The grants of every hub Lambda of a capability that acts in a member account, by hub Lambda
 * (the member role gets one policy per entry). `exposure` has none until the hub deploys it.
 */
export function capabilityGrants(capability: MemberCapability, ctx: AccountGrantsContext): Record<string, AccountGrants> {
  switch (capability) {
    case 'scan':
      return { Scan: scanGrants({ offboards: true }) };
    case 'rotation':
      return rotationGrants();
    case 'offboarding':
      return offboardingGrants(ctx);
    case 'reactions':
      return { Reactions: reactionsGrants(ctx) };
    case 'read':
      return { Api: apiGrants() };
    case 'exposure':
      return {};
  }
}

/**
 * Applies grants to a target. `secrets` undefined: the secret grants are skipped (the secrets are
 * stored elsewhere: a member account with secrets "central").
 */
export function applyAccountGrants(
  target: GrantTarget,
  grants: AccountGrants,
  userAccess: ManagedUserAccess,
  secrets: SecretsKey | undefined,
): void {
  if (grants.credentialReport) userAccess.grantCredentialReport(target);
  if (grants.users) userAccess.grant(target, grants.users);
  if (grants.groupMembership) userAccess.grantGroupMembership(target, grants.groupMembership);
  if (grants.virtualMfaDeletion) userAccess.grantVirtualMfaDeletion(target);
  if (!secrets) return;
  for (const grant of grants.secrets ?? []) {
    if (grant === 'store') secrets.grantStore(target);
    else if (grant === 'inspect') secrets.grantInspect(target);
    else if (grant === 'describe') secrets.grantDescribe(target);
    else secrets.grantDelete(target);
  }
}
