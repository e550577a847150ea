import type { CuratedRecord, JsonObject, JsonValue, SampledRecord } from "../../src/curation/records";
import { validateRecord } from "../../src/curation/validate";
import type { PulledDocument } from "../../src/logs/log-source";
import { asSampled, defaultLimits, pulled } from "./logs";

/**
 * Log records of a travel-booking assistant, for the cases NVIDIA's blueprint asserts in its unit
 * tests (see blueprint-cases.test.ts). Every builder returns a fresh object, so a test may mutate
 * what it gets.
 */

export const travelSystemPrompt = "You are a travel agent for Northwind Trips. Book flights, hotels and cars for the customer.";

/** A tool definition whose parameters have the given properties (all strings). */
export function toolDefinition(name: string, properties: readonly string[]): JsonObject {
  return {
    type: "function",
    function: {
      name,
      description: `The ${name.replace(/_/g, " ")} service`,
      parameters: { type: "object", properties: Object.fromEntries(properties.map((property) => [property, { type: "string" }])), required: [...properties] },
    },
  };
}

/** The tools the agent is offered. */
export function travelTools(): JsonObject[] {
  return [
    toolDefinition("search_flights", ["origin", "destination", "date"]),
    toolDefinition("book_hotel", ["city", "check_in", "nights"]),
    toolDefinition("cancel_booking", ["booking_ref"]),
  ];
}

export function system(content: string = travelSystemPrompt): JsonObject {
  return { role: "system", content };
}

export function user(content: string): JsonObject {
  return { role: "user", content };
}

/** An assistant turn: text, or tool calls with the given (possibly null) text. */
export function assistant(content: string | null, calls: JsonValue[] = []): JsonObject {
  return calls.length > 0 ? { role: "assistant", content, tool_calls: calls } : { role: "assistant", content };
}

export function toolResult(callId: string, content: string): JsonObject {
  return { role: "tool", tool_call_id: callId, content };
}

/** A function tool call; `args` as logged, an object or a string. */
export function toolCall(name: string, args: JsonValue, id = `call_${name}`): JsonObject {
  return { id, type: "function", function: { name, arguments: args } };
}

export interface TravelRecordOptions {
  /** `request.messages`. @default a system prompt and one user question */
  readonly messages?: JsonValue[];
  /** `response.choices[0].message`. @default a text answer */
  readonly answer?: JsonObject;
  /** Choices after the first. */
  readonly moreChoices?: JsonValue[];
  /** `request.tools`. @default travelTools() */
  readonly tools?: JsonValue[];
}

/** A log record as the agent's logger writes it: an OpenAI chat-completions request and response. */
export function travelRecord(options: TravelRecordOptions = {}): JsonObject {
  const messages = options.messages ?? [system(), user("Can you find me a flight from Oslo to Lisbon on 12 May?")];
  const answer = options.answer ?? assistant("There is a direct TAP flight at 09:40 for 189 EUR.");
  return {
    workload_id: "trip-planner",
    client_id: "northwind-web",
    timestamp: "2025-05-01T08:00:00Z",
    request: { model: "agent-large", messages, tools: options.tools ?? travelTools() },
    response: {
      id: "chatcmpl-trip",
      object: "chat.completion",
      choices: [{ index: 0, message: answer, finish_reason: "stop" }, ...(options.moreChoices ?? [])],
    },
  };
}

/** A question answered with a text reply. */
export function textTrip(question: string, reply = "Here is what I found for you."): JsonObject {
  return travelRecord({ messages: [system(), user(question)], answer: assistant(reply) });
}

/** Arguments each tool is called with, unless a record says otherwise. */
const defaultArguments: Readonly<Record<string, JsonObject>> = {
  search_flights: { origin: "OSL", destination: "LIS", date: "2025-05-12" },
  book_hotel: { city: "Porto", check_in: "2025-05-14", nights: "2" },
  cancel_booking: { booking_ref: "NW-88213" },
};

/** A question answered with one call of `tool`. */
export function toolTrip(question: string, tool: string, args: JsonValue = defaultArguments[tool] ?? { note: "none" }): JsonObject {
  return travelRecord({ messages: [system(), user(question)], answer: assistant(null, [toolCall(tool, args)]) });
}

/** The validated record; fails the test with the drop reason if it is dropped. */
export function curated(document: JsonObject, timestamp = 1_746_000_000_000): CuratedRecord {
  const result = validateRecord(pulled(document, timestamp), { limits: defaultLimits });
  if (!result.ok) {
    throw new Error(`expected a valid record, but it is dropped as ${result.reason}`);
  }
  return result.record;
}

/** As the sample holds it. */
export function sampled(document: JsonObject, timestamp = 1_746_000_000_000): SampledRecord {
  return asSampled(curated(document, timestamp));
}

/**
 * Sampled tool-calling records, `counts[tool]` of each tool (`no_tool`: text answers), each with its
 * own question and a timestamp a second apart.
 */
export function sampledMix(counts: Readonly<Record<string, number>>, question = "Trip request"): SampledRecord[] {
  let n = 0;
  return Object.entries(counts).flatMap(([tool, count]) =>
    Array.from({ length: count }, () => {
      n += 1;
      const text = `${question} #${n} (${tool})`;
      return sampled(tool === "no_tool" ? textTrip(text) : toolTrip(text, tool), 1_746_000_000_000 + n * 1000);
    }),
  );
}

/** Documents as a source yields them: newest first, a second apart. */
export function newestFirst(documents: readonly JsonObject[]): PulledDocument[] {
  return documents.map((document, i) => pulled(document, 1_746_000_000_000 - i * 1000));
}
