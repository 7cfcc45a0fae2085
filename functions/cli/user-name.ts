/** One user-name rule for every verb: IAM's own (functions/shared/scope.ts), checked before anything runs. */
import { isValidUserName } from '../shared/scope';
import { CliError } from './errors';

export function cliUserName(value: string): string {
  if (!isValidUserName(value)) {
    throw new CliError(
      `invalid user name ${JSON.stringify(value)}: IAM user names are 1-64 letters, digits and + = , . @ _ -; nothing was done, check the name`,
    );
  }
  return value;
}
