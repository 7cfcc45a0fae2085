/**
 * What the exposure step Lambdas share: IAM, the topic, and the execution guard over Step Functions
 * (safety rule 8). Secrets Manager and CloudTrail are added only by the entries whose step calls them.
 *
 * Organization mode: each step acts in the account its execution's input names (see
 * ../../shared/account-routing), with that account's clients, built on first use and kept.
 */
import type { AccountScope } from '../../shared/account-routing';
import { accountRoutedStep } from '../../shared/clients/account-step';
import { makeLogger, type Runtime } from '../../shared/runtime';
import type { ExposureDeps } from '../steps/context';

export const logger = makeLogger('exposure-response');

/** One exposure step routed by account; `extra` adds what only some steps call (Secrets Manager, CloudTrail). */
export function exposureStep<E, R, X extends object = object>(
  rt: Runtime,
  make: (deps: ExposureDeps & X) => (event: E) => Promise<R>,
  extra?: (rt: Runtime, scope: AccountScope, deps: ExposureDeps) => X,
): (event: E) => Promise<R> {
  return accountRoutedStep(rt, 'exposure', 'exposure', logger, (base, scope) =>
    make({ ...base, ...(extra ? extra(rt, scope, base) : ({} as X)) }),
  );
}
