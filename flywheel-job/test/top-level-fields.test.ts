import { TopLevelFieldScanner } from "../src/logs/top-level-fields";

const wanted = new Set(["workload_id", "client_id", "timestamp"]);

/** The fields found in `text`, fed in pieces of `pieceBytes` bytes. */
function scan(text: string, pieceBytes = Number.MAX_SAFE_INTEGER): Record<string, unknown> {
  const bytes = Buffer.from(text, "utf8");
  const scanner = new TopLevelFieldScanner(wanted);
  for (let start = 0; start < bytes.length; start += pieceBytes) {
    scanner.feed(bytes, start, Math.min(bytes.length, start + pieceBytes));
  }
  return Object.fromEntries(scanner.fields());
}

describe("TopLevelFieldScanner", () => {
  it("finds the top-level fields JSON.parse would, wherever they are and however the bytes are cut", () => {
    const text = JSON.stringify({
      request: { workload_id: "nested, ignored", messages: [{ content: 'quotes " and braces } ] { and \\ backslashes' }] },
      workload_id: "w",
      timestamp: 1_700_000_000,
      padding: "x".repeat(1000),
      client_id: "c",
    });
    const expected = { workload_id: "w", timestamp: 1_700_000_000, client_id: "c" };
    expect(scan(text)).toEqual(expected);
    for (const piece of [1, 2, 3, 7, 64]) {
      expect(scan(text, piece)).toEqual(expected);
    }
  });

  it("decodes escapes in keys and values", () => {
    expect(scan('{"\\u0077orkload_id":"caf\\u00e9 \\"q\\"","client_id" : "c\\/d" , "timestamp":"2025-06-01T00:00:00Z"}')).toEqual({
      workload_id: 'café "q"',
      client_id: "c/d",
      timestamp: "2025-06-01T00:00:00Z",
    });
  });

  it("lets the last of duplicate keys win, as JSON.parse does, and a later object or long value remove an earlier one", () => {
    expect(scan('{"workload_id":"first","workload_id":"second","client_id":"c","client_id":{"x":1}}')).toEqual({ workload_id: "second" });
    expect(scan(`{"workload_id":"w","workload_id":"${"y".repeat(300)}"}`)).toEqual({});
  });

  it("finds nothing in a list, a string or a line that is not JSON", () => {
    expect(scan('[{"workload_id":"w"}]')).toEqual({});
    expect(scan('"workload_id"')).toEqual({});
    expect(scan("ERROR workload_id=w")).toEqual({});
  });

  it("reads numbers and literals up to the byte that ends them", () => {
    expect(scan('{"timestamp":-1.5e3}')).toEqual({ timestamp: -1500 });
    expect(scan('{"timestamp":1e400,"client_id":null}')).toEqual({ timestamp: Infinity, client_id: null });
    expect(scan('{"timestamp" : 17 }')).toEqual({ timestamp: 17 });
  });
});
