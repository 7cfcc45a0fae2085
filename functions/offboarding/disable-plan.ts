/**
 * What Disable (and a re-disable during observation) calls, as data: one pure function decides the
 * calls and their order, switchOff (./steps/disable) executes them and the preview
 * (./preview) prints them, so the two cannot drift.
 */
import type { UserInventory } from '../shared/iam/records';
import { usableCredentials, type CredentialState } from './domain';

/** Named after the IAM API each one calls. */
export type DisableCall =
  | { readonly op: 'DeleteLoginProfile' }
  | { readonly op: 'UpdateAccessKey'; readonly id: string; readonly status: 'Inactive' }
  | { readonly op: 'UpdateSSHPublicKey'; readonly id: string; readonly status: 'Inactive' }
  | { readonly op: 'UpdateSigningCertificate'; readonly id: string; readonly status: 'Inactive' }
  | { readonly op: 'UpdateServiceSpecificCredential'; readonly id: string; readonly status: 'Inactive' }
  | { readonly op: 'AttachUserPolicy'; readonly id: string };

/**
 * Everything usable in `state` switched off. The deny policy goes first: it cuts off live sessions
 * at once, before the credentials one by one (then in the order usableCredentials finds them).
 */
export function disableCalls(state: CredentialState, denyPolicyArn: string): DisableCall[] {
  const findings = usableCredentials(state);
  const ordered = [...findings.filter((f) => f.kind === 'deny-policy'), ...findings.filter((f) => f.kind !== 'deny-policy')];
  return ordered.map((finding): DisableCall => {
    const id = finding.id ?? '';
    switch (finding.kind) {
      case 'deny-policy':
        return { op: 'AttachUserPolicy', id: denyPolicyArn };
      case 'login-profile':
        return { op: 'DeleteLoginProfile' };
      case 'access-key':
        return { op: 'UpdateAccessKey', id, status: 'Inactive' };
      case 'ssh-public-key':
        return { op: 'UpdateSSHPublicKey', id, status: 'Inactive' };
      case 'signing-certificate':
        return { op: 'UpdateSigningCertificate', id, status: 'Inactive' };
      case 'service-specific-credential':
        return { op: 'UpdateServiceSpecificCredential', id, status: 'Inactive' };
    }
  });
}

/** The credential state Disable reads, taken from a full inventory. */
export function credentialStateOf(inventory: UserInventory, denyPolicyArn: string): CredentialState {
  return {
    ...(inventory.loginProfile ? { loginProfile: inventory.loginProfile } : {}),
    accessKeys: inventory.accessKeys,
    sshPublicKeys: inventory.sshPublicKeys,
    signingCertificates: inventory.signingCertificates,
    serviceSpecificCredentials: inventory.serviceSpecificCredentials,
    denyPolicyAttached: inventory.attachedPolicies.some((p) => p.policyArn === denyPolicyArn),
  };
}

/** The inventory as it is once `calls` have run: what the teardown will find if nobody changes anything. */
export function inventoryAfter(inventory: UserInventory, calls: readonly DisableCall[]): UserInventory {
  const off = (op: DisableCall['op']) => new Set(calls.flatMap((c) => (c.op === op && 'id' in c ? [c.id] : [])));
  const keys = off('UpdateAccessKey');
  const ssh = off('UpdateSSHPublicKey');
  const certs = off('UpdateSigningCertificate');
  const service = off('UpdateServiceSpecificCredential');
  const attach = calls.flatMap((c) => (c.op === 'AttachUserPolicy' ? [c.id] : []));
  const { loginProfile, ...rest } = inventory;
  const deleteLogin = calls.some((c) => c.op === 'DeleteLoginProfile');
  return {
    ...rest,
    ...(loginProfile && !deleteLogin ? { loginProfile } : {}),
    accessKeys: inventory.accessKeys.map((k) => (keys.has(k.accessKeyId) ? { ...k, status: 'Inactive' } : k)),
    sshPublicKeys: inventory.sshPublicKeys.map((k) => (ssh.has(k.sshPublicKeyId) ? { ...k, status: 'Inactive' } : k)),
    signingCertificates: inventory.signingCertificates.map((c) =>
      certs.has(c.certificateId) ? { ...c, status: 'Inactive' } : c,
    ),
    serviceSpecificCredentials: inventory.serviceSpecificCredentials.map((c) =>
      service.has(c.serviceSpecificCredentialId) ? { ...c, status: 'Inactive' } : c,
    ),
    attachedPolicies: [
      ...inventory.attachedPolicies,
      ...attach
        .filter((arn) => !inventory.attachedPolicies.some((p) => p.policyArn === arn))
        .map((arn) => ({ policyArn: arn, policyName: arn.split('/').pop() ?? arn })),
    ],
  };
}
