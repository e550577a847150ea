/**
 * The cases NVIDIA's Data Flywheel blueprint asserts in its unit tests (commit 419e2cc:
 * test_openai_format_validator, test_data_validator, test_util, test_icl_selection, test_evaluator,
 * test_customizer, test_config) that apply to this job, as this job's own tests with its own records
 * (a travel-booking agent). Where the job deliberately behaves differently, the test asserts the
 * job's behaviour and its title says what the blueprint does.
 */
import { type FlywheelJobConfigInput, parseJobConfig } from "../src/config/job-config";
import { curate } from "../src/curation/curate";
import { buildIclRecords, type IclSettings, withExamples } from "../src/curation/icl/build-icl-records";
import { UniformExampleSelector } from "../src/curation/icl/example-selector";
import { examplesInstruction, renderExample, requestTokens } from "../src/curation/icl/example-text";
import { countTokens } from "../src/curation/icl/tokenizer";
import { checkMinimums } from "../src/curation/minimums";
import { contentText, type CuratedRecord, type JsonObject, type JsonValue, type SampledRecord, toolLabel } from "../src/curation/records";
import { splitRecords, validationSize } from "../src/curation/split";
import { validateRecord, type ValidationOptions } from "../src/curation/validate";
import { evalLine, iclLine, trainingLine } from "../src/datasets/layouts";
import { InsufficientDataError, UsageError } from "../src/errors";
import { JsonlLogSource } from "../src/logs/jsonl-log-source";
import type { PulledRecord } from "../src/logs/log-source";
import { CustomizerClient } from "../src/backends/nemo-25/customizer";
import { evaluationJobBody, type EvaluationJobSpec, evaluationNames } from "../src/backends/nemo-25/evaluation-config";
import { type ServiceCall, ServiceClient, type ServiceResponse } from "../src/http/service-client";
import {
  assistant,
  curated,
  newestFirst,
  sampled,
  sampledMix,
  system,
  textTrip,
  toolCall,
  toolDefinition,
  toolResult,
  toolTrip,
  travelRecord,
  travelSystemPrompt,
  travelTools,
  user,
} from "./support/blueprint-records";
import { asSampled, defaultLimits, pulled, stream, writeLogFile } from "./support/logs";

const validation: ValidationOptions = { limits: defaultLimits };

/** "valid", or the reason the record is dropped for. */
function outcome(document: JsonObject, options: ValidationOptions = validation): string {
  const result = validateRecord(pulled(document), options);
  return result.ok ? "valid" : result.reason;
}

/** The travel record with top-level fields replaced. */
const replaced = (changes: JsonObject): JsonObject => ({ ...travelRecord(), ...changes });
const withRequest = (request: JsonValue): JsonObject => replaced({ request });
const withResponse = (response: JsonValue): JsonObject => replaced({ response });
const withChoices = (choices: JsonValue): JsonObject => withResponse({ id: "chatcmpl-trip", choices });
function without(key: string): JsonObject {
  const document = travelRecord();
  delete document[key];
  return document;
}

/** The travel record whose response is this assistant message. */
const answering = (answer: JsonObject): JsonObject => travelRecord({ answer });
/** A response calling `search_flights` with these logged arguments. */
const flightSearch = (args: JsonValue): JsonObject => answering(assistant(null, [toolCall("search_flights", args)]));

const argumentsOf = (record: CuratedRecord): JsonValue[] => record.toolCalls.map((call) => call.function.arguments);

async function curateAll(documents: readonly JsonObject[], limit = 1000): ReturnType<typeof curate> {
  const records: PulledRecord[] = newestFirst(documents);
  return curate(stream(records), { limit, seed: 7, limits: defaultLimits });
}

const firstUserText = (record: CuratedRecord): JsonValue | undefined => record.request.messages.find((message) => message.role === "user")?.content;

