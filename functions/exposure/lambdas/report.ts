/** Lambda entry of the exposure response's ReportExposure and NotifyOnly states: the topic and CloudTrail LookupEvents. */
import { keyActivityFor } from '../../shared/clients/cloudtrail';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeReportExposure } from '../steps/report';
import { exposureStep } from './wiring';

const handler = once(() =>
  exposureStep(runtimeFromEnv(), makeReportExposure, (_rt, scope) => ({ activity: keyActivityFor({ target: scope.target }) })),
);

export const reportExposure: ReturnType<typeof makeReportExposure> = (event) => handler()(event);
