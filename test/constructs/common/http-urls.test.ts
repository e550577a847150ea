import { validateHttpUrl, validateServiceRoot } from "../../../constructs/common/http-urls";

describe("HTTP URLs", () => {
  it("take roots without a trailing slash and refuse paths", () => {
    expect(validateServiceRoot("X ns/x", "url", "http://a.b.svc.cluster.local:8000/")).toBe("http://a.b.svc.cluster.local:8000");
    expect(() => validateServiceRoot("X ns/x", "url", "http://a.b.svc.cluster.local:8000/v1")).toThrow(
      new Error('X ns/x: url "http://a.b.svc.cluster.local:8000/v1" must be the service root (scheme, host and port, no path): the construct appends the API path itself'),
    );
  });

  it("refuses other schemes, queries and what is not a URL", () => {
    expect(() => validateHttpUrl("X ns/x", "url", "ftp://a.b")).toThrow(new Error('X ns/x: url "ftp://a.b" must be an http:// or https:// URL'));
    expect(() => validateHttpUrl("X ns/x", "url", "http://a.b/?q=1")).toThrow(new Error('X ns/x: url "http://a.b/?q=1" must not have a query or fragment'));
    expect(() => validateHttpUrl("X ns/x", "url", "//a.b")).toThrow(new Error('X ns/x: url "//a.b" is not a URL'));
  });
});
