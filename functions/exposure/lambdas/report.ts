/** Lambda entry of the exposure response's ReportExposure and NotifyOnly states: the topic and CloudTrail LookupEvents. */
import { keyActivityFor } from '../../shared/clients/cloudtrail';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeReportExposure } from '../steps/report';
import { exposureStepDeps } from './wiring';

const handler = once(() => {
  const rt = runtimeFromEnv();
  return makeReportExposure({ ...exposureStepDeps(rt), activity: keyActivityFor(rt) });
});

export const reportExposure: ReturnType<typeof makeReportExposure> = (event) => handler()(event);
