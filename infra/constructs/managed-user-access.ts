/**
 * IAM permissions on IAM users, shaped by the same rule the code applies (functions/shared/scope.ts):
 *
 * - reads are allowed on the users under `managedUsers.pathPrefix` (the code reads a user to decide
 *   whether it is managed, and to refuse it with a clear reason when it is not);
 * - writes are allowed on those users only, and, when `managedUsers.tag` is set, only on users that
 *   carry the tag (iam:ResourceTag condition);
 * - every role that gets IAM permissions also gets two explicit Deny statements:
 *   1. on the protected user names (whatever their path): every action except reading the user and
 *      its tags (iam:GetUser, iam:ListUserTags), which is how the code recognises a protected user
 *      and refuses it with a clear `protected-user` reason instead of an AccessDenied failure;
 *   2. on any user carrying the protected tag: every IAM write (a tag is only known once read, so
 *      reads cannot be denied by tag).
 *
 * Two IAM writes cannot be scoped to users, because IAM authorizes them on another resource: group
 * membership changes (on `group/*`) and deleting a virtual MFA device (on `mfa/*`); see
 * grantGroupMembership and grantVirtualMfaDeletion.
 *
 * Nothing here allows an IAM write on "*" or any `iam:*` action; the tests check the whole template.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct, IConstruct } from 'constructs';
import type { LifecycleConfig } from '../../functions/shared/config';
import { ConfigError } from '../../functions/shared/errors';
import { acknowledge, iam5Resource } from '../nag';

/**
 * IAM action verbs that change something. An IAM action is a write when its name starts with one of
 * these; the Deny statements use them as patterns (`iam:Create*`, ...).
 */
export const IAM_WRITE_VERBS = [
  'Add',
  'Attach',
  'Change',
  'Create',
  'Deactivate',
  'Delete',
  'Detach',
  'Enable',
  'Put',
  'Remove',
  'Reset',
  'Resync',
  'Set',
  'Tag',
  'Untag',
  'Update',
  'Upload',
] as const;

export const IAM_WRITE_ACTION_PATTERNS: readonly string[] = IAM_WRITE_VERBS.map((verb) => `iam:${verb}*`);

export function isIamWriteAction(action: string): boolean {
  return IAM_WRITE_VERBS.some((verb) => action.startsWith(`iam:${verb}`));
}

/**
 * What the Deny on protected user names leaves possible: reading the user and its tags, so that the
 * workflows can recognise the user as protected and refuse it by name (functions/shared/scope.ts).
 */
export const PROTECTED_USER_READABLE_ACTIONS = ['iam:GetUser', 'iam:ListUserTags'] as const;

// Characters an ARN of a protected name adds besides the name: "arn:aws:iam::123456789012:user/*/", (37).
const PROTECTED_ARN_OVERHEAD = 37;
/** Budget of the protected-names Deny inside a role's 10,240-character inline policy limit. */
export const MAX_PROTECTED_NAMES_POLICY_CHARS = 4000;

/** The only IAM actions granted on "*": read-only, and IAM offers no resource-level permission for them. */
export const CREDENTIAL_REPORT_ACTIONS = ['iam:GenerateCredentialReport', 'iam:GetCredentialReport'] as const;

export interface ManagedUserAccessProps {
  /** The managed-user selector and the protected users of the config. */
  readonly config: Pick<LifecycleConfig, 'managedUsers' | 'protectedUsers'>;
  /**
   * User names protected beyond the config: the automation's own IAM users, if it has any.
   * @default []
   */
  readonly automationUserNames?: readonly string[];
}

/** The IAM actions that add or remove user tags. */
export type IamTaggingAction = 'iam:TagUser' | 'iam:UntagUser';

export interface IamUserAccess {
  /** Read actions (Get, List), allowed on the managed path. */
  readonly read?: readonly string[];
  /** Write actions, allowed on the managed path and, when configured, the managed tag. */
  readonly write?: readonly string[];
  /**
   * Tagging limited to a fixed set of tag keys (`aws:TagKeys`), in a statement of its own with the
   * same resource scope and write conditions as `write`. User tags can grant access (ABAC policies
   * read `aws:PrincipalTag`), so a role that only ever sets its own bookkeeping tags gets only those.
   * The actions listed here must not also be in `write`.
   */
  readonly limitedTagging?: {
    readonly actions: readonly IamTaggingAction[];
    readonly tagKeys: readonly string[];
  };
  /**
   * Write actions allowed only under an extra condition, each in a statement of its own with the
   * same resource scope and write conditions as `write` (e.g. iam:AttachUserPolicy only for the
   * stack's deny policy: `{ ArnEquals: { 'iam:PolicyARN': [arn] } }`). An action listed here must
   * not also be in `write`, or the condition would mean nothing.
   */
  readonly conditionalWrites?: readonly ConditionalWrite[];
  /**
   * Also allow iam:GetUser and iam:ListUserTags on every user, so a step that is handed a user name
   * can tell "outside the managed path" (refused with a reason) from "does not exist", instead of
   * failing with AccessDenied. Read-only; the protection Deny statements still apply.
   * @default false
   */
  readonly identifyAnyUser?: boolean;
}

