import { contentHash } from "../../../constructs/common/content-hash";

describe("contentHash", () => {
  test("is stable, short and changes with the content", () => {
    expect(contentHash({ a: 1 })).toBe(contentHash({ a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
    expect(contentHash({ a: 1 })).toMatch(/^[0-9a-f]{10}$/);
  });
});
