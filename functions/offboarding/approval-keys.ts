/** Where the two-person rule keeps its records (./approval.ts); SDK-free so the CDK app can import it. */

/** Root of the approval records in the records bucket: `approvals/<userName>/<id>/`. */
export const APPROVALS_ROOT = 'approvals/';

export function approvalKeys(userName: string, id: string) {
  const prefix = `${APPROVALS_ROOT}${userName}/${id}/`;
  return { prefix, request: `${prefix}request.json`, approval: `${prefix}approval.json` };
}

/** Principals are compared as IAM compares names: without regard to case. */
export function samePrincipal(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
