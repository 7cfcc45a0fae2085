/**
 * The customer managed KMS key of the per-user secrets (`<secretPrefix>/<userName>`), and the grants
 * on those secrets. Secrets Manager uses the key on the caller's behalf, so every KMS permission here
 * is limited to calls made through Secrets Manager for secrets under the prefix. Workloads that read
 * their secret need secretsmanager:GetSecretValue on it and kms:Decrypt on this key (outside this
 * stack: the key policy delegates to IAM in this account).
 */
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
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

export class SecretsKey extends Construct {
  /** The key (automatic rotation on). */
  readonly key: kms.Key;
  /** ARN pattern of the managed secrets: `arn:...:secretsmanager:<region>:<account>:secret:<prefix>/*`. */
  readonly secretArnPattern: string;

  constructor(scope: Construct, id: string, props: SecretsKeyProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: `iam-user-lifecycle: encrypts the access keys stored in Secrets Manager under ${props.secretPrefix}/`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Secrets Manager appends "-" and six random characters to every secret ARN, hence the wildcard.
    this.secretArnPattern = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${props.secretPrefix}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** Read the stored key (GetSecretValue) and decrypt it. */
  grantRead(role: iam.IRole): void {
    const principal = role.grantPrincipal;
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadManagedSecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.secretArnPattern],
      }),
    );
    principal.addToPrincipalPolicy(this.keyStatement('DecryptManagedSecrets', ['kms:Decrypt']));
    this.acknowledgeSecretPattern(role);
  }

  /**
   * Create or update the per-user secrets: DescribeSecret, GetSecretValue, PutSecretValue; CreateSecret
   * only with this key; TagResource only with the store's own tag keys; KMS data keys for encryption.
   */
  grantStore(role: iam.IRole): void {
    const principal = role.grantPrincipal;
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StoreManagedSecrets',
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        resources: [this.secretArnPattern],
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
    principal.addToPrincipalPolicy(this.keyStatement('EncryptManagedSecrets', ['kms:GenerateDataKey', 'kms:Decrypt']));
    this.acknowledgeSecretPattern(role);
  }

  /** Whether a user's secret exists (DescribeSecret: metadata only, no value, no KMS). */
  grantDescribe(role: iam.IRole): void {
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
  grantDelete(role: iam.IRole, minRecoveryWindowDays = 7): void {
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

  private acknowledgeSecretPattern(role: iam.IRole): void {
    acknowledge(role, {
      id: iam5Resource(role, this.secretArnPattern),
      reason:
        'One secret per managed user, named <secretPrefix>/<userName> and created at run time; Secrets Manager ' +
        'appends a random suffix to every secret ARN. The wildcard covers only secrets under the configured prefix.',
    });
  }

  private keyStatement(sid: string, actions: string[]): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid,
      actions,
      resources: [this.key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:SecretARN': this.secretArnPattern },
      },
    });
  }
}
