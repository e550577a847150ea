/**
 * Generates a realistic, seeded log export of a customer-support agent, one JSON document per line,
 * with the defects real logs have. The same seed and record count give the same bytes.
 *
 *   npx ts-node --transpile-only flywheel-job/scripts/generate-sample-logs.ts --records 3000 --seed 7 --out flywheel-job/samples/customer-support.jsonl
 *
 * What is in it:
 * - workload `customer-support`, clients `support-web` (most records) and `support-mobile`: an agent
 *   with 12 tools used with skewed (Zipf-like) frequencies, one to three earlier turns of conversation
 *   (tool results included), sometimes two parallel tool calls, sometimes a plain text answer;
 * - workload `ticket-summary`, client `support-web`: a generic workload (text answers only);
 * - scheduled follow-ups of the support agent: a system prompt with the task and no user message,
 *   answered with a tool call, at fixed places and without using the random stream (extra lines),
 *   each about its own order but one, which appears twice;
 * - one-off tools, each called exactly once in the file;
 * - duplicates (the same user messages again, some with different whitespace);
 * - tool-call arguments as JSON strings (most) and as objects, a few that are not valid JSON;
 * - null content in tool-call responses, unicode (accents, CJK, Arabic, emoji), timestamps as ISO-8601,
 *   epoch millis and epoch seconds, extra fields, records out of order;
 * - defects a run must count and skip: malformed and blank lines, missing responses, empty message
 *   lists, unassembled stream chunks, missing timestamps;
 * - hostile records, one of each at fixed places (see `hostileDefects`), that no record may stop a
 *   run with: tool-call arguments nested 5,000 levels deep, content parts nested past the depth
 *   bound, a line over 1 MiB, more tools, tool calls, messages or schema properties than the bounds,
 *   a lone UTF-16 surrogate, `1e400` in a field and as the timestamp — all dropped — and a NUL in
 *   text, duplicate keys and a byte-order mark before a line, which are kept.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";
import { SeededRandom } from "../src/curation/random";

export interface GenerateOptions {
  readonly records: number;
  readonly seed: number;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

interface ToolSpec {
  readonly name: string;
  /** The agent's router offers the tools of the request's topic plus the general ones. */
  readonly topic: "orders" | "payments" | "products" | "general";
  readonly description: string;
  readonly parameters: Record<string, string>;
  readonly weight: number;
  readonly ask: (slots: Slots) => string;
  readonly args: (slots: Slots) => Record<string, Json>;
  readonly result: (slots: Slots) => string;
}

interface Slots {
  readonly order: string;
  readonly product: string;
  readonly name: string;
  readonly email: string;
  readonly code: string;
  readonly city: string;
  readonly reason: string;
}

const products = ["wireless headphones", "Café crème maker", "Füße-Massagegerät", "東京 tea set", "👟 running shoes", "smart thermostat", "yoga mat", "São Paulo city guide", "kettle", "Ølstue beer glasses", "laptop stand", "children's raincoat"];
const names = ["José García", "Zoë Müller", "Łukasz Nowak", "李雷", "محمد علي", "Aoife Ní Bhriain", "Priya Raman", "Sven Åberg", "Chloé Dubois", "Kenji Watanabe"];
const cities = ["Zürich", "Kraków", "München", "Québec", "Reykjavík", "Austin", "Osaka", "Lagos", "Córdoba"];
const reasons = ["arrived damaged", "wrong size", "no longer needed", "llegó roto", "falsche Farbe", "壊れていました", "late delivery"];

