/** Lambda entry of Summarize (statemachines/organization-scan.asl.json): the topic only. */
import { notifierFor } from '../../shared/clients/sns';
import { once, runtimeFromEnv } from '../../shared/runtime';
import { makeSummarize } from '../summarize';
import { logger } from '../wiring';

const handler = once(() => {
  const rt = runtimeFromEnv();
  return makeSummarize({ notifier: notifierFor(rt), clock: rt.clock, logger });
});

export const summarizeOrganizationScan: ReturnType<typeof makeSummarize> = (event) => handler()(event);
