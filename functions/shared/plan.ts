/** What a preview (`--dry-run`) answers: the outcome and the steps the real run would take, in order. */

/** `refused`: the command itself would refuse (exit 2); `blocked`: the workflow would start and refuse (exit 3). */
export type PlanOutcome = 'ready' | 'resume' | 'already-running' | 'approval-required' | 'refused' | 'blocked';

export interface PlanStep {
  /** The API call (or workflow step) this is, e.g. `CreateAccessKey`, `DeleteUserPolicy`. */
  readonly op: string;
  /** What it acts on: a key, certificate or credential id, a policy ARN or name, a group, a secret. */
  readonly id?: string;
  /** When it would happen (ISO); with `earliest`, it waits for a condition and this is the soonest. */
  readonly at?: string;
  readonly earliest?: boolean;
  /** Offboarding: the workflow phase of the step. */
  readonly phase?: 'snapshot' | 'disable' | 'observe' | 'delete';
  readonly detail: string;
}
