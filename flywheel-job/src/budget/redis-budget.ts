import type { Redis } from "ioredis";
import { MultiSemaphore, Mutex, TimeoutError } from "redis-semaphore";
import { type GpuBudget, GpuBudgetTimeout, type Held, type HoldOptions, LeaseLost, type RunLocks } from "./gpu-budget";

export interface RedisLeaseSettings {
  /** A hold expires this long after its last refresh (a job that dies stops refreshing). */
  readonly leaseMs: number;
  /** How often a waiting holder tries again. */
  readonly retryIntervalMs: number;
}

/** Redis key of the GPU budget (redis-semaphore prefixes it with `semaphore:`). */
export const gpuBudgetKey = "flywheel:gpu-budget";

/** Redis key of a pair's run lock (redis-semaphore prefixes it with `mutex:`). */
export function runLockKey(workloadId: string, clientId: string): string {
  return `flywheel:run:${encodeURIComponent(workloadId)}:${encodeURIComponent(clientId)}`;
}

/**
 * Lease options every hold uses: refreshed three times per lease so one slow refresh does not lose
 * it, and our own `onLockLost`: the library's default throws inside a timer, which would end the
 * process with an unhandled rejection instead of letting the holder stop cleanly.
 */
function leaseOptions(settings: RedisLeaseSettings, options: HoldOptions, what: string) {
  return {
    lockTimeout: settings.leaseMs,
    refreshInterval: Math.max(1, Math.floor(settings.leaseMs / 3)),
    acquireTimeout: options.waitMs,
    retryInterval: settings.retryIntervalMs,
    onLockLost: () => options.onLost(new LeaseLost(`${options.holder} lost its lease on ${what}: it was not refreshed within ${settings.leaseMs / 1000} s`)),
  };
}

/**
 * The cluster-wide GPU budget: a redis-semaphore MultiSemaphore whose limit is the budget and whose
 * permits are a candidate's GPUs, taken all at once or not at all. Every run in the cluster must use
 * the same budget (the stack passes one value to all of them).
 */
export class RedisGpuBudget implements GpuBudget {
  readonly description: string;

  constructor(
    private readonly redis: Redis,
    readonly totalGpus: number,
    private readonly settings: RedisLeaseSettings,
  ) {
    this.description = `Redis GPU budget ${gpuBudgetKey} (${totalGpus} GPUs)`;
  }

  async hold(gpus: number, options: HoldOptions): Promise<Held> {
    if (gpus > this.totalGpus) {
      throw new GpuBudgetTimeout(`${options.holder} needs ${gpus} GPUs, more than the budget's ${this.totalGpus}`);
    }
    const semaphore = new MultiSemaphore(this.redis, gpuBudgetKey, this.totalGpus, gpus, leaseOptions(this.settings, options, this.description));
    try {
      await semaphore.acquire(options.signal);
    } catch (error) {
      if (error instanceof TimeoutError) {
        throw new GpuBudgetTimeout(`${options.holder} waited ${Math.round(options.waitMs / 60_000)} min for ${gpus} GPUs of ${this.description}`);
      }
      throw options.signal.aborted ? options.signal.reason : error;
    }
    return { release: () => semaphore.release() };
  }
}

/** One run per (workload, client) across the cluster: a redis-semaphore Mutex with a lease. */
export class RedisRunLocks implements RunLocks {
  constructor(
    private readonly redis: Redis,
    private readonly settings: RedisLeaseSettings,
  ) {}

  async lock(workloadId: string, clientId: string, options: HoldOptions): Promise<Held | undefined> {
    const key = runLockKey(workloadId, clientId);
    const mutex = new Mutex(this.redis, key, leaseOptions(this.settings, options, `the run lock ${key}`));
    try {
      if (!(await mutex.tryAcquire(options.signal))) {
        return undefined;
      }
    } catch (error) {
      throw options.signal.aborted ? options.signal.reason : error;
    }
    return { release: () => mutex.release() };
  }
}
