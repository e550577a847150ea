import { createHash } from "node:crypto";

/**
 * A uniform random sample of at most `size` distinct keys from a stream of any length, in O(size)
 * memory and independent of the stream's order (a "bottom-k" or priority sample).
 *
 * Each key gets a priority from a seeded hash, SHA-256(seed ‖ key), read as a 48-bit number; the
 * sample is the `size` keys with the smallest priorities, kept in a max-heap. Why it is uniform: the
 * priorities of distinct keys behave as independent uniform draws, so every set of `size` keys is
 * equally likely to hold the smallest ones (sampling without replacement). Why not a sequential PRNG
 * (reservoir sampling): the result would depend on the order records arrive in — ties in timestamps
 * can come back in any order — whereas here it depends only on the seed and the set of keys, and a
 * record that stays in the logs stays in the sample from one run to the next unless newer records
 * displace it.
 */
export class PrioritySample<T> {
  private readonly heap: Array<{ readonly priority: number; readonly key: string; readonly item: T }> = [];
  private readonly seedBytes: Buffer;

  constructor(
    private readonly size: number,
    seed: number,
  ) {
    this.seedBytes = Buffer.alloc(4);
    this.seedBytes.writeUInt32BE(seed >>> 0);
  }

  /** Offers an item under a key that must be unique within this sample. */
  offer(key: string, item: T): void {
    if (this.size === 0) {
      return;
    }
    const entry = { priority: this.priorityOf(key), key, item };
    if (this.heap.length < this.size) {
      this.heap.push(entry);
      this.siftUp(this.heap.length - 1);
    } else if (before(entry, this.heap[0])) {
      this.heap[0] = entry;
      this.siftDown(0);
    }
  }

  get length(): number {
    return this.heap.length;
  }

  /** The sampled items, smallest priority first (a random order fixed by the seed). */
  items(): T[] {
    return [...this.heap].sort((a, b) => (before(a, b) ? -1 : 1)).map((entry) => entry.item);
  }

  private priorityOf(key: string): number {
    return createHash("sha256").update(this.seedBytes).update(key).digest().readUIntBE(0, 6);
  }

  private siftUp(index: number): void {
    const { heap } = this;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[parent], heap[index])) {
        break;
      }
      [heap[index], heap[parent]] = [heap[parent], heap[index]];
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const { heap } = this;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let largest = index;
      if (left < heap.length && before(heap[largest], heap[left])) {
        largest = left;
      }
      if (right < heap.length && before(heap[largest], heap[right])) {
        largest = right;
      }
      if (largest === index) {
        return;
      }
      [heap[index], heap[largest]] = [heap[largest], heap[index]];
      index = largest;
    }
  }
}

/** Total order on priorities; the key breaks the (2^-48-rare) tie. */
function before(a: { priority: number; key: string }, b: { priority: number; key: string }): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.key < b.key);
}
