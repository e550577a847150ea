import type { PlatformCheck } from "./platform-check";
import type { PlatformCheckResult } from "./platform-verify-contract";
import { describeFailure } from "./store-call";
import { httpGet } from "./http-get";

/** The model ids of an OpenAI-style `/v1/models` answer, or undefined when it is not one. */
function modelIds(body: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return undefined;
  return data.flatMap((model: unknown) => {
    const id = (model as { id?: unknown } | null)?.id;
    return typeof id === "string" ? [id] : [];
  });
}

/**
 * `endpoints`: each model endpoint the evaluations call lists at least one model at
 * `<url>/v1/models`, with its API key when one is configured. No answer is `endpoint-unreachable`;
 * an answer that is not a model list (a proxy's HTML page, an empty list) is `judge-answers-garbage`.
 */
export function endpointsCheck(): PlatformCheck {
  return {
    name: "endpoints",
    async run(context) {
      return Promise.all(
        context.config.endpoints.map(async (endpoint): Promise<PlatformCheckResult> => {
          const check = `endpoint ${endpoint.name} models`;
          const target = `${endpoint.url.replace(/\/+$/, "")}/v1/models`;
          const key = endpoint.apiKeyFile === undefined ? undefined : context.readCredential(endpoint.apiKeyFile).trim();
          const answer = await httpGet(context, target, key);
          if ("unreachable" in answer) {
            return { check, target, outcome: "fail", detail: `no answer: ${answer.unreachable}`, troubleshooting: "endpoint-unreachable" };
          }
          if (answer.status < 200 || answer.status >= 300) {
            return { check, target, outcome: "fail", detail: `HTTP ${answer.status}: ${describeFailure(answer.body)}`, troubleshooting: "endpoint-unreachable" };
          }
          const ids = answer.truncated ? undefined : modelIds(answer.body);
          if (ids === undefined || ids.length === 0) {
            const seen = ids === undefined ? `not a model list: ${describeFailure(answer.body.slice(0, 200))}` : "an empty model list";
            return { check, target, outcome: "fail", detail: seen, troubleshooting: "judge-answers-garbage" };
          }
          return { check, target, outcome: "pass", detail: `models: ${describeFailure(ids.slice(0, 5).join(", "))}${ids.length > 5 ? ` (+${ids.length - 5})` : ""}` };
        }),
      );
    },
  };
}
