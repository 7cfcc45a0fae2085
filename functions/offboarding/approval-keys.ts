/** Where the two-person rule keeps its records (./approval.ts); SDK-free so the CDK app can import it. */

/** Root of the approval records in the records bucket: `approvals/<userName>/<id>/`. */
export const APPROVALS_ROOT = 'approvals/';

export function approvalKeys(userName: string, id: string) {
  const prefix = `${APPROVALS_ROOT}${userName}/${id}/`;
  return { prefix, request: `${prefix}request.json`, approval: `${prefix}approval.json` };
}
