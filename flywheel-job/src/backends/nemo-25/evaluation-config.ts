import type { WorkloadType } from "../../curation/records";
import { correctnessRatingPattern, similarityRatingPattern } from "../../evaluation/judge-rating";
import type { ModelEndpoint } from "../../http/model-endpoints";
import type { EvaluationSpec } from "../../platform/model-platform";

/** An evaluation as a 25.x job describes it: the dataset as the URL of its file. */
export type EvaluationJobSpec = Omit<EvaluationSpec, "dataset"> & {
  /** `hf://datasets/<namespace>/<name>/<file>`. */
  readonly datasetFileUrl: string;
};

/**
 * The body of a 25.x evaluation job: a `custom` config with one chat-completion task over the
 * dataset (the candidate answers each logged request) and its metrics, and the candidate as an
 * endpoint target. Ground truth is always the logged production response.
 */

/** Task and metric names the results are read back by. */
export const evaluationNames = {
  generic: { task: "llm-as-judge", judgeMetric: "llm-judge", judgeScore: "similarity" },
  toolCalling: { task: "custom-tool-calling", accuracyMetric: "tool-calling-accuracy", judgeMetric: "correctness", judgeScore: "rating" },
} as const;

const similaritySystemPrompt = [
  "You compare a candidate answer with a reference answer given to the same conversation.",
  "Rate how closely the candidate conveys the meaning and the information of the reference, from 1 to 10:",
  "10 the same meaning; 8-9 the same key information with small differences; 6-7 partly the same;",
  "4-5 loosely related; 2-3 mostly unrelated; 1 unrelated, wrong or empty.",
  "Reply with the number only.",
].join(" ");

const similarityUserPrompt = [
  "Conversation:",
  "<<<{{ item.request.messages | tojson }}>>>",
  "",
  "Reference answer:",
  "<<<{{ item.response.choices[0].message.content }}>>>",
  "",
  "Candidate answer:",
  "<<<{{ sample.output_text }}>>>",
  "",
  "Rating (1-10):",
].join("\n");

const correctnessSystemPrompt = [
  "You check whether predicted tool calls do what reference tool calls do.",
  "A prediction that is missing, empty or not valid tool calls is wrong.",
  "Function names must match exactly. Arguments may be a JSON object or a JSON string;",
  "every argument of the reference must be present. Identifiers, ids, codes, numbers, enums and short values must match exactly;",
  "free-text values written in natural language match when they mean the same thing.",
  "The prediction is correct only if every call's name and all of its arguments match.",
  "Answer in two lines: `RATING: 1` if correct or `RATING: 0` if not, then `EXPLANATION:` and one sentence.",
].join(" ");

const correctnessUserPrompt = [
  "Reference tool calls:",
  "{{ item.response.choices[0].message.tool_calls | tojson }}",
  "",
  "Predicted tool calls:",
  "{{ sample.response.choices[0].message.tool_calls | tojson }}",
].join("\n");

/**
 * The judge as a metric's model. The stack points the job at its judge proxy (`flywheel judge-proxy`),
 * which adds the key itself, and gives the job no key: the body then names the proxy and carries none
 * (Evaluator stores job bodies, and its API has no users). Only a run given `JUDGE_API_KEY` outside
 * the stack puts a key here, as `api_key`: never log the body.
 */
function judgeModel(judge: ModelEndpoint): Record<string, unknown> {
  return { api_endpoint: { url: judge.url, model_id: judge.modelId, ...(judge.apiKey ? { api_key: judge.apiKey } : {}) } };
}

function judgeMetric(judge: ModelEndpoint, system: string, user: string, score: string, pattern: string): Record<string, unknown> {
  return {
    type: "llm-judge",
    params: {
      model: judgeModel(judge),
      template: { messages: [{ role: "system", content: system }, { role: "user", content: user }] },
      scores: { [score]: { type: "int", parser: { type: "regex", pattern } } },
    },
  };
}

function task(workloadType: WorkloadType, spec: EvaluationJobSpec): [string, Record<string, unknown>] {
  const dataset = { files_url: spec.datasetFileUrl, limit: spec.records };
  if (workloadType === "tool_calling") {
    const names = evaluationNames.toolCalling;
    return [
      names.task,
      {
        type: "chat-completion",
        dataset,
        params: {
          template: {
            messages: "{{ item.request.messages | tojson }}",
            tools: "{{ item.request.tools | tojson }}",
            // Production called a tool on every kept record: the candidate must call one too.
            tool_choice: "required",
          },
        },
        metrics: {
          [names.accuracyMetric]: {
            type: "tool-calling",
            params: { tool_calls_ground_truth: "{{ item.response.choices[0].message.tool_calls | tojson }}" },
          },
          [names.judgeMetric]: judgeMetric(spec.judge, correctnessSystemPrompt, correctnessUserPrompt, names.judgeScore, correctnessRatingPattern),
        },
      },
    ];
  }
  const names = evaluationNames.generic;
  return [
    names.task,
    {
      type: "chat-completion",
      dataset,
      params: { template: { messages: "{{ item.request.messages | tojson }}" } },
      metrics: { [names.judgeMetric]: judgeMetric(spec.judge, similaritySystemPrompt, similarityUserPrompt, names.judgeScore, similarityRatingPattern) },
    },
  ];
}

export function evaluationJobBody(spec: EvaluationJobSpec): Record<string, unknown> {
  const [name, definition] = task(spec.workloadType, spec);
  return {
    config: { type: "custom", tasks: { [name]: definition } },
    target: { type: "model", model: { api_endpoint: { url: spec.target.url, model_id: spec.target.modelId, ...(spec.target.apiKey ? { api_key: spec.target.apiKey } : {}) } } },
  };
}
