/**
 * Keeps the `capacity` newest items of a stream in a binary min-heap (the oldest kept item on top),
 * so reading an unsorted export holds at most `capacity` records. Items without a timestamp count as
 * oldest, like documents without the sort field in Elasticsearch. Ties are broken by arrival: a later
 * line of an export was written later, so it counts as newer.
 */
export class NewestFirstBuffer<T> {
  private readonly heap: Array<{ readonly time: number; readonly order: number; readonly item: T }> = [];
  private arrivals = 0;

  constructor(private readonly capacity: number) {}

  /** Offers an item; `make` builds it only when it is kept, so rejected items cost nothing. */
  offer(timestamp: number | undefined, make: () => T): void {
    const key = { time: timestamp ?? -Infinity, order: this.arrivals++ };
    if (this.heap.length < this.capacity) {
      this.heap.push({ ...key, item: make() });
      this.siftUp(this.heap.length - 1);
    } else if (this.capacity > 0 && isOlder(this.heap[0], key)) {
      this.heap[0] = { ...key, item: make() };
      this.siftDown(0);
    }
  }

  get size(): number {
    return this.heap.length;
  }

  /** The kept items, newest first. Empties the buffer. */
  drain(): T[] {
    const entries = this.heap.splice(0, this.heap.length);
    entries.sort((a, b) => (isOlder(a, b) ? 1 : -1));
    return entries.map((e) => e.item);
  }

  private siftUp(index: number): void {
    const { heap } = this;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!isOlder(heap[index], heap[parent])) {
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
      let oldest = index;
      if (left < heap.length && isOlder(heap[left], heap[oldest])) {
        oldest = left;
      }
      if (right < heap.length && isOlder(heap[right], heap[oldest])) {
        oldest = right;
      }
      if (oldest === index) {
        return;
      }
      [heap[index], heap[oldest]] = [heap[oldest], heap[index]];
      index = oldest;
    }
  }
}

function isOlder(a: { time: number; order: number }, b: { time: number; order: number }): boolean {
  return a.time < b.time || (a.time === b.time && a.order < b.order);
}
