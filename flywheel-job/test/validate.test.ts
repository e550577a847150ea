import { validateRecord, type ValidationOptions } from "../src/curation/validate";
import { normaliseTimestamp } from "../src/logs/log-source";
import { defaultLimits, logDocument, pulled } from "./support/logs";

const options: ValidationOptions = { limits: defaultLimits };
const validate = (document: ReturnType<typeof logDocument>) => validateRecord(pulled(document), options);

function reasonOf(document: ReturnType<typeof logDocument>, timestamp?: number | "missing"): string {
  const result = validateRecord({ timestamp: timestamp === "missing" ? undefined : (timestamp ?? 1), document }, options);
  return result.ok ? "ok" : result.reason;
}

describe("validateRecord", () => {
  it("parses tool-call arguments logged as a JSON string into an object", () => {
    const result = validate(logDocument({ tool: "track", args: '{"order_id":"A-7","items":[1,2]}' }));
    expect(result.ok && result.record.toolCalls[0].function.arguments).toEqual({ order_id: "A-7", items: [1, 2] });
    expect(result.ok && (result.record.response.choices as never)[0]).toMatchObject({ message: { tool_calls: [{ function: { arguments: { order_id: "A-7" } } }] } });
  });

  it("keeps arguments logged as an object, and reads an empty argument string as no arguments", () => {
    const asObject = validate(logDocument({ tool: "track", args: { order_id: "A-8" } }));
    expect(asObject.ok && asObject.record.toolCalls[0].function.arguments).toEqual({ order_id: "A-8" });
    const empty = validate(logDocument({ tool: "escalate", args: "" }));
    expect(empty.ok && empty.record.toolCalls[0].function.arguments).toEqual({});
  });

  it("drops arguments that are not a JSON object", () => {
    expect(reasonOf(logDocument({ tool: "track", args: '{"order_id": "' }))).toBe("invalid_tool_arguments");
    expect(reasonOf(logDocument({ tool: "track", args: "[1,2]" }))).toBe("invalid_tool_arguments");
    expect(reasonOf(logDocument({ tool: "track", args: 42 }))).toBe("invalid_tool_arguments");
  });

  it("accepts null content next to tool calls and keeps it as logged", () => {
    const result = validate(logDocument({ tool: "track", content: null }));
    expect(result.ok && result.record.responseMessage.content).toBeNull();
  });

  it("keeps unicode text intact", () => {
    const result = validate(logDocument({ user: "Wo ist meine Bestellung? 東京 👟 محمد", tool: "track", args: '{"city":"Zürich"}' }));
    expect(result.ok && result.record.request.messages[1].content).toBe("Wo ist meine Bestellung? 東京 👟 محمد");
    expect(result.ok && result.record.toolCalls[0].function.arguments).toEqual({ city: "Zürich" });
  });

  it("parses string arguments of earlier assistant turns too", () => {
    const document = logDocument({ tool: "track" });
    (document.request as { messages: unknown[] }).messages.splice(1, 0, {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "c0", type: "function", function: { name: "lookup", arguments: '{"q":1}' } }],
    });
    const result = validate(document);
    expect(result.ok && result.record.request.messages[1].tool_calls).toEqual([{ id: "c0", type: "function", function: { name: "lookup", arguments: { q: 1 } } }]);
  });

  it.each([
    ["a missing timestamp", (d: Record<string, unknown>) => d, "missing" as const, "invalid_timestamp"],
    ["a missing request", (d: Record<string, unknown>) => ({ ...d, request: undefined }), 1, "missing_request"],
    ["an empty message list", (d: Record<string, unknown>) => ({ ...d, request: { messages: [] } }), 1, "missing_messages"],
    ["a message without a role", (d: Record<string, unknown>) => ({ ...d, request: { messages: [{ content: "hi" }] } }), 1, "invalid_message"],
    ["a message with numeric content", (d: Record<string, unknown>) => ({ ...d, request: { messages: [{ role: "user", content: 5 }] } }), 1, "invalid_message"],
    ["tools that are not a list", (d: Record<string, unknown>) => ({ ...d, request: { ...(d.request as object), tools: "all" } }), 1, "invalid_tools"],
    ["a missing response", (d: Record<string, unknown>) => ({ ...d, response: undefined }), 1, "missing_response_message"],
    ["a response without choices", (d: Record<string, unknown>) => ({ ...d, response: { choices: [] } }), 1, "missing_response_message"],
    ["unassembled stream chunks", (d: Record<string, unknown>) => ({ ...d, response: { choices: [{ delta: { content: "Hel" } }] } }), 1, "unassembled_stream"],
    ["a text answer with null content", (d: Record<string, unknown>) => ({ ...d, response: { choices: [{ message: { role: "assistant", content: null } }] } }), 1, "empty_response"],
  ])("drops a record with %s", (_what, mutate, timestamp, reason) => {
    const document = mutate(logDocument()) as ReturnType<typeof logDocument>;
    expect(reasonOf(document, timestamp)).toBe(reason);
  });

  it("drops tool calls without a function name, and calls that are not functions", () => {
    const document = logDocument({ tool: "track" });
    const message = (document.response as { choices: Array<{ message: { tool_calls: Array<Record<string, unknown>> } }> }).choices[0].message;
    message.tool_calls[0] = { type: "function", function: { arguments: "{}" } };
    expect(reasonOf(document)).toBe("invalid_tool_calls");
    message.tool_calls[0] = { type: "code_interpreter", function: { name: "x", arguments: "{}" } };
    expect(reasonOf(document)).toBe("unsupported_tool_call_type");
  });

  it("drops records offering a tool with more parameter properties than allowed, only when the filter is on", () => {
    const document = logDocument({ tool: "track" });
    const tool = (document.request as { tools: Array<{ function: { parameters: { properties: Record<string, unknown> } } }> }).tools[0];
    tool.function.parameters.properties = { a: {}, b: {}, c: {} };
    expect(validateRecord(pulled(document), { ...options, maxToolProperties: 2 })).toEqual({ ok: false, reason: "too_many_tool_properties" });
    expect(validateRecord(pulled(document), { ...options, maxToolProperties: 3 }).ok).toBe(true);
    expect(validate(document).ok).toBe(true);
  });

  it("keys records by their user messages with whitespace normalised", () => {
    const key = (user: string[]) => {
      const result = validate(logDocument({ user }));
      return result.ok ? result.record.dedupKey : undefined;
    };
    expect(key(["Where  is my\norder?"])).toBe(key([" Where is my order? "]));
    expect(key(["a", "b"])).not.toBe(key(["b", "a"]));
    expect(key(["a b"])).not.toBe(key(["a", "b"]));
  });

  describe("bounds every record before anything recursive touches it", () => {
    type Document = ReturnType<typeof logDocument>;
    const lists = (levels: number): Document[string] => JSON.parse(`${"[".repeat(levels)}${"]".repeat(levels)}`) as Document[string];
    /** The user message, at depth 4 (document 1, request 2, messages 3). */
    const userMessage = (document: Document) => (document.request as { messages: Array<Record<string, unknown>> }).messages[1];
    const withMessageField = (levels: number) => {
      const document = logDocument({ tool: "track" });
      userMessage(document).extra = lists(levels);
      return document;
    };
    /** Arguments `{"a":[[…]]}`, an object at depth 9 in the response message, nested `levels` lists deeper. */
    const argumentsOf = (levels: number, asString: boolean) =>
      logDocument({ tool: "track", args: asString ? `{"a":${"[".repeat(levels)}${"]".repeat(levels)}}` : { a: lists(levels) } });

    it("drops nesting deeper than maxDepth, counting from the document, and keeps nesting at the bound", () => {
      expect(reasonOf(withMessageField(64 - 4))).toBe("ok");
      expect(reasonOf(withMessageField(64 - 4 + 1))).toBe("too_deep");
    });

    it("counts arguments logged as a JSON string where they sit, as if written inline", () => {
      for (const asString of [false, true]) {
        expect(reasonOf(argumentsOf(64 - 9, asString))).toBe("ok");
        expect(reasonOf(argumentsOf(64 - 9 + 1, asString))).toBe("too_deep");
      }
      expect(reasonOf(argumentsOf(5000, true))).toBe("too_deep");
    });

    it("walks 100,000 levels without a call stack", () => {
      expect(reasonOf(withMessageField(100_000))).toBe("too_deep");
    });

    it("drops more messages, tools, tool calls or schema properties than the limits, and keeps the limits themselves", () => {
      const limits = { ...defaultLimits, maxMessages: 3, maxTools: 2, maxToolCalls: 2, maxSchemaProperties: 3 };
      const reason = (document: Document) => {
        const result = validateRecord(pulled(document), { limits });
        return result.ok ? "ok" : result.reason;
      };
      const messages = (n: number) => {
        const document = logDocument();
        (document.request as { messages: unknown[] }).messages.push(...Array.from({ length: n - 2 }, () => ({ role: "assistant", content: "more" })));
        return document;
      };
      expect([reason(messages(3)), reason(messages(5))]).toEqual(["ok", "too_large"]);

      const tools = (n: number) => {
        const document = logDocument({ tool: "track" });
        (document.request as Record<string, unknown>).tools = Array.from({ length: n }, (_, i) => ({ type: "function", function: { name: `t${i}` } }));
        return document;
      };
      expect([reason(tools(2)), reason(tools(3))]).toEqual(["ok", "too_large"]);

      const calls = (n: number) => {
        const document = logDocument({ tool: "track" });
        const message = (document.response as { choices: Array<{ message: { tool_calls: unknown[] } }> }).choices[0].message;
        message.tool_calls = Array.from({ length: n }, () => message.tool_calls[0]);
        return document;
      };
      expect([reason(calls(2)), reason(calls(3))]).toEqual(["ok", "too_large"]);

      const schema = (nested: number) => {
        const document = logDocument({ tool: "track" });
        const properties = Object.fromEntries(Array.from({ length: nested }, (_, i) => [`n${i}`, { type: "string" }]));
        (document.request as { tools: Array<Record<string, unknown>> }).tools[0].function = { name: "t", parameters: { type: "object", properties: { outer: { type: "object", properties } } } };
        return document;
      };
      // One outer property plus the nested ones.
      expect([reason(schema(2)), reason(schema(3))]).toEqual(["ok", "too_large"]);
    });

    it("drops a lone surrogate anywhere, also in a key or inside string arguments, and keeps surrogate pairs", () => {
      expect(reasonOf(logDocument({ user: "broken \ud83d text", tool: "track" }))).toBe("invalid_text");
      const key = logDocument({ tool: "track" });
      userMessage(key)["\udc00"] = 1;
      expect(reasonOf(key)).toBe("invalid_text");
      expect(reasonOf(logDocument({ tool: "track", args: '{"city":"\\ud800"}' }))).toBe("invalid_text");
      expect(reasonOf(logDocument({ user: "emoji \ud83d\ude00", tool: "track", args: '{"city":"\\ud83d\\ude00"}' }))).toBe("ok");
    });

    it("drops a number JSON cannot write back, and reads the timestamp's as an invalid timestamp", () => {
      const parsed = (text: string) => JSON.parse(text) as Document;
      const line = JSON.stringify(logDocument({ tool: "track" }));
      expect(reasonOf(parsed(line.replace('"model":"m"', '"model":"m","top_p":1e400')))).toBe("invalid_number");
      expect(reasonOf(logDocument({ tool: "track", args: '{"amount":-1e400}' }))).toBe("invalid_number");
      const timestamp = parsed(line.replace('"timestamp":"2025-06-01T00:00:00Z"', '"timestamp":1e400'));
      expect(validateRecord({ timestamp: normaliseTimestamp(timestamp.timestamp), document: timestamp }, options)).toEqual({ ok: false, reason: "invalid_timestamp" });
    });

    it("keeps NUL characters in text as they are", () => {
      const result = validate(logDocument({ user: "a\u0000b", tool: "track" }));
      expect(result.ok && result.record.request.messages[1].content).toBe("a\u0000b");
    });

    it("checks the bounds in the order of the drop reasons", () => {
      const everything = withMessageField(100);
      (everything.request as { messages: unknown[] }).messages.push(...Array.from({ length: 1000 }, () => ({ role: "user", content: "\ud800" })));
      expect(reasonOf(everything)).toBe("too_large");
      expect(reasonOf(withMessageField(100), "missing")).toBe("invalid_timestamp");
      const deepAndBroken = withMessageField(100);
      userMessage(deepAndBroken).content = "\ud800";
      expect(reasonOf(deepAndBroken)).toBe("too_deep");
    });
  });
});