describe("record validation (blueprint: test_openai_format_validator)", () => {
  describe("chat-completion format", () => {
    it.each([
      ["one user message and one choice", travelRecord({ messages: [user("Is there a night train from Vienna to Venice?")] })],
      [
        "a multi-turn system, user, assistant, user conversation",
        travelRecord({
          messages: [system(), user("I need a hotel in Porto."), assistant("For which dates?"), user("From 14 May, two nights.")],
        }),
      ],
      ["two choices", travelRecord({ moreChoices: [{ index: 1, message: assistant("TAP has a 09:40 flight."), finish_reason: "stop" }] })],
    ])("accepts a record with %s", (_what, document) => {
      expect(outcome(document)).toBe("valid");
    });

    it.each([
      ["empty messages and empty choices", "missing_messages", replaced({ request: { messages: [] }, response: { choices: [] } })],
      ["no request", "missing_request", without("request")],
      ["no response", "missing_response_message", without("response")],
      ["a request that is a string", "missing_request", withRequest("Find me a flight to Lisbon")],
      ["a response that is a string", "missing_response_message", withResponse("There is a flight at 09:40")],
      ["an empty request object", "missing_messages", withRequest({})],
      ["messages that are a string", "missing_messages", withRequest({ messages: "Find me a flight to Lisbon" })],
      ["null messages", "missing_messages", withRequest({ messages: null })],
      ["an empty response object", "missing_response_message", withResponse({})],
      ["choices that are a string", "missing_response_message", withChoices("the first one")],
      ["choices that are a number", "missing_response_message", withChoices(3)],
      ["null choices", "missing_response_message", withChoices(null)],
      ["an empty record {}", "missing_request", {}],
      ["a null request", "missing_request", withRequest(null)],
      ["messages at the top level instead of in a request, and an empty response", "missing_request", { messages: [], response: {} }],
      [
        "not_choices where choices belong",
        "missing_response_message",
        withResponse({ not_choices: [{ index: 0, message: assistant("TAP has a 09:40 flight."), finish_reason: "stop" }] }),
      ],
      ["choices that are an object", "missing_response_message", withChoices({ index: 0, message: assistant("TAP has a 09:40 flight.") })],
      ["an empty choices list", "missing_response_message", withChoices([])],
      ["a first choice that is a string", "missing_response_message", withChoices(["TAP has a 09:40 flight."])],
      ["a first choice that is a number", "missing_response_message", withChoices([42])],
      ["a first choice that is null", "missing_response_message", withChoices([null])],
    ])("drops a record with %s as %s", (_what, reason, document) => {
      expect(outcome(document)).toBe(reason);
    });

    it("keeps a record whose second choice is a string: only choices[0] is read (the blueprint drops the record)", () => {
      const record = curated(travelRecord({ moreChoices: ["garbage"] }));
      expect(record.responseMessage.content).toBe("There is a direct TAP flight at 09:40 for 189 EUR.");
      expect((record.response.choices as JsonValue[])[1]).toBe("garbage");
    });

    it("skips log lines that are null, a string or a list: they are not records (the blueprint's validator rejects them)", async () => {
      const path = writeLogFile([JSON.stringify(travelRecord()), "null", '"Find me a flight to Lisbon"', "[]", JSON.stringify([travelRecord()])]);
      const source = new JsonlLogSource(path);
      const records: PulledRecord[] = [];
      for await (const record of source.pull({ workloadId: "trip-planner", clientId: "northwind-web", maxRecords: 10, maxRecordBytes: defaultLimits.maxRecordBytes })) {
        records.push(record);
      }
      expect(records.map((record) => record.kind)).toEqual(["document"]);
      expect(source.stats).toMatchObject({ lines: 5, malformedLines: 4, matchingRecords: 1 });
    });
  });

  describe("tool calls of the response", () => {
    it.each([
      ["a text answer without tool_calls", assistant("TAP has a 09:40 flight."), []],
      ["a function call", assistant(null, [toolCall("search_flights", { origin: "OSL", destination: "LIS", date: "2025-05-12" })]), ["search_flights"]],
      ["tool_calls: []", { role: "assistant", content: "TAP has a 09:40 flight.", tool_calls: [] }, []],
      ["tool_calls: null", { role: "assistant", content: "TAP has a 09:40 flight.", tool_calls: null }, []],
    ])("reads %s", (_what, answer, names) => {
      const record = curated(answering(answer));
      expect(record.toolCalls.map((call) => call.function.name)).toEqual(names);
      expect(toolLabel(record)).toBe(names[0] ?? "no_tool");
    });

    it("reads a call without a type as a function call and writes its type (the blueprint does not count it as a tool call)", () => {
      const record = curated(answering(assistant(null, [{ id: "call_1", function: { name: "book_hotel", arguments: '{"city":"Porto"}' } }])));
      expect(record.toolCalls).toEqual([{ id: "call_1", type: "function", function: { name: "book_hotel", arguments: { city: "Porto" } } }]);
    });

    it("drops a call whose type is not function as unsupported_tool_call_type", () => {
      expect(outcome(answering(assistant(null, [{ id: "call_1", type: "not_function", function: { name: "book_hotel", arguments: "{}" } }])))).toBe(
        "unsupported_tool_call_type",
      );
    });

    it("reads only choices[0]: a text first choice before a tool-calling second one is a text answer (the blueprint counts the record as tool calling)", () => {
      const document = travelRecord({
        answer: assistant("Let me check."),
        moreChoices: [{ index: 1, message: assistant(null, [toolCall("search_flights", { origin: "OSL", destination: "LIS" })]), finish_reason: "tool_calls" }],
      });
      const record = curated(document);
      expect(record.toolCalls).toEqual([]);
      expect(toolLabel(record)).toBe("no_tool");
    });

    it("takes the tool calls of a response whose first choice calls a tool and whose second answers in text, and keeps both choices", () => {
      const second = { index: 1, message: assistant("Flights from Oslo start at 189 EUR."), finish_reason: "stop" };
      const record = curated(travelRecord({ answer: assistant(null, [toolCall("search_flights", '{"origin":"OSL","destination":"LIS"}')]), moreChoices: [second] }));
      expect(argumentsOf(record)).toEqual([{ origin: "OSL", destination: "LIS" }]);
      expect(record.response.choices).toHaveLength(2);
      expect((record.response.choices as JsonValue[])[1]).toEqual(second);
    });
  });

  describe("tool-call arguments", () => {
    it("parses the string arguments of two calls into objects", () => {
      const record = curated(
        answering(
          assistant(null, [
            toolCall("search_flights", '{"origin":"OSL","destination":"OPO","date":"2025-05-14"}'),
            toolCall("book_hotel", '{"city":"Porto","check_in":"2025-05-14","nights":2}'),
          ]),
        ),
      );
      expect(argumentsOf(record)).toEqual([
        { origin: "OSL", destination: "OPO", date: "2025-05-14" },
        { city: "Porto", check_in: "2025-05-14", nights: 2 },
      ]);
    });

    it.each([
      ["object arguments", { city: "Porto", nights: 2 }, { city: "Porto", nights: 2 }],
      ['"{}"', "{}", {}],
      ["an empty object", {}, {}],
      [
        "a string of nested JSON",
        '{"trip":{"legs":[{"from":"OSL","to":"LIS"},{"from":"LIS","to":"OPO"}]},"flexible":true}',
        { trip: { legs: [{ from: "OSL", to: "LIS" }, { from: "LIS", to: "OPO" }] }, flexible: true },
      ],
      ['"" (read as {}; the blueprint drops the record)', "", {}],
      ['a whitespace-only string (read as {}; the blueprint drops the record)', "  \n\t ", {}],
    ])("reads %s", (_what, logged, parsed) => {
      expect(argumentsOf(curated(flightSearch(logged)))).toEqual([parsed]);
    });

    it.each([
      ["arguments that are not valid JSON", "invalid_tool_arguments", flightSearch('{"origin": "OSL", ')],
      ["arguments that are a JSON list, not an object", "invalid_tool_arguments", flightSearch('["OSL","LIS"]')],
      ["a call without an arguments key (the blueprint's argument parsing lets it through)", "invalid_tool_arguments", answering(assistant(null, [{ id: "call_1", type: "function", function: { name: "search_flights" } }]))],
      ["tool_calls: [{}] (the blueprint's argument parsing lets it through)", "invalid_tool_calls", answering(assistant(null, [{}]))],
      ["tool_calls that are a string", "invalid_tool_calls", answering({ role: "assistant", content: null, tool_calls: "search_flights(OSL, LIS)" })],
      [
        "an earlier assistant turn whose tool_calls are a string",
        "invalid_message",
        travelRecord({ messages: [system(), user("Fly me to Lisbon"), { role: "assistant", content: null, tool_calls: "search_flights" }, user("Well?")] }),
      ],
    ])("drops a record with %s as %s", (_what, reason, document) => {
      expect(outcome(document)).toBe(reason);
    });
  });

  describe("tool property limit", () => {
    const offering = (properties: number): JsonObject =>
      travelRecord({
        tools: [toolDefinition("plan_trip", Array.from({ length: properties }, (_, i) => `field_${i + 1}`))],
        answer: assistant(null, [toolCall("plan_trip", { field_1: "Lisbon" })]),
      });

    it("keeps a tool with 3 properties, with and without a limit of 8", () => {
      expect(outcome(offering(3))).toBe("valid");
      expect(outcome(offering(3), { ...validation, maxToolProperties: 8 })).toBe("valid");
    });

    it("keeps a tool with 9 properties unless data.maxToolProperties is set (the blueprint always drops tools with more than 8)", () => {
      expect(outcome(offering(9))).toBe("valid");
      expect(outcome(offering(9), { ...validation, maxToolProperties: 8 })).toBe("too_many_tool_properties");
      expect(outcome(offering(8), { ...validation, maxToolProperties: 8 })).toBe("valid");
    });
  });

  describe("unusual but valid records", () => {
    it("keeps unicode and special characters as logged", () => {
      const question = 'Réservez un hôtel à Zürich 🏨 — 東京 → 大阪, "quoted", <b>tags</b> & back\\slash\ttab';
      const record = curated(travelRecord({ messages: [system(), user(question)], answer: assistant(null, [toolCall("book_hotel", JSON.stringify({ city: "Zürich", note: "ünïcødé ✓ 🏨" }))]) }));
      expect(firstUserText(record)).toBe(question);
      expect(argumentsOf(record)).toEqual([{ city: "Zürich", note: "ünïcødé ✓ 🏨" }]);
    });

    it("keeps a conversation of 100 messages", () => {
      const turns = Array.from({ length: 99 }, (_, i) => (i % 2 === 0 ? user(`Leg ${i / 2 + 1}: what next?`) : assistant(`Leg ${(i + 1) / 2} is booked.`)));
      const record = curated(travelRecord({ messages: [system(), ...turns] }));
      expect(record.request.messages).toHaveLength(100);
    });
  });
});

