/**
 * PLACEHOLDER of the infrastructure slice (issue 9): the organization scan slice replaces this file
 * (same path, same export) with the real per-account scan. Deployed only in organization mode.
 */
export const scanAccount = (event: { accountId: string }): Promise<never> => {
  return Promise.reject(new Error(`scanAccount is not implemented in this build (account ${event.accountId})`));
};
