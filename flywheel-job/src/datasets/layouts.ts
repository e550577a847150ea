import { withExamples } from "../curation/icl/build-icl-records";
import { type ChatMessage, type CuratedRecord, contentText, type JsonObject, type JsonValue, type WorkloadType } from "../curation/records";

/**
 * The three dataset layouts (spec §2.9). Paths are relative to a dataset's root; each top-level
 * directory is one dataset (one Data Store repo).
 */
export const datasetFiles = {
  eval: "eval/eval_data.jsonl",
  icl: "icl/eval_data.jsonl",
  train: "train/training/train_data.jsonl",
  validation: "train/validation/val_data.jsonl",
} as const;

/** An evaluation line: the record as logged (tool-call arguments as objects), with its ids. */
export function evalLine(record: CuratedRecord): JsonObject {
  return {
    workload_id: record.workloadId,
    client_id: record.clientId,
    timestamp: new Date(record.timestamp).toISOString(),
    request: record.request,
    response: record.response,
  };
}

/** An ICL evaluation line: the evaluation line with the examples injected into `request.messages`. */
export function iclLine(record: CuratedRecord, examples: readonly CuratedRecord[]): JsonObject {
  return { ...evalLine(record), request: { ...record.request, messages: withExamples(record, examples) } };
}

/**
 * A fine-tuning line: the conversation and the logged response as one message list, null content as
 * "", and the tool definitions for tool-calling workloads. Only the fields a chat template reads are
 * kept, so logger extras (`refusal`, `audio`, ...) do not reach the trainer.
 */
export function trainingLine(record: CuratedRecord, workloadType: WorkloadType): JsonObject {
  const messages = [...record.request.messages, record.responseMessage].map(trainingMessage);
  if (workloadType === "tool_calling") {
    const tools = record.request.tools;
    return { messages, tools: Array.isArray(tools) ? tools : [] };
  }
  return { messages };
}

function trainingMessage(message: ChatMessage): JsonObject {
  const out: JsonObject = { role: message.role, content: contentText(message.content) };
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
    out.tool_calls = message.tool_calls.map((call) => {
      const { id, function: fn } = call as { id?: JsonValue; function: { name: string; arguments: JsonObject } };
      const normalised: JsonObject = { type: "function", function: { name: fn.name, arguments: fn.arguments } };
      return typeof id === "string" ? { id, ...normalised } : normalised;
    });
  }
  for (const key of ["tool_call_id", "name"] as const) {
    const value = message[key];
    if (typeof value === "string") {
      out[key] = value;
    }
  }
  return out;
}
