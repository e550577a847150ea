/**
 * The GPUs candidate NIMs may hold at once, shared by every flywheel run in the cluster, and the
 * one-run-per-(workload, client) lock. In the cluster both live in Redis (`redis-budget.ts`), with
 * leases a dead job stops refreshing; offline, in this process (`in-process-budget.ts`).
 */

export interface HoldOptions {
  readonly signal: AbortSignal;
  /** Give up after this long. */
  readonly waitMs: number;
  /** Who holds it, for messages (e.g. the run id and the model). */
  readonly holder: string;
  /** Called when the hold is lost while held (its lease expired): the holder must stop using what it guards. */
  readonly onLost: (error: Error) => void;
}

/** Something held that must be given back, also when the holder fails. Releasing twice is harmless. */
export interface Held {
  release(): Promise<void>;
}

export interface GpuBudget {
  /** For messages, e.g. `Redis semaphore flywheel:gpu-budget (8 GPUs)`. */
  readonly description: string;
  readonly totalGpus: number;
  /** Waits until `gpus` GPUs are free and holds them; rejects with GpuBudgetTimeout after `waitMs`, or with the signal's reason. */
  hold(gpus: number, options: HoldOptions): Promise<Held>;
}

export interface RunLocks {
  /** Takes the pair's lock, waiting up to `waitMs`; undefined when another run kept it. */
  lock(workloadId: string, clientId: string, options: HoldOptions): Promise<Held | undefined>;
}

/** No GPUs came free within the wait. */
export class GpuBudgetTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GpuBudgetTimeout";
  }
}

/** The lease on held GPUs or on the run lock expired (the holder could not refresh it in time). */
export class LeaseLost extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LeaseLost";
  }
}