export interface ConditionalWrite {
  /** Statement id (unique within the role's policy), e.g. `AttachDenyPolicyOnly`. */
  readonly sid: string;
  readonly actions: readonly string[];
  readonly conditions: Readonly<Record<string, Record<string, unknown>>>;
}

/**
 * What gets the statements: a Lambda role (single-account mode, the hub), or a member account's
 * policy for one hub step (infra/organization/member-stack.ts). Acknowledgements go on it.
 */
export type GrantTarget = iam.IGrantable & IConstruct;

/** Group membership actions; IAM authorizes them on the group's ARN. */
export type GroupMembershipAction = 'iam:AddUserToGroup' | 'iam:RemoveUserFromGroup';

export class ManagedUserAccess {
  /** `arn:<partition>:iam::<account>:user<pathPrefix>*`: every user under the managed path. */
  readonly managedUserArns: readonly string[];
  /** Both ARN forms of each protected name: `user/<name>` (path "/") and `user/*\/<name>` (any other path). */
  readonly protectedUserArns: readonly string[];
  /** Condition every IAM write carries (the managed tag), or undefined when no tag is configured. */
  readonly writeConditions?: Readonly<Record<string, Record<string, string>>>;
  /** The protected tag key: writes on users carrying it are denied. */
  readonly protectedTagKey: string;
  /** `arn:<partition>:iam::<account>:group/*`: every group, whatever its path (groups cannot be tagged). */
  readonly groupArns: readonly string[];
  /** `arn:<partition>:iam::<account>:mfa/*`: every virtual MFA device (their names are chosen by people). */
  readonly virtualMfaDeviceArns: readonly string[];

  private readonly stack: Stack;
  private readonly protectedRoles = new WeakSet<iam.IPrincipal>();

  constructor(scope: Construct, props: ManagedUserAccessProps) {
    this.stack = Stack.of(scope);
    const { managedUsers, protectedUsers } = props.config;
    // pathPrefix starts and ends with "/" (validated), so "/" -> user/*, "/bots/" -> user/bots/*.
    this.managedUserArns = [this.userArn(`${managedUsers.pathPrefix.slice(1)}*`)];

    const names = [...new Set([...protectedUsers.userNames, ...(props.automationUserNames ?? [])])].sort();
    // Each name costs two ARNs in every role's policy, and a role's inline policies share 10,240
    // characters. Past a few dozen names the deploy would fail; the protected tag scales instead.
    const namesCost = names.reduce((sum, name) => sum + 2 * (PROTECTED_ARN_OVERHEAD + name.length), 0);
    if (namesCost > MAX_PROTECTED_NAMES_POLICY_CHARS) {
      throw new ConfigError([
        `protectedUsers.userNames has too many names for an IAM policy (${names.length} names, about ${namesCost} ` +
          `characters in every role's policy; at most ${MAX_PROTECTED_NAMES_POLICY_CHARS}). Tag those users with ` +
          `"${protectedUsers.tagKey}" instead`,
      ]);
    }
    // User names are unique in an account whatever the path, but the ARN contains the path:
    // user/<name> matches path "/", user/*/<name> matches every longer path.
    this.protectedUserArns = names.flatMap((name) => [this.userArn(name), this.userArn(`*/${name}`)]);
    this.protectedTagKey = protectedUsers.tagKey;
    this.groupArns = [this.iamArn('group', '*')];
    this.virtualMfaDeviceArns = [this.iamArn('mfa', '*')];

    const tag = managedUsers.tag;
    if (tag) {
      this.writeConditions =
        tag.value !== undefined
          ? { StringEquals: { [`iam:ResourceTag/${tag.key}`]: tag.value } }
          : { Null: { [`iam:ResourceTag/${tag.key}`]: 'false' } };
    }
  }

