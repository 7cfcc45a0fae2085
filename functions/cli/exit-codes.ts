/** The CLI's exit codes, defined once: main returns them, `--help` and the README list them. */
export const EXIT = {
  /** The command did what it was asked. */
  done: 0,
  /** Something failed (AWS, the endpoint, a workflow that ended FAILED/ABORTED/TIMED_OUT). */
  failed: 1,
  /** Refused or bad input (unknown flag, extra argument, invalid user name, a refusal): nothing was done. */
  refused: 2,
  /** The workflow ran and refused (it ended "blocked"): nothing was changed. */
  blocked: 3,
  /** Interrupted (Ctrl-C) while waiting. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table printed at the end of `iam-lifecycle --help`. */
export const EXIT_CODES_HELP = `Exit codes:
  ${EXIT.done}    done
  ${EXIT.failed}    failed (AWS, the endpoint, or the workflow failed)
  ${EXIT.refused}    refused or bad input; nothing was done
  ${EXIT.blocked}    blocked: the workflow ran and refused; nothing was changed
  ${EXIT.interrupted}  interrupted (Ctrl-C)`;
