import { TopK } from "../src/collections/top-k";

describe("TopK", () => {
  const larger = (a: number, b: number): boolean => a > b;

  it("keeps the highest-ranked items of a stream, highest first", () => {
    const top = new TopK<number, string>(3, larger);
    for (const n of [5, 1, 9, 3, 7, 2, 8]) {
      top.offer(n, `item-${n}`);
    }
    expect(top.sorted()).toEqual(["item-9", "item-8", "item-7"]);
    expect(top.size).toBe(3);
  });

  it("refuses an item that would not be kept, without the caller building it", () => {
    const top = new TopK<number, string>(2, larger);
    top.offer(4, "a");
    top.offer(6, "b");
    expect([top.admits(3), top.admits(5)]).toEqual([false, true]);
  });

  it("keeps nothing at capacity zero, and empties on drain", () => {
    expect(new TopK<number, string>(0, larger).admits(1)).toBe(false);
    const top = new TopK<number, string>(2, larger);
    top.offer(1, "x");
    expect(top.drain()).toEqual(["x"]);
    expect(top.size).toBe(0);
  });
});
