/**
 * The `capacity` items that rank highest of everything offered, in O(capacity) memory: a binary heap
 * with the lowest-ranked kept item on top, so each offer costs O(log capacity) and most offers of a
 * long stream are refused after one comparison.
 */
export class TopK<Rank, Item> {
  private readonly heap: { readonly rank: Rank; readonly item: Item }[] = [];

  /** `ranksAbove(a, b)` is a strict total order: true when `a` ranks higher than `b`. */
  constructor(
    private readonly capacity: number,
    private readonly ranksAbove: (a: Rank, b: Rank) => boolean,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /** Whether an item of this rank would be kept now; lets a caller skip building a refused item. */
  admits(rank: Rank): boolean {
    return this.capacity > 0 && (this.heap.length < this.capacity || this.ranksAbove(rank, this.heap[0].rank));
  }

  /** Keeps the item if its rank is among the top `capacity`, dropping the lowest-ranked one. */
  offer(rank: Rank, item: Item): void {
    if (!this.admits(rank)) {
      return;
    }
    if (this.heap.length < this.capacity) {
      this.heap.push({ rank, item });
      this.siftUp(this.heap.length - 1);
    } else {
      this.heap[0] = { rank, item };
      this.siftDown(0);
    }
  }

  /** The kept items, highest rank first. */
  sorted(): Item[] {
    return [...this.heap].sort((a, b) => (this.ranksAbove(a.rank, b.rank) ? -1 : 1)).map((entry) => entry.item);
  }

  /** The kept items, highest rank first; empties the collection. */
  drain(): Item[] {
    const items = this.sorted();
    this.heap.length = 0;
    return items;
  }

  /** Whether the entry at `a` must sit above the one at `b`: the lower-ranked rises to the top. */
  private above(a: number, b: number): boolean {
    return this.ranksAbove(this.heap[b].rank, this.heap[a].rank);
  }

  private siftUp(index: number): void {
    const { heap } = this;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.above(index, parent)) {
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
      let top = index;
      if (left < heap.length && this.above(left, top)) {
        top = left;
      }
      if (right < heap.length && this.above(right, top)) {
        top = right;
      }
      if (top === index) {
        return;
      }
      [heap[index], heap[top]] = [heap[top], heap[index]];
      index = top;
    }
  }
}
