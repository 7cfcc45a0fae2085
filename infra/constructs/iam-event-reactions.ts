/**
 * The CloudTrail reactions (issue 8, kinds 1-5): EventBridge rules on IAM's CloudTrail events for
 * the write calls on users, and one Lambda (functions/reactions/lambda.ts) with the offboarding
 * Disable role's permissions on managed users (plus, when configured, the grant removals of
 * `privilegeEscalated: "revert"`). IAM's CloudTrail events reach EventBridge in us-east-1 only: in
 * another region, infra/app.ts adds an IamEventForwarding stack there (below) sending them here.
 */
import { Duration, Fn, Lazy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { OFFBOARDING_TAG_KEYS } from '../../functions/offboarding/domain';
import type { LifecycleConfig } from '../../functions/shared/config';
import { CLOUDTRAIL_DETAIL_TYPE, IAM_EVENT_SOURCE, REACTION_EVENT_NAMES } from '../../functions/reactions/events';
import { applyAccountGrants, reactionsGrants } from './account-grants';
import { LifecycleFunction, type LifecycleFunctionSettings } from './lifecycle-function';
import type { ManagedUserAccess } from './managed-user-access';
import type { Notifications } from './notifications';
import type { Offboarding } from './offboarding';

export const REACTIONS_ENTRY = 'functions/reactions/lambda.ts';

/** Calls that matter only when they set something Active: filtered on requestParameters.status. */
export const STATUS_EVENT_NAMES = [
  'UpdateAccessKey',
  'UpdateSSHPublicKey',
  'UpdateSigningCertificate',
  'UpdateServiceSpecificCredential',
];

/** The two event patterns: failed calls never match; status changes only when set Active. */
export function reactionEventPatterns(): events.EventPattern[] {
  const base = { source: ['aws.iam'], detailType: [CLOUDTRAIL_DETAIL_TYPE] };
  const others = REACTION_EVENT_NAMES.filter((name) => !STATUS_EVENT_NAMES.includes(name));
  return [
    { ...base, detail: { eventSource: [IAM_EVENT_SOURCE], eventName: others, errorCode: [{ exists: false }] } },
    {
      ...base,
      detail: {
        eventSource: [IAM_EVENT_SOURCE],
        eventName: STATUS_EVENT_NAMES,
        errorCode: [{ exists: false }],
        requestParameters: { status: ['Active'] },
      },
    },
  ];
}

export interface IamEventReactionsProps {
  readonly functionSettings: LifecycleFunctionSettings;
  readonly config: LifecycleConfig;
  readonly userAccess: ManagedUserAccess;
  readonly notifications: Notifications;
  readonly offboarding: Offboarding;
  /** The stack's own roles: events they cause are ignored (loop safety). */
  readonly stackRoles: () => readonly iam.Role[];
}

export class IamEventReactions extends Construct {
  readonly function: LifecycleFunction;
  readonly rules: events.Rule[];

  constructor(scope: Construct, id: string, props: IamEventReactionsProps) {
    super(scope, id);
    const { offboarding, userAccess } = props;
    this.function = new LifecycleFunction(this, 'Function', {
      ...props.functionSettings,
      entry: REACTIONS_ENTRY,
      handler: 'handler',
      description: 'reactions: re-disable and notify on CloudTrail IAM events',
      timeout: Duration.seconds(60),
      extraEnvironment: {
        SNAPSHOT_BUCKET: offboarding.bucket.bucketName,
        OFFBOARDING_DENY_POLICY_ARN: offboarding.denyPolicy.managedPolicyArn,
      },
    });
    const fn = this.function;
    // The stack's roles (this one included) by unique id (21 characters each: the 4 KB of Lambda
    // environment would not hold every ARN), resolved at synth once every construct exists.
    fn.function.addEnvironment(
      'STACK_PRINCIPAL_IDS',
      Lazy.string({
        produce: () =>
          Fn.join(
            ',',
            props.stackRoles().map((r) => r.roleId),
          ),
      }),
    );

    // The same grants a member account's reactions role gets in organization mode (account-grants.ts).
    applyAccountGrants(
      fn.role,
      reactionsGrants({ config: props.config, denyPolicyArn: offboarding.denyPolicy.managedPolicyArn }),
      userAccess,
      undefined,
    );
    offboarding.grantRecordPatterns(
      fn.role,
      'ReactionRecords',
      ['reactions/events/*', 'offboarding/*/reenabled/*'],
      'Reaction records are keyed by the CloudTrail eventID (reactions/events/<eventID>.json) and by the offboarding ' +
        'they belong to (offboarding/<user>/<execution>/reenabled/<eventID>.json), known only at run time.',
    );
    props.notifications.grantPublish(fn.role);

    this.rules = reactionEventPatterns().map(
      (eventPattern, i) =>
        new events.Rule(this, i === 0 ? 'IamCallsRule' : 'IamStatusActiveRule', {
          description: 'iam-user-lifecycle: IAM write calls on users (CloudTrail) to the reactions',
          eventPattern,
          targets: [new targets.LambdaFunction(fn.function, { retryAttempts: 4, maxEventAge: Duration.hours(1) })],
        }),
    );
  }
}

/** Offboarding tags are what the reactions read to know an observation is running (documented here for the README). */
export const WATCHED_OFFBOARDING_TAGS = OFFBOARDING_TAG_KEYS;

export interface IamEventForwardingProps extends StackProps {
  /** The region of the main stack, whose default event bus receives the events. */
  readonly targetRegion: string;
}

/**
 * In us-east-1: the rule forwarding IAM's CloudTrail events (the reactions' patterns) to the main
 * region's default bus (cross-region event bus target, with the role EventBridge assumes).
 */
export class IamEventForwardingStack extends Stack {
  readonly rules: events.Rule[];

  constructor(scope: Construct, id: string, props: IamEventForwardingProps) {
    super(scope, id, {
      description: 'iam-user-lifecycle: forwards IAM CloudTrail events from us-east-1 to the main region',
      ...props,
    });
    const bus = events.EventBus.fromEventBusArn(
      this,
      'MainBus',
      `arn:${this.partition}:events:${props.targetRegion}:${this.account}:event-bus/default`,
    );
    const role = new iam.Role(this, 'ForwardRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: 'iam-user-lifecycle: EventBridge puts IAM events on the main region bus',
    });
    this.rules = reactionEventPatterns().map(
      (eventPattern, i) =>
        new events.Rule(this, i === 0 ? 'ForwardIamCalls' : 'ForwardIamStatusActive', {
          eventPattern,
          targets: [new targets.EventBus(bus, { role })],
        }),
    );
  }
}
