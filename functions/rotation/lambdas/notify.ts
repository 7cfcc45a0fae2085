/**
 * Lambda entry of the rotation's NotifyStarted and NotifyFailed states: publishes to the topic and
 * nothing else, so it carries neither IAM, Step Functions nor Secrets Manager.
 */
import { notifierFor } from '../../shared/clients/sns';
import { makeLogger, once, runtimeFromEnv } from '../../shared/runtime';
import { makeNotify } from '../steps/notify';

const logger = makeLogger('key-rotation');
const handler = once(() => makeNotify({ notifier: notifierFor(runtimeFromEnv()), logger }));

export const notify: ReturnType<typeof makeNotify> = (event) => handler()(event);
