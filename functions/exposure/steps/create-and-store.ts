/**
 * CreateAndStoreKey: the rotation's own create-and-store (never a third key, a key created but not
 * stored is found and deleted, the store is idempotent per execution), run under this workflow's
 * check: a live exposure execution for this user and key.
 */
import { makeCreateAndStoreWith } from '../../rotation/steps/create-and-store';
import type { SecretStore } from '../../shared/secret-store';
import { makeConfirm, type ExposureDeps, type ExposureState } from './context';

export function makeExposureCreateAndStore(deps: ExposureDeps & { readonly secrets: SecretStore }) {
  return makeCreateAndStoreWith<ExposureState>(deps, makeConfirm(deps));
}
