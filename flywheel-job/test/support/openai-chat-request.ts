import { z } from "zod";

/**
 * A chat-completions request as a strict OpenAI-compatible server (vLLM, NIM) validates it: a tool
 * call's `arguments` must be a string holding JSON, as the OpenAI API defines it. Servers built on
 * pydantic answer an object there with HTTP 400 "Input should be a valid string". The NIM stand-in
 * refuses what this refuses, so a dataset whose earlier turns carry object arguments fails a run.
 */
const toolCall = z.looseObject({
  id: z.string().optional(),
  type: z.literal("function"),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string({ error: "Input should be a valid string" }) }),
});

const message = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.null(), z.array(z.unknown())]).optional(),
  tool_calls: z.array(toolCall).optional(),
  tool_call_id: z.string().optional(),
  name: z.string().optional(),
});

const tool = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({ name: z.string().min(1), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() }),
});

export const openAiChatRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  tools: z.array(tool).optional(),
  tool_choice: z.union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.literal("function") })]).optional(),
});

/** What a strict server would say about a request: one line per problem (`messages[2].tool_calls[0].function.arguments: …`), none when it accepts it. */
export function strictRequestProblems(request: unknown): string[] {
  const parsed = openAiChatRequest.safeParse(request);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "")}: ${issue.message}`);
}
