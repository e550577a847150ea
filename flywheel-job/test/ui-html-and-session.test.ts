import { escapeText, html } from "../src/ui/html";
import { matchUiRoute, workloadPath } from "../src/ui/ui-paths";
import { formToken, isFormTokenOf, issueSession, sessionSeconds, verifySession } from "../src/ui/ui-session";

describe("the review UI's HTML template", () => {
  it("escapes every interpolation, in text and in attributes, and inserts only fragments it composed", () => {
    const hostile = `"><script>alert('x')</script>&`;
    const fragment = html`<b>${hostile}</b>`;
    expect(html`<p title="${hostile}">${fragment}${[hostile, 3, null, undefined]}</p>`.markup).toBe(
      "<p title=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\"><b>&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</b>&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;3</p>",
    );
  });

  it("shows every bidi control as a visible marker instead of passing it through", () => {
    const controls = "\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C";
    expect(escapeText(`a${controls}b`)).toBe("a⟨U+202A⟩⟨U+202B⟩⟨U+202C⟩⟨U+202D⟩⟨U+202E⟩⟨U+2066⟩⟨U+2067⟩⟨U+2068⟩⟨U+2069⟩⟨U+200E⟩⟨U+200F⟩⟨U+061C⟩b");
  });

  it("builds links only to its own paths, with record values percent-encoded", () => {
    expect(workloadPath("javascript:alert(1)", "a/b?c")).toBe("/workloads/javascript%3Aalert(1)/a%2Fb%3Fc");
    expect(matchUiRoute("/workloads/javascript%3Aalert(1)/a%2Fb%3Fc")).toEqual({ route: "/workloads/{workload_id}/{client_id}", values: ["javascript:alert(1)", "a/b?c"] });
    expect(matchUiRoute("/workloads/%E0%A4%A/x")).toBeUndefined();
  });
});

describe("the review UI's sessions", () => {
  const tokens = { read: "read-token-1", operator: "operator-token-1" };
  const now = new Date("2026-12-01T10:00:00Z");

  it("proves a session to any replica with the same tokens, until it expires", () => {
    const session = issueSession("operator", tokens, now);
    expect(verifySession(session.cookieValue, { ...tokens }, now)).toEqual(session);
    expect(verifySession(session.cookieValue, tokens, new Date(now.getTime() + (sessionSeconds - 1) * 1000))?.role).toBe("operator");
    expect(verifySession(session.cookieValue, tokens, new Date(now.getTime() + sessionSeconds * 1000))).toBeUndefined();
  });

  it("ends a role's sessions when its token is rotated, and only that role's", () => {
    const operator = issueSession("operator", tokens, now);
    const reader = issueSession("read", tokens, now);
    const rotated = { ...tokens, operator: "operator-token-2" };
    expect(verifySession(operator.cookieValue, rotated, now)).toBeUndefined();
    expect(verifySession(reader.cookieValue, rotated, now)?.role).toBe("read");
  });

  it("binds form tokens to the session", () => {
    const first = issueSession("operator", tokens, now);
    const second = issueSession("operator", tokens, new Date(now.getTime() + 1000));
    expect(isFormTokenOf(first, tokens, formToken(first, tokens))).toBe(true);
    expect(isFormTokenOf(first, tokens, formToken(second, tokens))).toBe(false);
    expect(isFormTokenOf(first, tokens, undefined)).toBe(false);
  });
});
