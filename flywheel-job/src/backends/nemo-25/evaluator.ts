import { type SampleBounds, type SampledResults, SamplesUnavailable } from "../../evaluation/evaluation-samples";
import type { EvaluationResults } from "../../evaluation/metrics";
import { downloadBounded } from "../../http/bounded-download";
import { ServiceRequestError, type ServiceClient } from "../../http/service-client";
import { asRecord, jsonText, numberField, recordAt, stringField } from "../../json-fields";
import type { JobControl, JobStatus, StopAnswer } from "../../platform/job-control";
import type { EvaluationSpec, Evaluator } from "../../platform/model-platform";
import { datasetRefOf, evaluationFile, filesUrl } from "./dataset-layout";
import { evaluationJobBody, evaluationNames } from "./evaluation-config";
import { resultsZipLimits, sampleResultsZip } from "./evaluation-results-zip";
import { jobState } from "./job-state";

/** Evaluator (NeMo 25.x): one evaluation job per candidate × evaluation type, configured inline. */
export class EvaluatorClient implements Evaluator {
  readonly jobs: JobControl;

  constructor(
    private readonly baseUrl: string,
    private readonly http: ServiceClient,
    /** How long the results download may take. */
    private readonly timeoutMs: number,
  ) {
    this.jobs = new EvaluationJobs(baseUrl, http);
  }

  async startEvaluation(spec: EvaluationSpec, signal: AbortSignal): Promise<string> {
    const datasetFileUrl = filesUrl(datasetRefOf(spec.dataset), evaluationFile);
    const response = await this.http.call({
      service: "Evaluator",
      action: `start an evaluation of ${spec.target.modelId} on ${datasetFileUrl}`,
      method: "POST",
      url: `${this.baseUrl}/v1/evaluation/jobs`,
      json: evaluationJobBody({ workloadType: spec.workloadType, records: spec.records, target: spec.target, judge: spec.judge, datasetFileUrl }),
      signal,
    });
    const id = stringField(asRecord(response.body)?.id);
    if (id === undefined) {
      throw new ServiceRequestError("Evaluator: start an evaluation: the answer has no job id", response.status, response.excerpt);
    }
    return id;
  }

  async evaluationResults(id: string, spec: Pick<EvaluationSpec, "workloadType" | "records">, signal: AbortSignal): Promise<EvaluationResults> {
    const response = await this.http.call({ service: "Evaluator", action: `read the results of evaluation job ${id}`, method: "GET", url: `${this.jobs.url(id)}/results`, signal });
    if (asRecord(response.body) === undefined) {
      throw new Error(`Evaluator: the results of evaluation job ${id} are not a JSON object: ${response.excerpt || "nothing"}`);
    }
    const score = (task: string, metric: string, name: string) => {
      const entry = recordAt(response.body, "tasks", task, "metrics", metric, "scores", name);
      const stats = asRecord(entry?.stats);
      // The value as reported, NaN included: a metric that is not a number must fail, not vanish.
      return { value: typeof entry?.value === "number" ? entry.value : undefined, count: numberField(stats?.count), nanCount: numberField(stats?.nan_count) };
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

  /**
   * Per-sample results: 25.06 serves them only inside the job's results ZIP (`download-results`),
   * read within `resultsZipLimits` by `sampleResultsZip`. One attempt: they are a review aid, and a
   * retry loop would hold the run up for what it does not need.
   */
  async evaluationSamples(id: string, spec: Pick<EvaluationSpec, "workloadType">, bounds: SampleBounds, signal: AbortSignal): Promise<SampledResults> {
    const url = `${this.jobs.url(id)}/download-results`;
    const outcome = await downloadBounded({ url, accept: "application/zip", limitBytes: resultsZipLimits.downloadBytes, timeoutMs: this.timeoutMs, signal });
    switch (outcome.kind) {
      case "status":
        throw new SamplesUnavailable(`Evaluator answered HTTP ${outcome.status} to GET ${url}`);
      case "too large":
        throw new SamplesUnavailable(`the results ZIP of evaluation job ${id} is larger than the ${outcome.limitBytes} bytes read`);
      case "unanswered":
        throw new SamplesUnavailable(`Evaluator did not answer GET ${url}: ${outcome.reason}`);
      case "body":
        return sampleResultsZip(outcome.body, spec.workloadType, bounds);
    }
  }
}

/**
 * Evaluation jobs of 25.x. Evaluator 25.06 (the version the stacks pin) has no cancel call: its
 * route answers 404 (or 405), and a job is stopped by deleting it, which 25.06 documents
 * (`DELETE /v1/evaluation/jobs/{id}`); later 25.x releases cancel with `POST …/cancel`.
 */
class EvaluationJobs implements JobControl {
  constructor(
    private readonly baseUrl: string,
    private readonly http: ServiceClient,
  ) {}

  async status(id: string, signal: AbortSignal): Promise<JobStatus | undefined> {
    const response = await this.http.call({ service: "Evaluator", action: `read evaluation job ${id}`, method: "GET", url: this.url(id), accept: [404], signal });
    if (response.status === 404) {
      return undefined;
    }
    const body = asRecord(response.body) ?? {};
    const details = asRecord(body.status_details) ?? {};
    const status = body.status === undefined || body.status === null ? "unknown" : jsonText(body.status);
    return {
      state: jobState(status),
      status,
      // Only computed when the dataset has a limit (the job sets one); null otherwise.
      percentDone: numberField(details.progress),
      samplesProcessed: numberField(details.samples_processed),
      message: stringField(details.message),
    };
  }

  async cancel(id: string, signal: AbortSignal): Promise<StopAnswer> {
    const response = await this.http.call({ service: "Evaluator", action: `cancel evaluation job ${id}`, method: "POST", url: `${this.url(id)}/cancel`, accept: [404, 405, 409], signal });
    // 404 and 405 are the answers of a release without the call, whatever the job; 409: it has ended.
    return response.status === 409 ? "already_ended" : response.status >= 400 ? "unsupported" : "done";
  }

  async delete(id: string, signal: AbortSignal): Promise<StopAnswer> {
    const response = await this.http.call({ service: "Evaluator", action: `delete evaluation job ${id}`, method: "DELETE", url: this.url(id), accept: [404, 405], signal });
    return response.status === 404 ? "not_found" : response.status === 405 ? "unsupported" : "done";
  }

  url(id: string): string {
    return `${this.baseUrl}/v1/evaluation/jobs/${encodeURIComponent(id)}`;
  }
}