const tools: readonly ToolSpec[] = [
  {
    name: "track_shipment",
    topic: "orders",
    description: "Tracking status of an order's shipment",
    parameters: { order_id: "string" },
    weight: 30,
    ask: (s) => pick1([`Where is my order ${s.order}?`, `Has order ${s.order} shipped yet?`, `¿Dónde está mi pedido ${s.order}?`, `Wo ist meine Bestellung ${s.order}?`], s.order),
    args: (s) => ({ order_id: s.order }),
    result: (s) => `{"order_id":"${s.order}","status":"in_transit","eta":"2 days"}`,
  },
  {
    name: "lookup_order",
    topic: "orders",
    description: "Details of an order",
    parameters: { order_id: "string" },
    weight: 18,
    ask: (s) => `What did I order in ${s.order}? I can't find the confirmation email.`,
    args: (s) => ({ order_id: s.order }),
    result: (s) => `{"order_id":"${s.order}","items":["${s.product}"],"total":"49.90 EUR"}`,
  },
  {
    name: "initiate_return",
    topic: "payments",
    description: "Start a return for an order item",
    parameters: { order_id: "string", item: "string", reason: "string" },
    weight: 12,
    ask: (s) => `I want to return the ${s.product} from order ${s.order}, it ${s.reason}.`,
    args: (s) => ({ order_id: s.order, item: s.product, reason: s.reason }),
    result: () => `{"return_id":"R-5521","label_url":"https://example.com/label"}`,
  },
  {
    name: "issue_refund",
    topic: "payments",
    description: "Refund an order, fully or partly",
    parameters: { order_id: "string", amount: "number" },
    weight: 8,
    ask: (s) => `Please refund order ${s.order}, I was charged twice 😡`,
    args: (s) => ({ order_id: s.order, amount: 49.9 }),
    result: () => `{"refund_id":"F-1180","status":"pending"}`,
  },
  {
    name: "cancel_order",
    topic: "orders",
    description: "Cancel an order that has not shipped",
    parameters: { order_id: "string" },
    weight: 7,
    ask: (s) => `Cancel ${s.order} please, I ordered the wrong ${s.product}.`,
    args: (s) => ({ order_id: s.order }),
    result: () => `{"cancelled":true}`,
  },
  {
    name: "update_shipping_address",
    topic: "orders",
    description: "Change the delivery address of an order",
    parameters: { order_id: "string", city: "string", street: "string" },
    weight: 6,
    ask: (s) => `I moved to ${s.city}. Can you ship ${s.order} to Hauptstraße 5 instead?`,
    args: (s) => ({ order_id: s.order, city: s.city, street: "Hauptstraße 5" }),
    result: () => `{"updated":true}`,
  },
  {
    name: "check_product_availability",
    topic: "products",
    description: "Stock of a product",
    parameters: { product: "string", city: "string" },
    weight: 5,
    ask: (s) => `Is the ${s.product} in stock in ${s.city}?`,
    args: (s) => ({ product: s.product, city: s.city }),
    result: () => `{"in_stock":true,"quantity":4}`,
  },
  {
    name: "search_knowledge_base",
    topic: "general",
    description: "Search help articles",
    parameters: { query: "string" },
    weight: 4,
    ask: (s) => `How long does the warranty on the ${s.product} last?`,
    args: (s) => ({ query: `warranty ${s.product}` }),
    result: () => `{"articles":[{"title":"Warranty policy","snippet":"Two years from delivery."}]}`,
  },
  {
    name: "apply_discount_code",
    topic: "payments",
    description: "Apply a discount code to an order",
    parameters: { order_id: "string", code: "string" },
    weight: 3,
    ask: (s) => `I forgot to use code ${s.code} on ${s.order}, can you still apply it?`,
    args: (s) => ({ order_id: s.order, code: s.code }),
    result: () => `{"applied":true,"saving":"5.00 EUR"}`,
  },
  {
    name: "get_account_details",
    topic: "products",
    description: "Account of the signed-in customer",
    parameters: { email: "string" },
    weight: 3,
    ask: (s) => `Which email is on my account? It should be ${s.email}.`,
    args: (s) => ({ email: s.email }),
    result: (s) => `{"name":"${s.name}","email":"${s.email}"}`,
  },
  {
    name: "create_support_ticket",
    topic: "products",
    description: "Open a ticket for the support team",
    parameters: { summary: "string", priority: "string" },
    weight: 2,
    ask: (s) => `Nothing works, the ${s.product} keeps restarting. I need someone to look at it.`,
    args: (s) => ({ summary: `${s.product} keeps restarting`, priority: "high" }),
    result: () => `{"ticket_id":"T-90210"}`,
  },
  {
    name: "escalate_to_human",
    topic: "general",
    description: "Hand the conversation to a human agent",
    parameters: { reason: "string" },
    weight: 2,
    ask: () => "I want to speak to a real person now.",
    args: () => ({ reason: "customer request" }),
    result: () => `{"queued":true,"wait_minutes":4}`,
  },
];

