/**
 * What the rotation step Lambdas share: IAM, the topic, and the execution guard over Step Functions
 * (safety rule 8). Secrets Manager is added only by the entries whose step calls it.
 *
 * Organization mode: each step acts in the account its execution's input names (see
 * ../../shared/account-routing); that account's clients are built on first use and kept for the
 * container's life. Single-account mode builds one set, for the Lambda's own account.
 */
import type { AccountScope } from '../../shared/account-routing';
import { accountRoutedStep } from '../../shared/clients/account-step';
import { makeLogger, type Runtime } from '../../shared/runtime';
import type { RotationDeps, RotationStepDeps } from '../steps/context';

export const logger = makeLogger('key-rotation');

export type RotationAccountDeps = RotationStepDeps & Pick<RotationDeps, 'workflows' | 'accountId'>;

/**
 * One rotation step routed by account. `extra` adds what only some steps call (Secrets Manager),
 * built for the same account's scope.
 */
export function rotationStep<E, R, X extends object = object>(
  rt: Runtime,
  make: (deps: RotationAccountDeps & X) => (event: E) => Promise<R>,
  extra?: (rt: Runtime, scope: AccountScope, deps: RotationAccountDeps) => X,
): (event: E) => Promise<R> {
  return accountRoutedStep(rt, 'rotation', 'rotation', logger, (base, scope) =>
    make({ ...base, ...(extra ? extra(rt, scope, base) : ({} as X)) }),
  );
}
