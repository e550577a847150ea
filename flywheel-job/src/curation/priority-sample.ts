import { createHash } from "node:crypto";
import { TopK } from "../collections/top-k";

/**
 * A uniform random sample of at most `size` distinct keys from a stream of any length, in O(size)
 * memory and independent of the stream's order (a "bottom-k" or priority sample).
 *
 * Each key gets a priority from a seeded hash, SHA-256(seed ‖ key), read as a 48-bit number; the
 * sample is the `size` keys with the smallest priorities (a top-k heap). Why it is uniform: the
 * priorities of distinct keys behave as independent uniform draws, so every set of `size` keys is
 * equally likely to hold the smallest ones (sampling without replacement). Why not a sequential PRNG
 * (reservoir sampling): the result would depend on the order records arrive in — ties in timestamps
 * can come back in any order — whereas here it depends only on the seed and the set of keys, and a
 * record that stays in the logs stays in the sample from one run to the next unless newer records
 * displace it.
 */
export class PrioritySample<T> {
  private readonly smallest: TopK<Priority, T>;
  private readonly seedBytes: Buffer;

  constructor(size: number, seed: number) {
    this.smallest = new TopK<Priority, T>(size, comesFirst);
    this.seedBytes = Buffer.alloc(4);
    this.seedBytes.writeUInt32BE(seed >>> 0);
  }

  /** Offers an item under a key that must be unique within this sample; `make` builds it only when it is kept. */
  offer(key: string, make: () => T): void {
    const rank = { priority: this.priorityOf(key), key };
    if (this.smallest.admits(rank)) {
      this.smallest.offer(rank, make());
    }
  }

  get length(): number {
    return this.smallest.size;
  }

  /** The sampled items, smallest priority first (a random order fixed by the seed). */
  items(): T[] {
    return this.smallest.sorted();
  }

  private priorityOf(key: string): number {
    return createHash("sha256").update(this.seedBytes).update(key).digest().readUIntBE(0, 6);
  }
}

interface Priority {
  readonly priority: number;
  readonly key: string;
}

/** Total order on priorities, smallest first; the key breaks the (2^-48-rare) tie. */
function comesFirst(a: Priority, b: Priority): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.key < b.key);
}