describe("validation flow and deduplication (blueprint: test_data_validator)", () => {
  const textQuestions = (count: number, prefix = "Question"): JsonObject[] => Array.from({ length: count }, (_, i) => textTrip(`${prefix} ${i}: any rooms in Porto?`));

  it.each([
    [150, 100, 100],
    [100, 100, 100],
  ])("samples %i distinct generic records with limit %i down to %i", async (count, limit, expected) => {
    const result = await curateAll(textQuestions(count), limit);
    expect(result.workloadType).toBe("generic");
    expect(result.counts).toMatchObject({ valid: count, unique: count, sampled: expected });
  });

  it("fails for too few records: 50 usable against minTotalRecords 70", async () => {
    const result = await curateAll(textQuestions(50));
    const check = () => checkMinimums(result, { minTotalRecords: 70, evalSize: 5 }, { source: "trips.jsonl", workloadId: "trip-planner", clientId: "northwind-web" });
    expect(check).toThrow(InsufficientDataError);
    expect(check).toThrow(/only 50 usable records for workload "trip-planner", client "northwind-web" \(minTotalRecords is 70/);
  });

  it("treats logs of text answers only as a generic workload and keeps them (the blueprint, told the workload is tool-calling, fails for too few valid records)", async () => {
    const result = await curateAll(textQuestions(12));
    expect(result.workloadType).toBe("generic");
    expect(result.counts.sampled).toBe(12);
    expect(result.dropCounts.no_tool_calls).toBe(0);
  });

  it("keeps only the tool calls of a tool-calling workload: of 10 text answers and 5 tool calls, the 5 remain and the 10 are counted as no_tool_calls", async () => {
    const documents = Array.from({ length: 15 }, (_, i) => (i % 3 === 1 ? toolTrip(`Cancel booking number ${i}`, "cancel_booking") : textTrip(`What is the baggage allowance on route ${i}?`)));
    const result = await curateAll(documents);
    expect(result.workloadType).toBe("tool_calling");
    expect(result.sample.map((record) => record.toolLabel)).toEqual(Array.from({ length: 5 }, () => "cancel_booking"));
    expect(result.dropCounts.no_tool_calls).toBe(10);
    expect(result.counts).toMatchObject({ valid: 15, ofWorkloadType: 5 });
  });

  it("drops an older record that repeats a user question and keeps the newest", async () => {
    const result = await curateAll([
      textTrip("Book me a hotel in Porto for two nights", "Booked the Infante Sagres (newest)."),
      textTrip("Is breakfast included?", "Yes."),
      textTrip("  Book me a hotel in Porto\nfor two nights ", "Booked the Pestana (older)."),
    ]);
    expect(result.counts).toMatchObject({ unique: 2, sampled: 2 });
    expect(result.dropCounts.duplicate).toBe(1);
    const kept = result.sample.map((record) => record.load()).find((record) => contentText(firstUserText(record)).startsWith("Book"));
    expect(kept?.responseMessage.content).toBe("Booked the Infante Sagres (newest).");
  });

  it("keeps distinct records without a user message (system and assistant only), and collapses identical ones", async () => {
    const scheduled = (summary: string): JsonObject =>
      travelRecord({ messages: [system("Summarise today's bookings for the duty manager."), assistant(summary)], answer: assistant("Summary sent.") });
    const result = await curateAll([scheduled("3 flights, 2 hotels."), scheduled("5 flights, 1 car."), scheduled("3 flights, 2 hotels.")]);
    expect(result.counts).toMatchObject({ valid: 3, unique: 2, sampled: 2 });
    expect(result.dropCounts.duplicate).toBe(1);
  });

  it("drops a record with the same user turns and a different assistant turn as a duplicate", async () => {
    const conversation = (reply: string): JsonObject => travelRecord({ messages: [system(), user("I want to fly to Lisbon."), assistant(reply), user("Tomorrow morning.")] });
    const result = await curateAll([conversation("When would you like to leave?"), conversation("Which date suits you?")]);
    expect(result.counts.unique).toBe(1);
    expect(result.dropCounts.duplicate).toBe(1);
  });

  it("keeps records whose first user turns differ", async () => {
    const conversation = (first: string): JsonObject => travelRecord({ messages: [system(), user(first), assistant("When would you like to leave?"), user("Tomorrow morning.")] });
    const result = await curateAll([conversation("I want to fly to Lisbon."), conversation("I want to fly to Madrid.")]);
    expect(result.counts.unique).toBe(2);
    expect(result.dropCounts.duplicate).toBe(0);
  });

  it("drops records without a request, without messages or with string messages as invalid before deduplication (the blueprint passes them through deduplication)", async () => {
    const result = await curateAll([textTrip("Is there a lounge in Oslo?"), without("request"), withRequest({ model: "agent-large" }), withRequest({ messages: "Is there a lounge in Oslo?" })]);
    expect(result.counts).toMatchObject({ pulled: 4, valid: 1, unique: 1, sampled: 1 });
    expect(result.dropCounts).toMatchObject({ missing_request: 1, missing_messages: 2, duplicate: 0 });
  });
});

describe("split sizes and stratification (blueprint: test_util)", () => {
  const sizes = (split: ReturnType<typeof splitRecords>): number[] => [split.eval.length, split.validation.length, split.train.length];
  const keysOf = (records: readonly SampledRecord[]): string[] => records.map((record) => record.dedupKey).sort();
  const labels = (records: readonly SampledRecord[]): Record<string, number> => {
    const counts: Record<string, number> = {};
    records.forEach((record) => (counts[record.toolLabel] = (counts[record.toolLabel] ?? 0) + 1));
    return counts;
  };
  /** `count` tool-calling records, about half searching flights, a third booking hotels, the rest cancelling. */
  const trips = (count: number): SampledRecord[] => {
    const flights = Math.ceil(count / 2);
    const hotels = Math.ceil((count - flights) * 0.6);
    return sampledMix({ search_flights: flights, book_hotel: hotels, cancel_booking: count - flights - hotels });
  };

  it.each([
    [100, 5, 0.1, [5, 10, 85]],
    [200, 20, 0.15, [20, 27, 153]],
    [20, 2, 0.2, [2, 4, 14]],
  ])("splits %i records with evalSize %i and valRatio %s into eval, validation and train of %j, no record in two", (count, evalSize, valRatio, expected) => {
    const records = trips(count);
    const split = splitRecords(records, { evalSize, valRatio, seed: 42 });
    expect(sizes(split)).toEqual(expected);
    expect(keysOf([...split.eval, ...split.validation, ...split.train])).toEqual(keysOf(records));
  });

  it("rounds the validation share to the nearest record: 24 records, evalSize 3 and valRatio 0.1 give 2 for validation (the blueprint rounds up, as sklearn does, to 3)", () => {
    expect(validationSize(21, 0.1)).toBe(2);
    expect(sizes(splitRecords(trips(24), { evalSize: 3, valRatio: 0.1, seed: 42 }))).toEqual([3, 2, 19]);
  });

  it("gives every split every tool, in proportion: 30 search_flights, 20 book_hotel and 10 cancel_booking with evalSize 6", () => {
    const split = splitRecords(sampledMix({ search_flights: 30, book_hotel: 20, cancel_booking: 10 }), { evalSize: 6, valRatio: 0.1, seed: 42 });
    expect(labels(split.eval)).toEqual({ search_flights: 3, book_hotel: 2, cancel_booking: 1 });
    for (const part of [split.validation, split.train]) {
      expect(Object.keys(labels(part)).sort()).toEqual(["book_hotel", "cancel_booking", "search_flights"]);
    }
  });

  it("gives every split at least one record of a rare tool, where a proportional share would round it away: 40, 15 and 5 with evalSize 6", () => {
    const split = splitRecords(sampledMix({ search_flights: 40, book_hotel: 15, cancel_booking: 5 }), { evalSize: 6, valRatio: 0.1, seed: 42 });
    expect(labels(split.eval)).toEqual({ search_flights: 4, book_hotel: 1, cancel_booking: 1 });
    expect(labels(split.validation).cancel_booking).toBeGreaterThanOrEqual(1);
  });

  it("splits a single tool by the ratio: 60 records, evalSize 6 and valRatio 0.2 leave 11 of the other 54 for validation (within the blueprint's 15–25%)", () => {
    const split = splitRecords(sampledMix({ search_flights: 60 }), { evalSize: 6, valRatio: 0.2, seed: 42 });
    expect(sizes(split)).toEqual([6, 11, 43]);
    expect(split.validation.length / 54).toBeGreaterThanOrEqual(0.15);
    expect(split.validation.length / 54).toBeLessThanOrEqual(0.25);
  });

  it("gives another split for another seed", () => {
    const records = sampledMix({ search_flights: 30, book_hotel: 20, cancel_booking: 10 });
    const evalKeys = (seed: number): string[] => keysOf(splitRecords(records, { evalSize: 6, valRatio: 0.1, seed }).eval);
    expect(evalKeys(1)).toEqual(evalKeys(1));
    expect(evalKeys(2)).not.toEqual(evalKeys(1));
  });

  it("merges tools with one record into others instead of failing: 18 of one tool and 2 singletons, evalSize 5, split all 20 with 5 to evaluate", () => {
    const records = sampledMix({ search_flights: 18, book_hotel: 1, cancel_booking: 1 });
    const split = splitRecords(records, { evalSize: 5, valRatio: 0.1, seed: 42 });
    expect(split.eval).toHaveLength(5);
    expect(keysOf([...split.eval, ...split.validation, ...split.train])).toEqual(keysOf(records));
    expect(split.merged).toEqual(["book_hotel", "cancel_booking"]);
    expect(new Set(split.labelOf.values())).toEqual(new Set(["search_flights", "others"]));
  });

  it("takes 2 evaluation records at random when there are more tools than slots: 4 tools of 3 records", () => {
    const records = sampledMix({ search_flights: 3, book_hotel: 3, cancel_booking: 3, rent_car: 3 });
    const split = splitRecords(records, { evalSize: 2, valRatio: 0.1, seed: 42 });
    expect(split.eval).toHaveLength(2);
    expect(keysOf([...split.eval, ...split.validation, ...split.train])).toEqual(keysOf(records));
  });
});

describe("evaluation lines (blueprint: test_util, format for the evaluator)", () => {
  /** A conversation whose assistant already searched flights (arguments logged as a spaced string) and looked up a booking (as an object). */
  const multiStep = (): CuratedRecord =>
    curated(
      travelRecord({
        messages: [
          system(),
          user("Move my Lisbon trip to the 14th and find a hotel."),
          assistant(null, [toolCall("search_flights", '{"origin": "OSL", "destination": "LIS", "date": "2025-05-14"}', "call_a")]),
          toolResult("call_a", '{"flights":[{"number":"TP1311","departs":"09:40"}]}'),
          assistant("Found TP1311.", [toolCall("cancel_booking", { booking_ref: "NW-88213" }, "call_b")]),
          toolResult("call_b", '{"cancelled":true}'),
          user("Great, now the hotel."),
        ],
        answer: assistant(null, [toolCall("book_hotel", '{"city": "Lisbon", "check_in": "2025-05-14", "nights": 3}', "call_c")]),
      }),
    );
  type LineMessage = { role: string; content?: JsonValue; tool_calls?: Array<{ function: { arguments: JsonValue } }> };
  const historyArguments = (line: JsonObject): JsonValue[] =>
    ((line.request as { messages: LineMessage[] }).messages ?? []).flatMap((message) => (message.tool_calls ?? []).map((call) => call.function.arguments));

  it("writes the arguments of earlier assistant turns as JSON strings, also in the ICL line", () => {
    const record = multiStep();
    const expected = ['{"origin":"OSL","destination":"LIS","date":"2025-05-14"}', '{"booking_ref":"NW-88213"}'];
    expect(historyArguments(evalLine(record))).toEqual(expected);
    expect(historyArguments(iclLine(record, [curated(toolTrip("Cancel NW-1", "cancel_booking"))]))).toEqual(expected);
  });

  it("re-serialises arguments logged as a string compactly from the parsed object, so both logged forms come out the same (the blueprint keeps a string as logged)", () => {
    const [logged] = historyArguments(evalLine(multiStep()));
    expect(logged).toBe(JSON.stringify({ origin: "OSL", destination: "LIS", date: "2025-05-14" }));
    expect(logged).not.toBe('{"origin": "OSL", "destination": "LIS", "date": "2025-05-14"}');
  });

  it("keeps the response's arguments as objects: the ground truth the tool-calling metric compares", () => {
    const line = evalLine(multiStep());
    expect((line.response as { choices: Array<{ message: LineMessage }> }).choices[0].message.tool_calls?.map((call) => call.function.arguments)).toEqual([
      { city: "Lisbon", check_in: "2025-05-14", nights: 3 },
    ]);
  });

  it("writes a conversation without tool calls as logged", () => {
    const record = curated(travelRecord({ messages: [system(), user("Do I need a visa for Brazil?"), assistant("Which passport do you hold?"), user("Norwegian.")] }));
    const line = evalLine(record);
    expect(line.request).toEqual(record.request);
    expect(line.response).toEqual(record.response);
  });
});

describe("training lines (blueprint: test_util format for training, test_dataset_creator)", () => {
  it("writes a generic record as its conversation followed by the answer", () => {
    const record = curated(travelRecord({ messages: [user("Can I bring skis on the train?")], answer: assistant("Yes, as oversized luggage.") }));
    expect(trainingLine(record, "generic")).toEqual({
      messages: [
        { role: "user", content: "Can I bring skis on the train?" },
        { role: "assistant", content: "Yes, as oversized luggage." },
      ],
    });
  });

  it("copies the tools of a tool-calling record and blanks the text of the answer that calls them", () => {
    const record = curated(toolTripWithText());
    const line = trainingLine(record, "tool_calling");
    expect(line.tools).toEqual(travelTools());
    expect((line.messages as JsonObject[]).at(-1)).toEqual({
      role: "assistant",
      content: "",
      tool_calls: [{ id: "call_search_flights", type: "function", function: { name: "search_flights", arguments: { origin: "OSL", destination: "LIS", date: "2025-05-12" } } }],
    });
  });

  it("writes null content as empty text", () => {
    const record = curated(travelRecord({ messages: [system(), user("Hello?"), assistant(null), user("Anyone there?")], answer: assistant("Yes, how can I help?") }));
    expect((trainingLine(record, "generic").messages as JsonObject[]).map((message) => message.content)).toEqual([travelSystemPrompt, "Hello?", "", "Anyone there?", "Yes, how can I help?"]);
  });

  it("builds datasets only from valid records: a record without choices or with keys missing is dropped and counted", async () => {
    const result = await curateAll([textTrip("Is the ferry running?"), withChoices([]), without("request"), without("response"), textTrip("Is the airport open?")]);
    expect(result.counts.sampled).toBe(2);
    expect(result.dropCounts).toMatchObject({ missing_request: 1, missing_response_message: 2 });
    expect(result.sample.map((record) => trainingLine(record.load(), "generic").messages).flat()).toHaveLength(6);
  });

  it("blanks earlier assistant turns that call tools, with null, empty or other text, and keeps their calls as objects", () => {
    const record = curated(
      travelRecord({
        messages: [
          system(),
          user("Rebook me to Porto and cancel the old hotel."),
          assistant(null, [toolCall("search_flights", '{"origin":"OSL","destination":"OPO"}', "call_1")]),
          toolResult("call_1", '{"flights":["TP1313"]}'),
          assistant("", [toolCall("cancel_booking", { booking_ref: "NW-1" }, "call_2")]),
          toolResult("call_2", '{"cancelled":true}'),
          assistant("Cancelled; now the new hotel.", [toolCall("book_hotel", { city: "Porto" }, "call_3")]),
          toolResult("call_3", '{"booked":true}'),
        ],
        answer: assistant(null, [toolCall("search_flights", { origin: "OPO", destination: "OSL" }, "call_4")]),
      }),
    );
    const messages = trainingLine(record, "tool_calling").messages as Array<{ role: string; content: string; tool_calls?: Array<{ function: { arguments: JsonValue } }> }>;
    const calling = messages.filter((message) => message.tool_calls !== undefined);
    expect(calling.map((message) => message.content)).toEqual(["", "", "", ""]);
    expect(calling.map((message) => message.tool_calls?.map((call) => call.function.arguments))).toEqual([
      [{ origin: "OSL", destination: "OPO" }],
      [{ booking_ref: "NW-1" }],
      [{ city: "Porto" }],
      [{ origin: "OPO", destination: "OSL" }],
    ]);
    expect(messages.filter((message) => message.role === "tool").map((message) => message.content)).toEqual(['{"flights":["TP1313"]}', '{"cancelled":true}', '{"booked":true}']);
  });
});

/** A flight search whose answer also has text. */
function toolTripWithText(): JsonObject {
  return travelRecord({ answer: assistant("Let me look that up.", [toolCall("search_flights", { origin: "OSL", destination: "LIS", date: "2025-05-12" })]) });
}

describe("ICL examples (blueprint: test_icl_selection)", () => {
  const instructionTokens = countTokens(`${examplesInstruction}\n\n`);
  /** What one example costs in the budget, before the margin. */
  const exampleTokens = (record: CuratedRecord): number => countTokens(`${renderExample(record, 99)}\n\n`);
  const evalRecord = sampled(toolTrip("Where can I park at Oslo airport?", "search_flights"), 1_746_100_000_000);

  /** A tool-calling training record whose example costs exactly `tokens`. */
  function exampleOfCost(tokens: number, tool: string, topic: string): SampledRecord {
    for (let n = 0; n < 400; n++) {
      const record = curated(toolTrip(`${topic}${" please".repeat(n)}`, tool));
      const cost = exampleTokens(record);
      if (cost === tokens) {
        return asSampled(record);
      }
      if (cost > tokens) {
        break;
      }
    }
    throw new Error(`no example of ${tokens} tokens`);
  }

  /** Settings leaving exactly `budget` tokens for examples, without a margin. */
  const budgetOf = (budget: number, maxExamples = 3): IclSettings => ({
    maxExamples,
    maxContextLength: requestTokens(evalRecord.load()) + instructionTokens + budget,
    reservedTokens: 0,
    tokenSafetyMargin: 0,
  });
  const roomy: IclSettings = { maxExamples: 10, maxContextLength: 1_000_000, reservedTokens: 0, tokenSafetyMargin: 0.15 };

  it("pads every count by the safety margin, rounding up (the blueprint rounds the padding down)", async () => {
    const example = exampleOfCost(81, "search_flights", "Flights to Rome");
    const pad = (tokens: number): number => Math.ceil(tokens * 1.5);
    const needed = pad(requestTokens(evalRecord.load())) + pad(instructionTokens) + pad(81);
    const fitted = async (maxContextLength: number): Promise<number> =>
      (await buildIclRecords([evalRecord], [example], new UniformExampleSelector(1), { maxExamples: 1, maxContextLength, reservedTokens: 0, tokenSafetyMargin: 0.5 })).records[0].examples.length;
    expect(await fitted(needed)).toBe(1);
    expect(await fitted(needed - 1)).toBe(0);
  });

  it("renders a conversation as its user and assistant turns and the expected answer, leaving out the system prompt", () => {
    const record = curated(travelRecord({ messages: [system(), user("Do trains run to Sintra?"), assistant("Yes, every 20 minutes."), user("From which station?")], answer: assistant("Rossio.") }));
    expect(renderExample(record, 1)).toBe("Example 1:\nuser: Do trains run to Sintra?\nassistant: Yes, every 20 minutes.\nuser: From which station?\nExpected response: Rossio.");
  });

  it("renders a tool-calling record with the names and arguments of its calls", () => {
    const record = curated(
      travelRecord({
        messages: [system(), user("Cancel NW-4 and book Porto."), assistant(null, [toolCall("cancel_booking", '{"booking_ref":"NW-4"}')]), toolResult("call_cancel_booking", "ok")],
        answer: assistant(null, [toolCall("book_hotel", { city: "Porto" })]),
      }),
    );
    expect(renderExample(record, 2)).toBe(
      [
        "Example 2:",
        "user: Cancel NW-4 and book Porto.",
        'assistant tool calls: [{"name":"cancel_booking","arguments":{"booking_ref":"NW-4"}}]',
        "tool: ok",
        'Expected tool calls: [{"name":"book_hotel","arguments":{"city":"Porto"}}]',
      ].join("\n"),
    );
  });

  it.each([
    ["a text answer", "no_tool", assistant("Rossio.")],
    ["tool_calls: []", "no_tool", { role: "assistant", content: "Rossio.", tool_calls: [] }],
    ["one call", "book_hotel", assistant(null, [toolCall("book_hotel", {})])],
    ["two calls", "cancel_booking", assistant(null, [toolCall("cancel_booking", {}), toolCall("book_hotel", {})])],
  ])("labels a record with %s as %s: its first call's tool, or no_tool", (_what, label, answer) => {
    expect(toolLabel(curated(answering(answer)))).toBe(label);
  });

  it("puts the examples into a new system message at index 0 when the conversation has none", () => {
    const record = curated(travelRecord({ messages: [user("Any trains to Sintra?")] }));
    const messages = withExamples(record, [curated(textTrip("Trains to Cascais?", "Every 20 minutes."))]);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toEqual({ role: "system", content: `${examplesInstruction}\n\nExample 1:\nuser: Trains to Cascais?\nExpected response: Every 20 minutes.` });
    expect(messages[1]).toEqual(user("Any trains to Sintra?"));
  });

  it("puts the examples before the existing system prompt", () => {
    const record = curated(textTrip("Any trains to Sintra?"));
    const messages = withExamples(record, [curated(textTrip("Trains to Cascais?", "Every 20 minutes."))]);
    expect(messages).toHaveLength(2);
    expect(messages[0].role).toBe("system");
    expect(messages[0].content).toBe(`${examplesInstruction}\n\nExample 1:\nuser: Trains to Cascais?\nExpected response: Every 20 minutes.\n\n${travelSystemPrompt}`);
  });

  describe("uniform selection spreads the examples over tools: each once before any twice, most frequent first (the blueprint's uniform bins)", () => {
    const byFrequency = (...tools: string[]): Record<string, number> => Object.fromEntries(tools.map((tool, i) => [tool, 12 - i]));

    it.each([
      [10, byFrequency("search_flights", "book_hotel", "cancel_booking", "rent_car", "check_visa"), [2, 2, 2, 2, 2]],
      [10, byFrequency("search_flights", "book_hotel", "cancel_booking"), [4, 3, 3]],
      [2, byFrequency("search_flights", "book_hotel", "cancel_booking", "rent_car", "check_visa"), [1, 1, 0, 0, 0]],
      [10, byFrequency("search_flights"), [10]],
    ])("%i examples over %j: %j", async (maxExamples, counts, expected) => {
      const train = sampledMix(counts, "Example request");
      const { records } = await buildIclRecords([evalRecord], train, new UniformExampleSelector(maxExamples), { ...roomy, maxExamples });
      const shown = records[0].examples.map((example) => example.toolLabel);
      expect(Object.keys(counts).map((tool) => shown.filter((label) => label === tool).length)).toEqual(expected);
    });
  });

  describe("token budget", () => {
    // The blueprint's groups: one tool with examples of 80 and 120 tokens, another with one of 90.
    let train: SampledRecord[] = [];
    beforeAll(() => {
      train = [exampleOfCost(80, "search_flights", "Flights to Rome"), exampleOfCost(120, "search_flights", "Flights to Milan"), exampleOfCost(90, "book_hotel", "Hotel in Turin")];
    });

    it.each([
      [0, 0],
      [50, 0],
      [100, 1],
      [300, 3],
    ])("fits examples of 80, 90 and 120 tokens into %i tokens: %i of them", async (budget, expected) => {
      const { records } = await buildIclRecords([evalRecord], train, new UniformExampleSelector(3), budgetOf(budget));
      expect(records[0].examples).toHaveLength(expected);
    });

    it("skips an example that does not fit and tries the next: 80, 120 and 90 tokens in 175 give the 80 and the 90 (the blueprint stops at the 120 and gives 1)", async () => {
      const eighty = exampleOfCost(80, "search_flights", "Flights to Rome");
      const ninety = exampleOfCost(90, "search_flights", "Flights to Naples");
      const hundredTwenty = exampleOfCost(120, "book_hotel", "Hotel in Turin");
      const { records } = await buildIclRecords([evalRecord], [eighty, ninety, hundredTwenty], new UniformExampleSelector(3), budgetOf(175));
      expect(records[0].examples.map((example) => example.dedupKey)).toEqual([eighty.dedupKey, ninety.dedupKey]);
    });
  });

  it.each([1, 3])("gives every evaluation record maxExamples examples: %i", async (maxExamples) => {
    const train = sampledMix({ search_flights: 4, book_hotel: 3 }, "Example request");
    const evalRecords = sampledMix({ search_flights: 2, book_hotel: 1 }, "Evaluation request");
    const { records, stats } = await buildIclRecords(evalRecords, train, new UniformExampleSelector(maxExamples), { ...roomy, maxExamples });
    expect(records.map((icl) => icl.examples.length)).toEqual([maxExamples, maxExamples, maxExamples]);
    expect(stats.examplesPerRecord[maxExamples]).toBe(3);
    for (const icl of records) {
      const line = iclLine(icl.record.load(), icl.examples.map((example) => example.load()));
      const systemText = contentText((line.request as { messages: JsonObject[] }).messages[0].content);
      expect(systemText.match(/^Example \d+:$/gm)).toHaveLength(maxExamples);
    }
  });
});

describe("NeMo request bodies (blueprint: test_evaluator, test_customizer)", () => {
  const spec = (workloadType: EvaluationJobSpec["workloadType"]): EvaluationJobSpec => ({
    workloadType,
    datasetFileUrl: "hf://datasets/dfwbp/trip-planner-eval/eval_data.jsonl",
    records: 25,
    target: { url: "http://llama-3-2-1b.flywheel.svc:8000/v1/chat/completions", modelId: "meta/llama-3.2-1b-instruct" },
    judge: { url: "https://judge.example.com/v1/chat/completions", modelId: "meta/llama-3.3-70b-instruct" },
  });
  type Task = { dataset: JsonObject; params: { template: JsonObject } };
  const taskOf = (body: Record<string, unknown>, name: string): Task => (body.config as { tasks: Record<string, Task> }).tasks[name];

  it("asks for tool calls with the logged tools in a tool-calling evaluation, against the candidate as a model target, over the dataset's records", () => {
    const body = evaluationJobBody(spec("tool_calling"));
    expect(Object.keys(body).sort()).toEqual(["config", "target"]);
    const task = taskOf(body, evaluationNames.toolCalling.task);
    expect(task.params.template).toMatchObject({ tools: "{{ item.request.tools | tojson }}", tool_choice: "required" });
    expect(task.dataset).toEqual({ files_url: "hf://datasets/dfwbp/trip-planner-eval/eval_data.jsonl", limit: 25 });
    expect(body.target).toEqual({ type: "model", model: { api_endpoint: { url: "http://llama-3-2-1b.flywheel.svc:8000/v1/chat/completions", model_id: "meta/llama-3.2-1b-instruct" } } });
  });

  it("sends no tools and no tool_choice in a generic evaluation", () => {
    const task = taskOf(evaluationJobBody(spec("generic")), evaluationNames.generic.task);
    expect(task.params.template).toEqual({ messages: "{{ item.request.messages | tojson }}" });
    expect(task.dataset.limit).toBe(25);
  });

  /** Records the calls a Customizer makes and answers each as a service would. */
  class RecordingClient extends ServiceClient {
    readonly calls: ServiceCall[] = [];

    constructor() {
      super({ timeoutMs: 1000, retries: 0, initialDelayMs: 1, maxDelayMs: 1 });
    }

    override call(call: ServiceCall): Promise<ServiceResponse> {
      this.calls.push(call);
      const body = call.url.endsWith("/v1/customization/jobs") ? { id: "cust-7Hq2", output_model: "dfwbp/trip-planner-llama-1b@cust-7Hq2" } : {};
      return Promise.resolve({ status: 200, body, excerpt: JSON.stringify(body) });
    }
  }

  it("creates the customization config, then the LoRA job that refers to it by namespace/name", async () => {
    const http = new RecordingClient();
    const started = await new CustomizerClient("http://customizer.nemo.svc", http, "dfwbp").startCustomization(
      {
        baseModel: "meta/llama-3.2-1b-instruct@2.0",
        trainingGpus: 2,
        maxSeqLength: 8192,
        trainingPrecision: "bf16-mixed",
        jobName: "trip-planner-run-5-llama",
        adapterName: "trip-planner-llama-1b",
        dataset: { name: "trip-planner-run-5-train", uri: "hf://datasets/dfwbp/trip-planner-run-5-train" },
        epochs: 3,
        batchSize: 8,
        learningRate: 0.0002,
        loraAdapterDim: 16,
        loraAdapterDropout: 0.05,
      },
      new AbortController().signal,
    );
    expect(http.calls.map((call) => `${call.method} ${call.url}`)).toEqual(["POST http://customizer.nemo.svc/v1/customization/configs", "POST http://customizer.nemo.svc/v1/customization/jobs"]);
    const [config, job] = http.calls.map((call) => call.json as Record<string, unknown>);
    expect(config).toEqual({
      name: expect.stringMatching(/^flywheel-meta-llama-3\.2-1b-instruct-2\.0-[0-9a-f]{10}$/),
      namespace: "dfwbp",
      target: "meta/llama-3.2-1b-instruct@2.0",
      training_options: [{ training_type: "sft", finetuning_type: "lora", num_gpus: 2, num_nodes: 1, tensor_parallel_size: 1, micro_batch_size: 1 }],
      training_precision: "bf16-mixed",
      max_seq_length: 8192,
    });
    expect(job).toEqual({
      name: "trip-planner-run-5-llama",
      output_model: "dfwbp/trip-planner-llama-1b",
      config: `dfwbp/${String(config.name)}`,
      dataset: { name: "trip-planner-run-5-train", namespace: "dfwbp" },
      hyperparameters: { training_type: "sft", finetuning_type: "lora", epochs: 3, batch_size: 8, learning_rate: 0.0002, lora: { adapter_dim: 16, adapter_dropout: 0.05 } },
    });
    expect(started).toEqual({ id: "cust-7Hq2", adapter: "dfwbp/trip-planner-llama-1b@cust-7Hq2" });
  });
});

describe("job configuration (blueprint: test_config)", () => {
  const base: FlywheelJobConfigInput = {
    workloadId: "trip-planner",
    clientId: "northwind-web",
    candidates: [{ model: "meta/llama-3.2-1b-instruct", image: { repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.8.3" }, customizationTarget: "meta/llama-3.2-1b-instruct@2.0" }],
    judge: { url: "https://judge.example.com/v1/chat/completions", modelId: "meta/llama-3.3-70b-instruct" },
  };
  const problems = (input: FlywheelJobConfigInput): readonly string[] => {
    try {
      parseJobConfig(input, "trip-planner config");
      return [];
    } catch (error) {
      if (error instanceof UsageError) {
        return error.details;
      }
      throw error;
    }
  };

  it("refuses evalSize equal to limit: nothing would be left to train on (the blueprint accepts it, then fails in sklearn's split)", () => {
    expect(problems({ ...base, data: { limit: 50, evalSize: 50 } })).toEqual([expect.stringMatching(/^data\.evalSize: must be smaller than data\.limit \(50\)/)]);
    expect(problems({ ...base, data: { limit: 50, evalSize: 49 } })).toEqual([]);
  });

  it("refuses minTotalRecords above twice the limit, the most records a run pulls, and accepts it between limit and twice limit (the blueprint refuses a limit below min_total_records)", () => {
    expect(problems({ ...base, data: { limit: 40, evalSize: 5, minTotalRecords: 81 } })).toEqual([expect.stringMatching(/^data\.minTotalRecords: must not exceed twice data\.limit \(80\)/)]);
    expect(problems({ ...base, data: { limit: 40, evalSize: 5, minTotalRecords: 60 } })).toEqual([]);
  });

  it.each([
    [3, 10],
    [5, 5],
    [10, 5],
  ])("accepts icl.maxExamples %i with data.evalSize %i: examples come from the training split, so maxExamples is not bounded by evalSize (the blueprint refuses more examples than eval_size)", (maxExamples, evalSize) => {
    expect(problems({ ...base, data: { evalSize }, icl: { maxExamples } })).toEqual([]);
  });

  it("refuses icl.maxExamples 0: the ICL evaluation would repeat the base one (the blueprint accepts 0)", () => {
    expect(problems({ ...base, icl: { maxExamples: 0 } })).toEqual([expect.stringMatching(/^icl\.maxExamples: expected a value >= 1/)]);
  });
});