  /**
   * Grants IAM actions on managed users, and adds the protection Deny statements to the role (once).
   * Read actions must not be writes, and the other way round: a write never escapes the tag condition.
   */
  grant(role: GrantTarget, access: IamUserAccess): void {
    const principal = role.grantPrincipal;
    // One grant per role keeps one ReadManagedUsers and one WriteManagedUsers statement (unique Sids).
    if (this.protectedRoles.has(principal))
      throw new Error('ManagedUserAccess.grant: grant each role once, with all its actions');
    const read = [...(access.read ?? [])];
    const write = [...(access.write ?? [])];
    const tagging = [...(access.limitedTagging?.actions ?? [])];
    for (const action of [...read, ...write, ...tagging]) {
      if (!/^iam:[A-Za-z]+$/.test(action)) throw new Error(`ManagedUserAccess grants exact IAM actions only, not "${action}"`);
    }
    const misfiledWrite = read.find(isIamWriteAction);
    if (misfiledWrite) throw new Error(`${misfiledWrite} is an IAM write action; grant it as a write`);
    const misfiledRead = write.find((action) => !isIamWriteAction(action));
    if (misfiledRead) throw new Error(`${misfiledRead} is not an IAM write action; grant it as a read`);
    const conditional = (access.conditionalWrites ?? []).flatMap((c) => [...c.actions]);
    for (const action of conditional) {
      if (!/^iam:[A-Za-z]+$/.test(action)) throw new Error(`ManagedUserAccess grants exact IAM actions only, not "${action}"`);
      if (!isIamWriteAction(action)) throw new Error(`${action} is not an IAM write action; grant it as a read`);
      if (write.includes(action)) throw new Error(`${action} is granted both with and without a condition; grant it once`);
    }
    for (const c of access.conditionalWrites ?? []) {
      if (c.actions.length === 0 || Object.keys(c.conditions).length === 0) {
        throw new Error(`ManagedUserAccess.grant: conditional write ${c.sid} needs actions and a condition`);
      }
    }
    const twice = tagging.find((action) => write.includes(action));
    if (twice) throw new Error(`${twice} is granted both with and without a tag-key limit; grant it once`);
    if (access.limitedTagging && (tagging.length === 0 || access.limitedTagging.tagKeys.length === 0)) {
      throw new Error('ManagedUserAccess.grant: limitedTagging needs at least one action and one tag key');
    }

    if (read.length > 0) {
      principal.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'ReadManagedUsers', actions: read, resources: [...this.managedUserArns] }),
      );
    }
    const anyUser = this.userArn('*');
    // With pathPrefix "/" the managed users are every user already.
    if (access.identifyAnyUser && !this.managedUserArns.includes(anyUser)) {
      principal.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'IdentifyAnyUser', actions: ['iam:GetUser', 'iam:ListUserTags'], resources: [anyUser] }),
      );
      acknowledge(role, {
        id: iam5Resource(role, anyUser),
        reason:
          'Read-only iam:GetUser and iam:ListUserTags on every user, so a step handed a user name outside the managed ' +
          'path refuses it with a reason (out of scope, protected) instead of failing with AccessDenied. No write or ' +
          'credential read is allowed outside the managed path.',
      });
    }
    if (write.length > 0) {
      principal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'WriteManagedUsers',
          actions: write,
          resources: [...this.managedUserArns],
          ...(this.writeConditions ? { conditions: { ...this.writeConditions } } : {}),
        }),
      );
    }
    for (const c of access.conditionalWrites ?? []) {
      principal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: c.sid,
          actions: [...c.actions],
          resources: [...this.managedUserArns],
          conditions: this.withWriteConditions(c.conditions),
        }),
      );
    }
    if (access.limitedTagging) {
      principal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'TagManagedUsers',
          actions: tagging,
          resources: [...this.managedUserArns],
          conditions: this.withWriteConditions({
            'ForAllValues:StringEquals': { 'aws:TagKeys': [...access.limitedTagging.tagKeys] },
            // ForAllValues is also true for a request without tag keys; TagUser and UntagUser always send some.
            Null: { 'aws:TagKeys': 'false' },
          }),
        }),
      );
    }
    this.addProtection(principal);
    for (const arn of this.managedUserArns) {
      acknowledge(role, {
        id: iam5Resource(role, arn),
        reason:
          'IAM users are scoped by path: user<managedUsers.pathPrefix>* is exactly the set of users this automation ' +
          'manages (config). IAM writes additionally require the managed tag when one is configured, and protected ' +
          'users are denied explicitly in the same policy.',
      });
    }
  }

  /**
   * Adding users to and removing them from groups. IAM authorizes these two actions on the group
   * (the Service Authorization Reference lists only the `group` resource), so the managed-path scope,
   * the managed-tag condition and the protected-user Deny statements cannot limit *which user* is
   * added or removed: the code does (offboarding acts only on the user it validated at its start,
   * identified by its immutable id). Groups cannot be tagged, so no tag condition applies either.
   * Callers also list the actions in their user-scoped `grant`, which keeps the user scope and the
   * Deny statements in force should IAM ever evaluate the user as well.
   */
  grantGroupMembership(role: GrantTarget, actions: readonly GroupMembershipAction[]): void {
    this.requireGranted(role);
    role.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ChangeGroupMembership', actions: [...actions], resources: [...this.groupArns] }),
    );
    for (const arn of this.groupArns) {
      acknowledge(role, {
        id: iam5Resource(role, arn),
        reason:
          'Group membership of managed users: the groups come from the user (its snapshot, or its current groups at ' +
          'deletion), so they are only known at run time. IAM authorizes AddUserToGroup/RemoveUserFromGroup on the ' +
          'group ARN only; the offboarding acts only on the managed, unprotected user it validated at its start.',
      });
    }
  }

  /**
   * Deleting a virtual MFA device after it was deactivated from a managed user. Device ARNs are
   * `mfa/<name>` with a name chosen by whoever created it, so they cannot be scoped to the user; IAM
   * refuses to delete a device that is still assigned, and deactivating it needs
   * iam:DeactivateMFADevice on the (managed, unprotected) user.
   */
  grantVirtualMfaDeletion(role: GrantTarget): void {
    this.requireGranted(role);
    role.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeleteVirtualMfaDevices',
        actions: ['iam:DeleteVirtualMFADevice'],
        resources: [...this.virtualMfaDeviceArns],
      }),
    );
    for (const arn of this.virtualMfaDeviceArns) {
      acknowledge(role, {
        id: iam5Resource(role, arn),
        reason:
          'Virtual MFA devices are named by whoever created them, not after the user, so the device of a user being ' +
          'deleted cannot be named in advance. Only iam:DeleteVirtualMFADevice is granted, and IAM refuses it for a ' +
          'device still assigned to a user; unassigning needs iam:DeactivateMFADevice on a managed, unprotected user.',
      });
    }
  }

  /**
   * The credential report (every user's key ages in one call). IAM only accepts "*" as the resource
   * of these two read-only actions; the report holds metadata, no secrets.
   */
  grantCredentialReport(role: GrantTarget): void {
    role.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'CredentialReport', actions: [...CREDENTIAL_REPORT_ACTIONS], resources: ['*'] }),
    );
    acknowledge(role, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only iam:GenerateCredentialReport and iam:GetCredentialReport are granted on "*": IAM defines no resource ' +
        'type for them, so "*" is the only accepted resource. Both are read-only; the report lists key ages and ' +
        'last-used dates, never secrets.',
    });
  }

  /** The protection statements, in policy (Deny) form; added to every role given IAM permissions. */
  protectionStatements(): iam.PolicyStatement[] {
    const statements: iam.PolicyStatement[] = [];
    if (this.protectedUserArns.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'DenyProtectedUserNames',
          effect: iam.Effect.DENY,
          // Deny with NotAction: everything on these users except the two reads above.
          notActions: [...PROTECTED_USER_READABLE_ACTIONS],
          resources: [...this.protectedUserArns],
        }),
      );
    }
    statements.push(
      new iam.PolicyStatement({
        sid: 'DenyWritesOnProtectedTag',
        effect: iam.Effect.DENY,
        actions: [...IAM_WRITE_ACTION_PATTERNS],
        resources: ['*'],
        conditions: { Null: { [`iam:ResourceTag/${this.protectedTagKey}`]: 'false' } },
      }),
    );
    return statements;
  }

  private addProtection(principal: iam.IPrincipal): void {
    if (this.protectedRoles.has(principal)) return;
    this.protectedRoles.add(principal);
    for (const statement of this.protectionStatements()) principal.addToPrincipalPolicy(statement);
  }

  /** The group and MFA grants come on top of a user grant, which brings the Deny statements. */
  private requireGranted(role: GrantTarget): void {
    if (!this.protectedRoles.has(role.grantPrincipal)) {
      throw new Error('ManagedUserAccess: grant(role, ...) the user actions first (it adds the protection Deny statements)');
    }
  }

  /** The write conditions (managed tag) merged with `extra`, operator by operator. */
  private withWriteConditions(extra: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
    const merged: Record<string, Record<string, unknown>> = {};
    for (const source of [this.writeConditions ?? {}, extra]) {
      for (const [operator, entries] of Object.entries(source)) merged[operator] = { ...merged[operator], ...entries };
    }
    return merged;
  }

  private userArn(resourceName: string): string {
    return this.iamArn('user', resourceName);
  }

  private iamArn(resource: string, resourceName: string): string {
    return this.stack.formatArn({
      service: 'iam',
      region: '',
      resource,
      resourceName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }
}
