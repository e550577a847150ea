import { ExitCode, type ExitCodeValue, FlywheelError } from "../errors";

/** Why a run stopped before it finished. */
export type StopKind =
  /** `flywheel runs cancel`: the run's status was set to cancelled. */
  | "cancelled"
  /** SIGTERM (the pod is stopped) or SIGINT. */
  | "terminated"
  /** The run lock's lease expired: another run of the pair may have started, so this one must not go on. */
  | "lock-lost";

/** The reason a run's AbortSignal carries: every wait rejects with it, and the run closes accordingly. */
export class RunStopped extends Error {
  constructor(
    readonly kind: StopKind,
    message: string,
    /** For `terminated`: the signal. */
    readonly signalName?: "SIGTERM" | "SIGINT",
  ) {
    super(message);
    this.name = "RunStopped";
  }

  /** The exit code that tells the CronJob what happened (see errors.ts). */
  get exitCode(): ExitCodeValue {
    switch (this.kind) {
      case "cancelled":
        return ExitCode.cancelled;
      case "terminated":
        return this.signalName === "SIGINT" ? ExitCode.interrupted : ExitCode.terminated;
      case "lock-lost":
        return ExitCode.transient;
    }
  }
}

/** The run was stopped while it waited for its lock, before it had started anything. */
export class StoppedBeforeStart extends FlywheelError {
  readonly exitCode: ExitCodeValue;

  constructor(stop: RunStopped) {
    super(`stopped before the run started: ${stop.message}`);
    this.exitCode = stop.exitCode;
  }
}

/** The run's status after stopping this way: a lost lock is a failure, the rest a cancellation. */
export function statusAfter(stop: RunStopped): "cancelled" | "failed" {
  return stop.kind === "lock-lost" ? "failed" : "cancelled";
}
