/**
 * The customer managed KMS key of the per-user secrets (`<secretPrefix>/<userName>`), and the grants
 * on those secrets. The key policy does not delegate use of the key to identity policies: it can
 * encrypt and decrypt only through Secrets Manager, for secrets under the prefix, for callers in
 * this account; the account root administers it without any usage action. Who may read a secret is
 * decided by the secret's own resource policy (functions/shared/secret-access.ts), written by the
 * store: a workload reads its secret by being listed as a reader (config `secretReaders`) and
 * holding secretsmanager:GetSecretValue on it; no kms permission in its identity policy is needed.
 */
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { GrantTarget } from './managed-user-access';
import { SECRET_TAG_KEYS } from '../../functions/shared/secret-store';
import { acknowledge, iam5Resource } from '../nag';

export interface SecretsKeyProps {
  /** `secretPrefix` of the config: secrets are named `<secretPrefix>/<userName>`. */
  readonly secretPrefix: string;
  /**
   * What happens to the key when the stack is deleted. Deleting it would make every stored access
   * key unreadable, so it stays unless you say otherwise.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Tags the secret store puts on the secrets it writes (functions/shared/secret-store.ts). */
export { SECRET_TAG_KEYS } from '../../functions/shared/secret-store';

/** Key administration, for the account root (so the key can be managed), without any usage action. */
export const KEY_ADMIN_ACTIONS: readonly string[] = [
  'kms:Describe*',
  'kms:List*',
  'kms:Get*',
  'kms:Enable*',
  'kms:Disable*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Delete*',
  'kms:CreateAlias',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];

/** What Secrets Manager calls on a caller's behalf to encrypt (store) and decrypt (read) a secret. */
export const KEY_USE_ACTIONS: readonly string[] = ['kms:GenerateDataKey', 'kms:Decrypt'];

export class SecretsKey extends Construct {
  /** The key (automatic rotation on). */
  readonly key: kms.Key;
  /** ARN pattern of the managed secrets: `arn:...:secretsmanager:<region>:<account>:secret:<prefix>/*`. */
  readonly secretArnPattern: string;

  constructor(scope: Construct, id: string, props: SecretsKeyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Secrets Manager appends "-" and six random characters to every secret ARN, hence the wildcard.
    this.secretArnPattern = stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${props.secretPrefix}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.key = new kms.Key(this, 'Key', {
      description: `iam-user-lifecycle: encrypts the access keys stored in Secrets Manager under ${props.secretPrefix}/`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AdministerWithoutUse',
            principals: [new iam.AccountRootPrincipal()],
            actions: [...KEY_ADMIN_ACTIONS],
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            sid: 'UseOnlyThroughSecretsManagerForManagedSecrets',
            principals: [new iam.AnyPrincipal()],
            actions: [...KEY_USE_ACTIONS],
            resources: ['*'],
            conditions: {
              StringEquals: {
                'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com`,
                'kms:CallerAccount': stack.account,
              },
              StringLike: { 'kms:EncryptionContext:SecretARN': this.secretArnPattern },
            },
          }),
        ],
      }),
    });
  }

  /**
   * Create or update the per-user secrets: DescribeSecret, GetResourcePolicy, PutSecretValue;
   * CreateSecret only with this key; TagResource only with the store's own tag keys;
   * PutResourcePolicy only with BlockPublicPolicy. No GetSecretValue and no KMS statement: the store
   * tells which key is stored from metadata, and the key policy lets Secrets Manager encrypt.
   */
  grantStore(role: GrantTarget): void {
    const principal = role.grantPrincipal;
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StoreManagedSecrets',
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy', 'secretsmanager:PutSecretValue'],
        resources: [this.secretArnPattern],
      }),
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ProtectManagedSecrets',
        actions: ['secretsmanager:PutResourcePolicy'],
        resources: [this.secretArnPattern],
        conditions: { Bool: { 'secretsmanager:BlockPublicPolicy': 'true' } },
      }),
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CreateManagedSecretsWithOwnKey',
        actions: ['secretsmanager:CreateSecret'],
        resources: [this.secretArnPattern],
        conditions: { StringEquals: { 'secretsmanager:KmsKeyArn': this.key.keyArn } },
      }),
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TagManagedSecrets',
        actions: ['secretsmanager:TagResource'],
        resources: [this.secretArnPattern],
        conditions: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [...SECRET_TAG_KEYS] } },
      }),
    );
    this.acknowledgeSecretPattern(role);
  }

  /**
   * Whether a user's secret exists and is this stack's (DescribeSecret, GetResourcePolicy): metadata
   * and the resource policy, never the value.
   */
  grantInspect(role: GrantTarget): void {
    role.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InspectManagedSecrets',
        // ListSecretVersionIds: which keys any version names (version ids name keys), never a value.
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy', 'secretsmanager:ListSecretVersionIds'],
        resources: [this.secretArnPattern],
      }),
    );
    this.acknowledgeSecretPattern(role);
  }

  /** Whether a user's secret exists (DescribeSecret: metadata only, no value, no KMS). */
  grantDescribe(role: GrantTarget): void {
    role.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeManagedSecrets',
        actions: ['secretsmanager:DescribeSecret'],
        resources: [this.secretArnPattern],
      }),
    );
    this.acknowledgeSecretPattern(role);
  }

  /**
   * Delete a user's secret (offboarding), only with a recovery window of at least
   * `minRecoveryWindowDays`: a deletion can be undone (RestoreSecret) for that long, and a request
   * without a window (ForceDeleteWithoutRecovery) carries no `secretsmanager:RecoveryWindowInDays`,
   * so it is refused. No KMS permission: deleting does not decrypt.
   */
  grantDelete(role: GrantTarget, minRecoveryWindowDays = 7): void {
    role.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeleteManagedSecrets',
        actions: ['secretsmanager:DeleteSecret'],
        resources: [this.secretArnPattern],
        conditions: { NumericGreaterThanEquals: { 'secretsmanager:RecoveryWindowInDays': minRecoveryWindowDays } },
      }),
    );
    this.acknowledgeSecretPattern(role);
  }

  private acknowledgeSecretPattern(role: GrantTarget): void {
    acknowledge(role, {
      id: iam5Resource(role, this.secretArnPattern),
      reason:
        'One secret per managed user, named <secretPrefix>/<userName> and created at run time; Secrets Manager ' +
        'appends a random suffix to every secret ARN. The wildcard covers only secrets under the configured prefix.',
    });
  }
}