/** One scheduled follow-up (no user message) every this many records. */
const scheduledFollowUpEvery = 100;

const oneOffTools = ["legacy_order_lookup_v1", "schedule_callback", "translate_message", "report_fraud", "gift_wrap_order"];

/** Hostile records of the (customer-support, support-web) pair; the first ten are dropped, the last three kept. */
export const hostileDefects = [
  "deep_arguments",
  "deep_content_parts",
  "oversized_line",
  "too_many_tools",
  "too_many_tool_calls",
  "too_many_messages",
  "too_many_schema_properties",
  "lone_surrogate",
  "infinite_number",
  "infinite_timestamp",
  "nul_in_text",
  "duplicate_keys",
  "byte_order_mark",
] as const;
type HostileDefect = (typeof hostileDefects)[number];

const systemPrompt =
  "You are Ava, the customer-support assistant of Nordwind Shop. Use the tools to look things up; never invent order data. Be brief and friendly.";

function pick1(options: readonly string[], key: string): string {
  let hash = 0;
  for (const char of key) {
    hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  }
  return options[hash % options.length];
}

function toolDefinition(name: string, description: string, parameters: Record<string, string>): Json {
  const properties: Record<string, Json> = {};
  for (const [key, type] of Object.entries(parameters)) {
    properties[key] = { type };
  }
  return { type: "function", function: { name, description, parameters: { type: "object", properties, required: Object.keys(parameters) } } };
}

/** Tool definitions a request offers, by the topic of the tool it is about. */
const offeredTools = new Map(
  tools.map((tool) => [tool.topic, tools.filter((t) => t.topic === tool.topic || t.topic === "general").map((t) => toolDefinition(t.name, t.description, t.parameters))]),
);
const totalWeight = tools.reduce((sum, t) => sum + t.weight, 0);

