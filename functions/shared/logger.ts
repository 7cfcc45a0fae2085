/** Structured JSON logs (Powertools). Log user names and key ids; never a secret value. */
import { Logger } from '@aws-lambda-powertools/logger';

export function makeLogger(serviceName: string): Logger {
  return new Logger({ serviceName, logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO' });
}
