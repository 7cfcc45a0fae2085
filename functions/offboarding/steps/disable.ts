/**
 * Step 3, Disable: attach the stack's deny policy, delete the console password, deactivate every
 * credential, tag the user. Never removes a grant (policies, groups and boundary stay until the
 * teardown). Its output records the exact ids it switched from Active to Inactive: a cancel
 * reactivates those and nothing else.
 */
import { ValidationError } from '../../shared/errors';
import {
  deactivatedIds,
  describeFinding,
  offboardingTags,
  recordKeys,
  scheduleObservation,
  usableCredentials,
  type CredentialState,
  type UserSnapshot,
} from '../domain';
import { disableCalls } from '../disable-plan';
import { OffboardingCancelledError } from '../errors';
import {
  requireState,
  type DecisionRecord,
  type DisabledItems,
  type DisableResult,
  type SnapshotRef,
  type StatusRecord,
  type OffboardingStepDeps,
  type StepContext,
  type StepInput,
} from './context';

/**
 * Switches off everything usable. The deny policy goes first: it cuts off live sessions at once.
 * Each action is attempted even if an earlier one failed (a failed attach must not keep keys
 * active); the first failure is thrown at the end, and a retry redoes whatever is still on.
 */
export async function switchOff(ctx: StepContext<OffboardingStepDeps>, userName: string, state: CredentialState): Promise<void> {
  const { iam } = ctx.deps;
  const failures: unknown[] = [];
  const attempt = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      failures.push(error);
    }
  };
  for (const call of disableCalls(state, ctx.denyPolicyArn())) {
    switch (call.op) {
      case 'AttachUserPolicy':
        await attempt(() => iam.attachPolicy(userName, call.id));
        break;
      case 'DeleteLoginProfile':
        await attempt(() => iam.deleteLoginProfile(userName));
        break;
      case 'UpdateAccessKey':
        await attempt(() => iam.setAccessKeyStatus(userName, call.id, call.status));
        break;
      case 'UpdateSSHPublicKey':
        await attempt(() => iam.setSshPublicKeyStatus(userName, call.id, call.status));
        break;
      case 'UpdateSigningCertificate':
        await attempt(() => iam.setSigningCertificateStatus(userName, call.id, call.status));
        break;
      case 'UpdateServiceSpecificCredential':
        await attempt(() => iam.setServiceCredentialStatus(userName, call.id, call.status));
        break;
    }
  }
  if (failures.length > 0) throw failures[0];
}

export function makeDisable(ctx: StepContext<OffboardingStepDeps>) {
  const { records, notifier, clock, logger } = ctx.deps;

  return async function disable(input: StepInput): Promise<DisableResult> {
    return ctx.step('disable', async () => {
      const denyPolicyArn = ctx.denyPolicyArn();
      const state = requireState(input?.state, 'disable');
      const { userName, executionName } = state;
      const { input: request } = await ctx.live(input.executionId, state);
      const timing = ctx.timingOf(request);
      // The snapshot as this execution's Snapshot step recorded it (history), verified by hash.
      const ref = await ctx.recorded<SnapshotRef>(executionName, 'Snapshot', 'snapshot');
      if (!ref) throw new ValidationError('disable needs the snapshot: nothing is changed before it is stored');
      const keys = recordKeys(userName, executionName);
      const snap = await records.getVerified<UserSnapshot>(ref.key === keys.snapshot ? ref.key : keys.snapshot, ref);
      const decision = await records.get<DecisionRecord>(keys.decision);
      if (decision?.decision === 'cancel') throw new OffboardingCancelledError(userName, executionName);
      await ctx.managedSameUser(userName, state.userId);

      const now = clock();
      const deleteAfter = new Date(now.getTime() + timing.observationSeconds * 1000);
      const before = await ctx.readCredentialState(userName);
      await switchOff(ctx, userName, before);
      const after = await ctx.readCredentialState(userName);
      const stillOn = usableCredentials(after);
      if (stillOn.length > 0) {
        // Someone switched something on between our calls; the retry (or the first check) catches it.
        logger.warn('credentials changed while disabling', { userName, findings: stillOn.map(describeFinding) });
      }
      const disabled: DisabledItems = {
        consolePasswordDeleted: snap.loginProfile !== undefined,
        accessKeyIds: after.accessKeys.map((k) => k.accessKeyId),
        sshPublicKeyIds: after.sshPublicKeys.map((k) => k.sshPublicKeyId),
        signingCertificateIds: after.signingCertificates.map((c) => c.certificateId),
        serviceSpecificCredentialIds: after.serviceSpecificCredentials.map((c) => c.serviceSpecificCredentialId),
        deactivated: deactivatedIds(after, before, snap),
        denyPolicyArn,
      };
      const tagged = await ctx.tagBestEffort(userName, offboardingTags('disabled', executionName, deleteAfter.toISOString()));
      const result: DisableResult = {
        disabledAt: now.toISOString(),
        deleteAfter: deleteAfter.toISOString(),
        firstCheckInSeconds: scheduleObservation(now, deleteAfter, timing.checkIntervalSeconds).nextCheckInSeconds || 1,
        disabled,
        tagged,
      };
      await records.put(keys.status, {
        ...ctx.baseStatus({ ...state, snapshot: ref, disable: result }),
        phase: 'disabled',
      } satisfies StatusRecord);
      await notifier.publish({
        type: 'offboarding.disabled',
        userName,
        executionName,
        disabledAt: result.disabledAt,
        deleteAfter: result.deleteAfter,
        consolePasswordDeleted: disabled.consolePasswordDeleted,
        accessKeyIds: disabled.accessKeyIds,
        sshPublicKeyIds: disabled.sshPublicKeyIds,
        signingCertificateIds: disabled.signingCertificateIds,
        serviceSpecificCredentialIds: disabled.serviceSpecificCredentialIds,
        deactivated: disabled.deactivated,
        denyPolicy: denyPolicyArn,
      });
      logger.info('user disabled', { userName, executionName, deleteAfter: result.deleteAfter });
      return result;
    });
  };
}
