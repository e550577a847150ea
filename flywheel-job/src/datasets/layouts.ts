import { withExamples } from "../curation/icl/build-icl-records";
import { type ChatMessage, type CuratedRecord, contentText, type JsonObject, type JsonValue, type ToolCall, type WorkloadType } from "../curation/records";

/**
 * The three dataset layouts (flywheel-job/README.md, "Quick start"; flywheel-job/docs/nemo-calls.md,
 * "Datasets"). Paths are relative to a dataset's root; each top-level directory is one dataset (one
 * Data Store repo).
 */
export const datasetFiles = {
  eval: "eval/eval_data.jsonl",
  icl: "icl/eval_data.jsonl",
  train: "train/training/train_data.jsonl",
  validation: "train/validation/val_data.jsonl",
} as const;

/**
 * An evaluation line: the record as logged, with its ids, in the two forms its two readers need.
 * `request` is what the Evaluator sends to the candidate (`{{ item.request.messages | tojson }}`), so
 * it is an OpenAI chat-completions request: the tool calls of earlier assistant turns carry their
 * `arguments` as a JSON string, which OpenAI-compatible servers require (strict ones answer 400 to an
 * object). They are written from the parsed object, so a call logged with a string and one logged
 * with an object come out the same. `response` is the ground truth the `tool-calling` metric
 * compares the candidate's calls with (`{{ item.response.choices[0].message.tool_calls | tojson }}`),
 * and keeps `arguments` as objects, as NVIDIA's tool-calling evaluations give it.
 */
export function evalLine(record: CuratedRecord): JsonObject {
  return {
    workload_id: record.workloadId,
    client_id: record.clientId,
    timestamp: new Date(record.timestamp).toISOString(),
    request: { ...record.request, messages: record.request.messages.map(withArgumentStrings) },
    response: record.response,
  };
}

/** An ICL evaluation line: the evaluation line with the examples injected into `request.messages`. */
export function iclLine(record: CuratedRecord, examples: readonly CuratedRecord[]): JsonObject {
  return { ...evalLine(record), request: { ...record.request, messages: withExamples(record, examples).map(withArgumentStrings) } };
}

/** A request message as a model reads it: each tool call's `arguments` a JSON string. */
function withArgumentStrings(message: ChatMessage): ChatMessage {
  if (!Array.isArray(message.tool_calls) || message.tool_calls.length === 0) {
    return message;
  }
  const toolCalls = (message.tool_calls as ToolCall[]).map((call) => ({ ...call, function: { ...call.function, arguments: JSON.stringify(call.function.arguments) } }));
  return { ...message, tool_calls: toolCalls };
}

/**
 * A fine-tuning line: the conversation and the logged response as one message list, null content as
 * "", and the tool definitions for tool-calling workloads. Only the fields a chat template reads are
 * kept, so logger extras (`refusal`, `audio`, ...) do not reach the trainer. Tool calls keep their
 * `arguments` as objects, the form of NeMo Customizer's tool-calling datasets (Llama 3's template
 * writes them with `tojson`: a string would be encoded twice).
 *
 * In a tool-calling line, an assistant message that calls tools has its text blanked (""): the chat
 * templates of the supported targets (Llama 3.1 and 3.2) render only the calls of such a message,
 * never its content, so the text would not be trained on there, and on a template that did render
 * it the model would learn to talk where the evaluation asks for a call (`tool_choice: required`).
 * NVIDIA's blueprint blanks it too.
 */
export function trainingLine(record: CuratedRecord, workloadType: WorkloadType): JsonObject {
  const messages = [...record.request.messages, record.responseMessage].map((message) => trainingMessage(message, workloadType));
  if (workloadType === "tool_calling") {
    const tools = record.request.tools;
    return { messages, tools: Array.isArray(tools) ? tools : [] };
  }
  return { messages };
}

function trainingMessage(message: ChatMessage, workloadType: WorkloadType): JsonObject {
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  const out: JsonObject = { role: message.role, content: toolCalls.length > 0 && workloadType === "tool_calling" ? "" : contentText(message.content) };
  if (toolCalls.length > 0) {
    out.tool_calls = toolCalls.map((call) => {
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
