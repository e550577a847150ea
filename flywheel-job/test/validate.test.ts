import { validateRecord } from "../src/curation/validate";
import { logDocument, pulled } from "./support/logs";

function reasonOf(document: ReturnType<typeof logDocument>, timestamp?: number | "missing"): string {
  const result = validateRecord({ timestamp: timestamp === "missing" ? undefined : (timestamp ?? 1), document });
  return result.ok ? "ok" : result.reason;
}

describe("validateRecord", () => {
  it("parses tool-call arguments logged as a JSON string into an object", () => {
    const result = validateRecord(pulled(logDocument({ tool: "track", args: '{"order_id":"A-7","items":[1,2]}' })));
    expect(result.ok && result.record.toolCalls[0].function.arguments).toEqual({ order_id: "A-7", items: [1, 2] });
    expect(result.ok && (result.record.response.choices as never)[0]).toMatchObject({ message: { tool_calls: [{ function: { arguments: { order_id: "A-7" } } }] } });
  });

  it("keeps arguments logged as an object, and reads an empty argument string as no arguments", () => {
    const asObject = validateRecord(pulled(logDocument({ tool: "track", args: { order_id: "A-8" } })));
    expect(asObject.ok && asObject.record.toolCalls[0].function.arguments).toEqual({ order_id: "A-8" });
    const empty = validateRecord(pulled(logDocument({ tool: "escalate", args: "" })));
    expect(empty.ok && empty.record.toolCalls[0].function.arguments).toEqual({});
  });

  it("drops arguments that are not a JSON object", () => {
    expect(reasonOf(logDocument({ tool: "track", args: '{"order_id": "' }))).toBe("invalid_tool_arguments");
    expect(reasonOf(logDocument({ tool: "track", args: "[1,2]" }))).toBe("invalid_tool_arguments");
    expect(reasonOf(logDocument({ tool: "track", args: 42 }))).toBe("invalid_tool_arguments");
  });

  it("accepts null content next to tool calls and keeps it as logged", () => {
    const result = validateRecord(pulled(logDocument({ tool: "track", content: null })));
    expect(result.ok && result.record.responseMessage.content).toBeNull();
  });

  it("keeps unicode text intact", () => {
    const result = validateRecord(pulled(logDocument({ user: "Wo ist meine Bestellung? 東京 👟 محمد", tool: "track", args: '{"city":"Zürich"}' })));
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
    const result = validateRecord(pulled(document));
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
    expect(validateRecord(pulled(document), { maxToolProperties: 2 })).toEqual({ ok: false, reason: "too_many_tool_properties" });
    expect(validateRecord(pulled(document), { maxToolProperties: 3 }).ok).toBe(true);
    expect(validateRecord(pulled(document)).ok).toBe(true);
  });

  it("keys records by their user messages with whitespace normalised", () => {
    const key = (user: string[]) => {
      const result = validateRecord(pulled(logDocument({ user })));
      return result.ok ? result.record.dedupKey : undefined;
    };
    expect(key(["Where  is my\norder?"])).toBe(key([" Where is my order? "]));
    expect(key(["a", "b"])).not.toBe(key(["b", "a"]));
    expect(key(["a b"])).not.toBe(key(["a", "b"]));
  });
});
