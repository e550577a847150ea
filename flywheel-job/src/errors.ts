/**
 * Exit codes of the `flywheel` CLI: the one place they are defined. The CronJob's podFailurePolicy
 * matches on them, so a deterministic failure fails the Job at once instead of being retried by
 * `backoffLimit`, and a transient one is retried.
 *
 * | code | meaning | retried by the Job |
 * |---|---|---|
 * | 0 | success | — |
 * | 1 | internal error (a bug) | yes |
 * | 2 | usage or configuration error: a bad flag, config file, log file or environment variable, or a request a NeMo service or the Kubernetes API refused (4xx) | no |
 * | 3 | not enough data: no logs for the workload, too few records, `evalSize` too large | no |
 * | 4 | the run was cancelled (`flywheel runs cancel`) | no |
 * | 5 | a verification failed: `flywheel verify serving` found a model that did not answer as promoted, `flywheel verify platform` a check that failed, or `flywheel restore-check` found no snapshot to restore or counts that do not match | no |
 * | 75 | transient failure: a service was unavailable or timed out (for `flywheel verify platform`: every failed check failed because the Kubernetes API did not answer), or the run lock was held or lost (EX_TEMPFAIL) | yes |
 * | 130, 143 | stopped by SIGINT / SIGTERM (128 + signal number), after cleaning up | by the pod's disruption rules |
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  insufficientData: 3,
  cancelled: 4,
  verificationFailed: 5,
  transient: 75,
  interrupted: 130,
  terminated: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as a readable message (no stack trace) with a specific exit code. */
export abstract class FlywheelError extends Error {
  abstract readonly exitCode: ExitCodeValue;
  /** Lines printed after the message, e.g. one per configuration problem. */
  readonly details: readonly string[];

  constructor(message: string, details: readonly string[] = []) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** A bad command line, configuration file, log file or environment variable. */
export class UsageError extends FlywheelError {
  readonly exitCode = ExitCode.usage;
}

/** The logs do not hold enough usable records for a run. Retrying cannot help. */
export class InsufficientDataError extends FlywheelError {
  readonly exitCode = ExitCode.insufficientData;
}

/** A service the job depends on was unavailable; a later attempt may succeed. */
export class TransientError extends FlywheelError {
  readonly exitCode = ExitCode.transient;
}

/** What an error says, for a message: its `message`, or the thrown value as text when it is not an Error. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A thrown value that is not an Error (a string a library threw, a signal's non-Error abort reason),
 * carried in one so that what is thrown is always an Error. Its message is the value as text, what
 * `messageOf` said of the value itself.
 */
export class ThrownValue extends Error {
  constructor(readonly value: unknown) {
    super(String(value));
    this.name = "ThrownValue";
  }
}

/**
 * A thrown value as an Error: the value itself when it is one, from this realm or another (Node's
 * DOMException is not an instance of Jest's Error), else a ThrownValue carrying it.
 */
export function asError(value: unknown): Error {
  return isErrorLike(value) ? value : new ThrownValue(value);
}

function isErrorLike(value: unknown): value is Error {
  return value instanceof Error || (typeof value === "object" && value !== null && "name" in value && typeof value.name === "string" && "message" in value && typeof value.message === "string");
}
