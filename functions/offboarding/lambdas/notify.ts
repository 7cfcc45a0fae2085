/**
 * Lambda entry of the offboarding's NotifyFailed state: publishes to the topic and nothing else, so
 * it carries neither IAM, S3, Step Functions nor Secrets Manager.
 */
import { notifierFor } from '../../shared/clients/sns';
import { makeLogger, once, runtimeFromEnv } from '../../shared/runtime';
import { stepRunner } from '../steps/context';
import { makeNotify } from '../steps/notify';

const logger = makeLogger('offboarding');
const handler = once(() => makeNotify({ step: stepRunner(logger), deps: { notifier: notifierFor(runtimeFromEnv()) } }));

export const notify: ReturnType<typeof makeNotify> = (event) => handler()(event);
