/** How the CLI prints an offboarding and a user's status (text mode). */
import type { OffboardingStatus } from '../offboarding/service';
import type { userStatus } from './offboard';

export function formatOffboarding(s: OffboardingStatus): string {
  const lines = [`offboarding of ${s.userName}: ${s.phase}${s.executionName ? ` (${s.executionName})` : ''}`];
  if (s.reason) lines.push(`  reason: ${s.reason}${s.requestedBy ? `, requested by ${s.requestedBy}` : ''}`);
  if (s.disabledAt) lines.push(`  disabled at ${s.disabledAt}; deletion due ${s.deleteAfter ?? 'unknown'}`);
  if (s.disabled) {
    const d = s.disabled;
    const ids = (label: string, values: readonly string[]) => (values.length > 0 ? [`${label} ${values.join(', ')}`] : []);
    const parts = [
      ...(d.consolePasswordDeleted ? ['console password deleted'] : []),
      ...ids('access keys', d.accessKeyIds),
      ...ids('SSH keys', d.sshPublicKeyIds),
      ...ids('signing certificates', d.signingCertificateIds),
      ...ids('service credentials', d.serviceSpecificCredentialIds),
      `deny policy ${d.denyPolicyArn} attached`,
    ];
    lines.push(`  disabled: ${parts.join('; ')}`);
  }
  if (s.reenabledCount) lines.push(`  re-enabled and disabled again ${s.reenabledCount} time(s)`);
  if (s.deletedAt) lines.push(`  user deleted at ${s.deletedAt}; final record ${s.finalRecordKey ?? ''}`);
  if (s.cancel) lines.push(`  cancelled: ${JSON.stringify(s.cancel)}`);
  if (s.error) lines.push(`  error: ${s.error.name ?? ''} ${s.error.cause ?? ''}`);
  return lines.join('\n');
}

export function formatStatus(status: Awaited<ReturnType<typeof userStatus>>): string {
  const lines: string[] = [];
  const u = status.user;
  if (u) {
    lines.push(`${u.userName} (${u.path}): ${u.management.kind}${u.management.why ? ` - ${u.management.why}` : ''}`);
    for (const k of u.accessKeys) {
      lines.push(
        `  key ${k.accessKeyId} ${k.status}, ${k.ageDays} days old, last used ${k.lastUsedAt ?? 'never'}${k.isSecretCurrent ? ', in the secret (AWSCURRENT)' : ''}`,
      );
    }
    lines.push(`  secret ${u.secret.name}: ${u.secret.currentAccessKeyId ?? 'none'}`);
    for (const w of u.runningWorkflows) lines.push(`  running ${w.kind} ${w.executionName} since ${w.startedAt}`);
  }
  lines.push(formatOffboarding(status.offboarding));
  return lines.join('\n');
}
