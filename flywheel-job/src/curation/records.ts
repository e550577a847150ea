import { isRecord } from "../json-fields";

/** JSON as it comes out of `JSON.parse`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A tool call after normalisation: `arguments` is always an object. */
export interface ToolCall extends JsonObject {
  type: "function";
  function: { name: string; arguments: JsonObject };
}

/** A chat message after validation. Other fields the logger wrote are kept. */
export interface ChatMessage extends JsonObject {
  role: string;
}

export type WorkloadType = "tool_calling" | "generic";

/** A validated, normalised log record. It references the parsed document; nothing is deep-copied. */
export interface CuratedRecord {
  readonly workloadId: string;
  readonly clientId: string;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  /** The logged request, with tool-call arguments in its messages parsed into objects. */
  readonly request: JsonObject & { messages: ChatMessage[] };
  /** The logged response, with `choices[0].message` normalised. */
  readonly response: JsonObject;
  /** `response.choices[0].message`. */
  readonly responseMessage: ChatMessage;
  /** Tool calls of the response (empty for a text answer). */
  readonly toolCalls: readonly ToolCall[];
  /** Identity for deduplication: a digest of the ordered, whitespace-normalised user-message contents. */
  readonly dedupKey: string;
}

/**
 * A record of the sample as the stages after curation hold it: what they order, stratify and
 * deduplicate by, and a way to read the whole record again. Holding the parsed records of a
 * 20,000-record sample took hundreds of megabytes; this is tens of bytes and where the record is.
 */
export interface SampledRecord {
  readonly dedupKey: string;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  /** `toolLabel` of the record. */
  readonly toolLabel: string;
  /** Reads, parses and validates the record again; the same record as when it was sampled. */
  load(): CuratedRecord;
}

/** The label a record is stratified and spread by: its first tool call's name, or `no_tool`. */
export function toolLabel(record: CuratedRecord): string {
  return record.toolCalls[0]?.function.name ?? noToolLabel;
}

export const noToolLabel = "no_tool";

/** The text of a message's content: a string, the text parts of a content array, or "" for null. */
export function contentText(content: JsonValue | undefined): string {
  if (typeof content === "string") {
    return content;
  }
  if (Array.isArray(content)) {
    return content
      .map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : ""))
      .filter((text) => text !== "")
      .join("\n");
  }
  return "";
}