/** Yields the export's lines. */
export function* generateLogLines(options: GenerateOptions): Generator<string> {
  const random = new SeededRandom(options.seed, "sample-logs");
  const uniform = (): number => random.nextUint32() / 0x100000000;
  const choose = <T>(items: readonly T[]): T => items[random.nextInt(items.length)];
  const start = Date.UTC(2025, 5, 1);
  const span = 30 * 24 * 3600 * 1000;
  const oneOffAt = new Map(oneOffTools.map((name, i) => [Math.floor(((i + 1) * options.records) / (oneOffTools.length + 2)), name]));
  // Between the one-off tools' places, so the two never meet.
  const hostileAt = new Map(hostileDefects.map((defect, i) => [Math.floor(((i + 0.5) * options.records) / hostileDefects.length) + 1, defect]));
  const recent: Array<{ users: string[]; history: Json[]; tool: ToolSpec; response: Json }> = [];
  let callId = 0;

  const slots = (): Slots => ({
    order: `A-${100000 + random.nextInt(900000)}`,
    product: choose(products),
    name: choose(names),
    email: `customer${random.nextInt(5000)}@example.com`,
    code: `SAVE${5 + random.nextInt(20)}`,
    city: choose(cities),
    reason: choose(reasons),
  });
  const chooseTool = (): ToolSpec => {
    let ticket = random.nextInt(totalWeight);
    for (const tool of tools) {
      ticket -= tool.weight;
      if (ticket < 0) {
        return tool;
      }
    }
    return tools[0];
  };
  const toolCall = (name: string, args: Record<string, Json>, asString: boolean): Json => ({
    id: `call_${(callId++).toString(36)}`,
    type: "function",
    function: { name, arguments: asString ? JSON.stringify(args) : args },
  });
  const timestamp = (i: number): Json => {
    // Mostly chronological with jitter, so the export is not sorted.
    const at = start + Math.floor((i / options.records) * span) + random.nextInt(6 * 3600 * 1000) - 3 * 3600 * 1000;
    const form = uniform();
    if (form < 0.6) {
      return new Date(at).toISOString();
    }
    return form < 0.9 ? at : Math.floor(at / 1000);
  };
  const completion = (message: Json, i: number, model: string): Json => ({
    id: `chatcmpl-${i.toString(36)}`,
    object: "chat.completion",
    created: Math.floor(start / 1000) + i,
    model,
    choices: [{ index: 0, message, finish_reason: (message as { tool_calls?: unknown }).tool_calls ? "tool_calls" : "stop" }],
    usage: usage(300 + random.nextInt(900), 10 + random.nextInt(80)),
  });
  const usage = (prompt: number, completionTokens: number): Json => ({ prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens });

  for (let i = 0; i < options.records; i++) {
    if (i % scheduledFollowUpEvery === scheduledFollowUpEvery / 2) {
      yield scheduledFollowUp(i);
    }
    const hostile = hostileAt.get(i);
    if (hostile !== undefined && !oneOffAt.has(i)) {
      yield hostileRecord(i, hostile);
      continue;
    }
    const roll = uniform();
    if (roll < 0.004) {
      yield choose(['{"workload_id":"customer-support","client_id":"support-web","request":{"messages":[{"role":"user"', "ERROR 2025-06-03 log rotated", "<html>502 Bad Gateway</html>", "{not json}"]);
      continue;
    }
    if (roll < 0.006) {
      yield "";
      continue;
    }

    if (roll < 0.1) {
      const ticket = `${choose(names)} writes: my ${choose(products)} ${choose(reasons)} and support has not answered for ${2 + random.nextInt(9)} days. Order ${slots().order}.`;
      const summary = `The customer reports that the product ${choose(["arrived damaged", "is faulty", "was late"])} and asks for a quick answer.`;
      yield JSON.stringify({
        workload_id: "ticket-summary",
        client_id: "support-web",
        timestamp: timestamp(i),
        request: { model: "meta/llama-3.3-70b-instruct", messages: [{ role: "system", content: "Summarise the support ticket in one sentence." }, { role: "user", content: ticket }], temperature: 0.2 },
        response: completion({ role: "assistant", content: summary }, i, "meta/llama-3.3-70b-instruct"),
      });
      continue;
    }

    const client = roll < 0.22 ? "support-mobile" : "support-web";
    const oneOff = oneOffAt.get(i);
    let users: string[];
    let history: Json[];
    let response: Json;
    const asString = uniform() < 0.8;
    const duplicateOf = recent.length > 20 && uniform() < 0.08 ? choose(recent) : undefined;

    if (duplicateOf) {
      users = duplicateOf.users.map((text) => (uniform() < 0.3 ? ` ${text.replace(/ /g, "  ")}\n` : text));
      history = duplicateOf.history;
      response = duplicateOf.response;
      const messages = interleave(users, history);
      yield record(i, client, messages, response, offeredTools.get(duplicateOf.tool.topic)!);
      continue;
    }

    const s = slots();
    const tool = chooseTool();
    history = [];
    users = [];
    const turnRoll = uniform();
    const turns = turnRoll < 0.55 ? 0 : turnRoll < 0.9 ? 1 : 2;
    for (let t = 0; t < turns; t++) {
      const earlier = chooseTool();
      const earlierSlots = slots();
      const call = toolCall(earlier.name, earlier.args(earlierSlots), asString);
      users.push(earlier.ask(earlierSlots));
      history.push([
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: (call as { id: string }).id, content: earlier.result(earlierSlots) },
        { role: "assistant", content: `Done — ${earlier.description.toLowerCase()} is ready for you.` },
      ]);
    }
    const kind = uniform();
    if (oneOff) {
      users.push(`Could you ${oneOff.replace(/_/g, " ")} for ${s.order}?`);
      response = { role: "assistant", content: null, tool_calls: [toolCall(oneOff, { order_id: s.order }, asString)] };
    } else if (kind < 0.08) {
      users.push(choose(["Thanks, that's all!", "Danke schön!", "ありがとう", "Hello?", "hi"]));
      response = { role: "assistant", content: choose(["You're welcome! Anything else?", "Gern geschehen!", "Happy to help 😊", "Hi! How can I help you today?"]) };
    } else if (kind < 0.12) {
      const second = chooseTool();
      users.push(`${tool.ask(s)} Also: ${second.ask(s)}`);
      response = { role: "assistant", content: null, tool_calls: [toolCall(tool.name, tool.args(s), asString), toolCall(second.name, second.args(s), asString)] };
    } else if (kind < 0.125) {
      users.push(tool.ask(s));
      response = { role: "assistant", content: null, tool_calls: [{ id: "call_bad", type: "function", function: { name: tool.name, arguments: '{"order_id": "' } }] };
    } else {
      users.push(tool.ask(s));
      const content = uniform() < 0.1 ? "Let me check that for you." : null;
      response = { role: "assistant", content, tool_calls: [toolCall(tool.name, tool.args(s), asString)] };
    }
    recent.push({ users, history, tool, response });
    if (recent.length > 200) {
      recent.shift();
    }
    const offered = oneOff ? [...offeredTools.get("general")!, toolDefinition(oneOff, "Internal tool", { order_id: "string" })] : offeredTools.get(tool.topic)!;
    yield record(i, client, interleave(users, history), response, offered);
  }

  /**
   * A follow-up the agent runs on a schedule: no user message, so it is deduplicated by its whole
   * conversation. Deterministic, so adding these left the rest of the export as it was; the one at
   * the middle repeats the first, an exact duplicate.
   */
  function scheduledFollowUp(i: number): string {
    const first = scheduledFollowUpEvery / 2;
    const middle = Math.floor(options.records / 2 / scheduledFollowUpEvery) * scheduledFollowUpEvery + first;
    const n = i === middle ? first : i;
    const order = `A-${200000 + n}`;
    const task = `Scheduled follow-up: order ${order} was due ${2 + (n % 5)} days ago. Check where it is and tell the customer by email.`;
    return JSON.stringify({
      workload_id: "customer-support",
      client_id: "support-web",
      timestamp: new Date(start + Math.floor((i / options.records) * span)).toISOString(),
      request: { model: "meta/llama-3.3-70b-instruct", messages: [{ role: "system", content: `${systemPrompt}\n\n${task}` }], tools: offeredTools.get("orders")!, tool_choice: "auto", temperature: 0 },
      response: {
        id: `chatcmpl-followup-${i.toString(36)}`,
        object: "chat.completion",
        created: Math.floor(start / 1000) + i,
        model: "meta/llama-3.3-70b-instruct",
        choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [{ id: `call_followup_${n}`, type: "function", function: { name: "track_shipment", arguments: JSON.stringify({ order_id: order }) } }] }, finish_reason: "tool_calls" }],
      },
    });
  }

  function interleave(users: readonly string[], history: readonly Json[]): Json[] {
    const messages: Json[] = [{ role: "system", content: systemPrompt }];
    users.forEach((text, t) => {
      messages.push({ role: "user", content: text });
      if (t < history.length) {
        messages.push(...(history[t] as Json[]));
      }
    });
    return messages;
  }

  function logDocument(i: number, client: string, messages: Json[], message: Json, offered: Json[]): Record<string, Json> {
    return {
      workload_id: "customer-support",
      client_id: client,
      timestamp: timestamp(i),
      request: { model: "meta/llama-3.3-70b-instruct", messages, tools: offered, tool_choice: "auto", temperature: 0 },
      response: completion(message, i, "meta/llama-3.3-70b-instruct"),
      latency_ms: 200 + random.nextInt(3000),
      trace_id: `trace-${i.toString(16)}`,
    };
  }

  function record(i: number, client: string, messages: Json[], message: Json, offered: Json[]): string {
    const defect = uniform();
    const doc = logDocument(i, client, messages, message, offered);
    if (defect < 0.004) {
      delete doc.response;
    } else if (defect < 0.006) {
      (doc.request as Record<string, Json>).messages = [];
    } else if (defect < 0.008) {
      doc.response = { object: "chat.completion.chunk", choices: [{ index: 0, delta: { role: "assistant", content: "Let" } }] };
    } else if (defect < 0.01) {
      delete doc.timestamp;
    }
    return JSON.stringify(doc);
  }

  /** A support-web tool call whose line carries `defect` (the user text names it, so no two are duplicates). */
  function hostileRecord(i: number, defect: HostileDefect): string {
    const s = slots();
    const tool = chooseTool();
    const user: Record<string, Json> = { role: "user", content: `${tool.ask(s)} [${defect}]` };
    const call = toolCall(tool.name, tool.args(s), true);
    const response: Record<string, Json> = { role: "assistant", content: null, tool_calls: [call] };
    const doc = logDocument(i, "support-web", [{ role: "system", content: systemPrompt }, user], response, offeredTools.get(tool.topic)!);
    const request = doc.request as Record<string, Json>;
    switch (defect) {
      case "deep_arguments":
        // What stopped every scheduled run: JSON.stringify of it overflowed the call stack.
        (call as { function: { arguments: Json } }).function.arguments = `${'{"q":['.repeat(2500)}${"]}".repeat(2500)}`;
        break;
      case "deep_content_parts": {
        let nested: Json = "deep";
        for (let level = 0; level < 100; level++) {
          nested = [nested];
        }
        user.content = [{ type: "text", text: `${tool.ask(s)} [${defect}]`, annotations: nested }];
        break;
      }
      case "oversized_line":
        doc.debug_trace = "stack frame ".repeat(100_000);
        break;
      case "too_many_tools":
        request.tools = Array.from({ length: 129 }, (_, n) => toolDefinition(`plugin_${n}`, "A plugin's action", { input: "string" }));
        break;
      case "too_many_tool_calls":
        response.tool_calls = Array.from({ length: 65 }, () => toolCall(tool.name, tool.args(s), true));
        break;
      case "too_many_messages":
        request.messages = [
          { role: "system", content: systemPrompt },
          ...Array.from({ length: 1000 }, (_, n): Json => ({ role: n % 2 === 0 ? "user" : "assistant", content: `turn ${n}` })),
          user,
        ];
        break;
      case "too_many_schema_properties":
        request.tools = [toolDefinition("bulk_update", "Update many fields", Object.fromEntries(Array.from({ length: 257 }, (_, n) => [`field_${n}`, "string"])))];
        break;
      case "lone_surrogate":
        // A UTF-16 string cut in half by a logger: JSON.stringify writes it as \udc00.
        user.content = `${tool.ask(s)} [${defect}] \udc00`;
        break;
      case "nul_in_text":
        user.content = `${tool.ask(s)} [${defect}] \u0000`;
        break;
      default:
        break;
    }
    const line = JSON.stringify(doc);
    switch (defect) {
      case "infinite_number":
        return line.replace('"temperature":0', '"temperature":1e400');
      case "infinite_timestamp":
        return line.replace(/"timestamp":("[^"]*"|\d+)/, '"timestamp":1e400');
      case "duplicate_keys":
        // JSON.parse keeps the last value: the record is support-web's.
        return line.replace('"client_id":"support-web"', '"client_id":"support-mobile","client_id":"support-web"');
      case "byte_order_mark":
        return `\ufeff${line}`;
      default:
        return line;
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: "string" }, seed: { type: "string" }, out: { type: "string" } } });
  const records = Number(values.records ?? "3000");
  const seed = Number(values.seed ?? "7");
  if (!values.out || !Number.isSafeInteger(records) || records < 1 || !Number.isSafeInteger(seed)) {
    throw new Error("usage: generate-sample-logs.ts --out FILE [--records N] [--seed N]");
  }
  await writeLines(values.out, generateLogLines({ records, seed }));
}

/** Writes lines to a file, waiting for the stream when its buffer is full. */
export async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const stream = createWriteStream(path);
  for (const line of lines) {
    if (!stream.write(`${line}\n`)) {
      await once(stream, "drain");
    }
  }
  await new Promise<void>((resolve, reject) => {
    stream.once("error", reject);
    stream.end(resolve);
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
