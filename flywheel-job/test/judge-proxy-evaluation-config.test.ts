import { evaluationJobBody, type EvaluationJobSpec, evaluationNames } from "../src/backends/nemo-25/evaluation-config";
import type { ModelEndpoint } from "../src/http/model-endpoints";

/** The judge as the stack's job config names it when the judge is remote: the proxy in `flywheel`, no key. */
const proxiedJudge: ModelEndpoint = { url: "http://judge-proxy.flywheel.svc.cluster.local:8080/v1/chat/completions", modelId: "meta/llama-3.3-70b-instruct" };

const spec = (workloadType: EvaluationJobSpec["workloadType"], judge: ModelEndpoint): EvaluationJobSpec => ({
  workloadType,
  datasetFileUrl: "hf://datasets/dfwbp/support-eval/eval_data.jsonl",
  records: 10,
  target: { url: "http://llama-3-2-1b.flywheel.svc:8000/v1/chat/completions", modelId: "meta/llama-3.2-1b-instruct" },
  judge,
});

/** Every judge metric's model endpoint in a job body. */
function judgeEndpoints(body: Record<string, unknown>): unknown[] {
  const tasks = (body.config as { tasks: Record<string, { metrics: Record<string, { type: string; params?: { model?: { api_endpoint: unknown } } }> }> }).tasks;
  return Object.values(tasks).flatMap((task) => Object.values(task.metrics).filter((m) => m.type === "llm-judge").map((m) => m.params?.model?.api_endpoint));
}

describe("an evaluation job body when the judge is behind the judge proxy", () => {
  it.each(["tool_calling", "generic"] as const)("names the proxy as the %s evaluation's judge and carries no key anywhere", (workloadType) => {
    const body = evaluationJobBody(spec(workloadType, proxiedJudge));
    const endpoints = judgeEndpoints(body);
    expect(endpoints).toEqual([{ url: proxiedJudge.url, model_id: proxiedJudge.modelId }]);
    expect(JSON.stringify(body)).not.toContain("api_key");
  });

  it("carries the key only when the run was given one (a run outside the stack, calling the judge directly)", () => {
    const body = evaluationJobBody(spec("generic", { url: "https://integrate.api.nvidia.com/v1/chat/completions", modelId: "m", apiKey: "nvapi-direct" }));
    expect(judgeEndpoints(body)).toEqual([{ url: "https://integrate.api.nvidia.com/v1/chat/completions", model_id: "m", api_key: "nvapi-direct" }]);
    expect(Object.keys((body.config as { tasks: object }).tasks)).toEqual([evaluationNames.generic.task]);
  });
});
