import { TopK } from "../collections/top-k";

/**
 * Keeps the `capacity` newest items of a stream in a binary min-heap (the oldest kept item on top),
 * so reading an unsorted export holds at most `capacity` records. Items without a timestamp count as
 * oldest, like documents without the sort field in Elasticsearch. Ties are broken by arrival: a later
 * line of an export was written later, so it counts as newer.
 */
export class NewestFirstBuffer<T> {
  private readonly newest: TopK<Arrival, T>;
  private arrivals = 0;

  constructor(capacity: number) {
    this.newest = new TopK<Arrival, T>(capacity, isNewer);
  }

  /** Offers an item; `make` builds it only when it is kept, so rejected items cost nothing. */
  offer(timestamp: number | undefined, make: () => T): void {
    const arrival = { time: timestamp ?? -Infinity, order: this.arrivals++ };
    if (this.newest.admits(arrival)) {
      this.newest.offer(arrival, make());
    }
  }

  get size(): number {
    return this.newest.size;
  }

  /** The kept items, newest first. Empties the buffer. */
  drain(): T[] {
    return this.newest.drain();
  }
}

interface Arrival {
  readonly time: number;
  readonly order: number;
}

function isNewer(a: Arrival, b: Arrival): boolean {
  return a.time > b.time || (a.time === b.time && a.order > b.order);
}
