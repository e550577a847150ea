import { sleep } from "../waits/sleep";
import { type GpuBudget, GpuBudgetTimeout, type Held, type HoldOptions, type RunLocks } from "./gpu-budget";

interface Waiter {
  readonly gpus: number;
  readonly grant: () => void;
}

/**
 * The GPU budget of one process (an offline run without REDIS_URL): first come, first served, so a
 * large candidate is not starved by small ones behind it.
 */
export class InProcessGpuBudget implements GpuBudget {
  readonly description: string;
  private used = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly totalGpus: number) {
    this.description = `in-process GPU budget (${totalGpus} GPUs)`;
  }

  /** GPUs held right now. */
  get heldGpus(): number {
    return this.used;
  }

  async hold(gpus: number, options: HoldOptions): Promise<Held> {
    if (gpus > this.totalGpus) {
      throw new GpuBudgetTimeout(`${options.holder} needs ${gpus} GPUs, more than the budget's ${this.totalGpus}`);
    }
    if (this.waiters.length > 0 || this.used + gpus > this.totalGpus) {
      await this.queue(gpus, options);
    } else {
      this.used += gpus;
    }
    let released = false;
    return {
      release: () => {
        if (!released) {
          released = true;
          this.used -= gpus;
          this.grantWaiting();
        }
        return Promise.resolve();
      },
    };
  }

  private async queue(gpus: number, options: HoldOptions): Promise<void> {
    const waitEnded = new AbortController();
    let granted = false;
    const waiter: Waiter = {
      gpus,
      grant: () => {
        granted = true;
        waitEnded.abort();
      },
    };
    this.waiters.push(waiter);
    try {
      await sleep(options.waitMs, AbortSignal.any([options.signal, waitEnded.signal]));
    } catch (error) {
      if (!granted) {
        throw error;
      }
    } finally {
      if (!granted) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        this.grantWaiting();
      }
    }
    if (!granted) {
      throw new GpuBudgetTimeout(`${options.holder} waited ${Math.round(options.waitMs / 60_000)} min for ${gpus} GPUs of ${this.description}`);
    }
  }

  private grantWaiting(): void {
    for (let waiter = this.waiters.at(0); waiter !== undefined && this.used + waiter.gpus <= this.totalGpus; waiter = this.waiters.at(0)) {
      this.waiters.shift();
      this.used += waiter.gpus;
      waiter.grant();
    }
  }
}

/** One run per (workload, client) within this process. */
export class InProcessRunLocks implements RunLocks {
  private readonly held = new Set<string>();

  lock(workloadId: string, clientId: string): Promise<Held | undefined> {
    const key = JSON.stringify([workloadId, clientId]);
    if (this.held.has(key)) {
      return Promise.resolve(undefined);
    }
    this.held.add(key);
    return Promise.resolve({
      release: () => {
        this.held.delete(key);
        return Promise.resolve();
      },
    });
  }
}
