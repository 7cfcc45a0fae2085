/**
 * The exposure response's steps (one file each under ./steps); ./lambdas/* wire each to its deployed
 * Lambda and the local runner binds the same functions to the Task states of
 * statemachines/exposure.asl.json. CreateAndStoreKey is the rotation's own create-and-store, run
 * under this workflow's safety check.
 */
import type { KeyActivitySource } from '../shared/cloudtrail';
import type { SecretStore } from '../shared/secret-store';
import { makeAssess } from './steps/assess';
import { makeContain, type ContainDeps } from './steps/contain';
import { makeExposureCreateAndStore } from './steps/create-and-store';
import { makeDeactivateExposedKey } from './steps/deactivate';
import { makeDeleteExposedKey } from './steps/delete';
import { makeNotifyExposureFailed, makeReportExposure } from './steps/report';

export interface ExposureHandlerDeps extends ContainDeps {
  readonly secrets: SecretStore;
  readonly activity: KeyActivitySource;
}

export function makeExposureHandlers(deps: ExposureHandlerDeps) {
  return {
    assess: makeAssess(deps),
    contain: makeContain(deps),
    createAndStore: makeExposureCreateAndStore(deps),
    deactivateExposedKey: makeDeactivateExposedKey(deps),
    reportExposure: makeReportExposure(deps),
    deleteExposedKey: makeDeleteExposedKey(deps),
    notifyFailed: makeNotifyExposureFailed(deps),
  };
}

export type ExposureHandlers = ReturnType<typeof makeExposureHandlers>;

/** Task state name in exposure.asl.json -> step. */
export function exposureTaskBindings(handlers: ExposureHandlers) {
  return {
    Assess: handlers.assess,
    Contain: handlers.contain,
    CreateAndStoreKey: handlers.createAndStore,
    DeactivateExposedKey: handlers.deactivateExposedKey,
    ReportExposure: handlers.reportExposure,
    NotifyOnly: handlers.reportExposure,
    DeleteExposedKey: handlers.deleteExposedKey,
    NotifyFailed: handlers.notifyFailed,
  };
}
