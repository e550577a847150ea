import { ServiceRequestError, type ServiceClient } from "../service-client";
import type { EvaluationResults, EvaluationSpec, EvaluationStatus, Evaluator } from "../services";
import { evaluationJobBody, evaluationNames } from "./evaluation-config";
import { asObject, jobState, numberField, objectAt, stringField } from "./job-state";

/** Evaluator (NeMo 25.x): one evaluation job per candidate × evaluation type, configured inline. */
export class EvaluatorV1 implements Evaluator {
  constructor(
    private readonly baseUrl: string,
    private readonly http: ServiceClient,
  ) {}

  async startEvaluation(spec: EvaluationSpec, signal: AbortSignal): Promise<string> {
    const response = await this.http.call({
      service: "Evaluator",
      action: `start an evaluation of ${spec.target.modelId} on ${spec.datasetFileUrl}`,
      method: "POST",
      url: `${this.baseUrl}/v1/evaluation/jobs`,
      json: evaluationJobBody(spec),
      signal,
    });
    const id = stringField(asObject(response.body)?.id);
    if (id === undefined) {
      throw new ServiceRequestError("Evaluator: start an evaluation: the answer has no job id", response.status, JSON.stringify(response.body));
    }
    return id;
  }

  async evaluationStatus(id: string, signal: AbortSignal): Promise<EvaluationStatus> {
    const response = await this.http.call({ service: "Evaluator", action: `read evaluation job ${id}`, method: "GET", url: this.evaluationUrl(id), signal });
    const body = asObject(response.body) ?? {};
    const details = asObject(body.status_details) ?? {};
    const status = String(body.status ?? "unknown");
    return {
      state: jobState(status),
      status,
      // Only computed when the dataset has a limit (the job sets one); null otherwise.
      progress: numberField(details.progress),
      samplesProcessed: numberField(details.samples_processed),
      message: stringField(details.message),
    };
  }

  async evaluationResults(id: string, spec: Pick<EvaluationSpec, "workloadType" | "records">, signal: AbortSignal): Promise<EvaluationResults> {
    const response = await this.http.call({ service: "Evaluator", action: `read the results of evaluation job ${id}`, method: "GET", url: `${this.evaluationUrl(id)}/results`, signal });
    const score = (task: string, metric: string, name: string) => {
      const entry = objectAt(response.body, "tasks", task, "metrics", metric, "scores", name);
      const stats = asObject(entry?.stats);
      return { value: numberField(entry?.value), count: numberField(stats?.count), nanCount: numberField(stats?.nan_count) };
    };
    const judge = (task: string, metric: string, name: string) => {
      const rating = score(task, metric, name);
      // Replies without a rating: the service's `nan_count` when it reports one, else the records that got no number.
      const unparsed = rating.nanCount ?? (rating.count === undefined ? undefined : Math.max(0, spec.records - rating.count));
      return { mean: rating.value, rated: rating.count, unparsed };
    };
    if (spec.workloadType === "tool_calling") {
      const names = evaluationNames.toolCalling;
      return {
        functionNameAccuracy: score(names.task, names.accuracyMetric, "function_name_accuracy").value,
        functionNameAndArgsAccuracy: score(names.task, names.accuracyMetric, "function_name_and_args_accuracy").value,
        judge: judge(names.task, names.judgeMetric, names.judgeScore),
      };
    }
    const names = evaluationNames.generic;
    return { judge: judge(names.task, names.judgeMetric, names.judgeScore) };
  }

  async cancelEvaluation(id: string, signal: AbortSignal): Promise<boolean> {
    // Later 25.x releases have a cancel call; earlier ones answer 404 or 405, and the job runs to its end.
    const response = await this.http.call({
      service: "Evaluator",
      action: `cancel evaluation job ${id}`,
      method: "POST",
      url: `${this.evaluationUrl(id)}/cancel`,
      accept: [404, 405, 409],
      signal,
    });
    return response.status < 400 || response.status === 409;
  }

  evaluationUrl(id: string): string {
    return `${this.baseUrl}/v1/evaluation/jobs/${encodeURIComponent(id)}`;
  }
}
