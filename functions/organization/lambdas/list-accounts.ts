/**
 * PLACEHOLDER of the infrastructure slice (issue 9): the organization scan slice replaces this file
 * (same path, same export) with the real account listing. Deployed only in organization mode.
 */
export const listAccounts = (): Promise<{ accounts: { accountId: string }[] }> => {
  return Promise.reject(new Error('listAccounts is not implemented in this build'));
};
