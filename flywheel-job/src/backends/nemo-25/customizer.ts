import { createHash } from "node:crypto";
import { ServiceRequestError, type ServiceClient } from "../../http/service-client";
import { asRecord, jsonText, numberField, stringField } from "../../json-fields";
import type { JobControl, JobStatus, StopAnswer } from "../../platform/job-control";
import type { CustomizationSpec, Customizer } from "../../platform/model-platform";
import { datasetRefOf } from "./dataset-layout";
import { jobState } from "./job-state";

/**
 * Customizer (NeMo 25.x): LoRA SFT jobs. Each job refers to a customization config; configs are
 * shared by runs and named after what they contain (target and training settings), so a changed
 * setting makes a new config instead of silently reusing an old one that merely has the same name.
 */
export class CustomizerClient implements Customizer {
  readonly jobs: JobControl;

  constructor(
    private readonly baseUrl: string,
    private readonly http: ServiceClient,
    /** The namespace configs and adapters are created in (`nemo.namespace`). */
    private readonly namespace: string,
  ) {
    this.jobs = new CustomizationJobs(baseUrl, http);
  }

  async startCustomization(spec: CustomizationSpec, signal: AbortSignal): Promise<{ readonly id: string; readonly adapter: string }> {
    const config = await this.ensureConfig(spec, signal);
    const dataset = datasetRefOf(spec.dataset);
    const outputModel = `${this.namespace}/${spec.adapterName}`;
    const response = await this.http.call({
      service: "Customizer",
      action: `start customization job ${spec.jobName}`,
      method: "POST",
      url: `${this.baseUrl}/v1/customization/jobs`,
      json: {
        name: spec.jobName,
        output_model: outputModel,
        config,
        dataset: { name: dataset.name, namespace: dataset.namespace },
        hyperparameters: {
          training_type: "sft",
          finetuning_type: "lora",
          epochs: spec.epochs,
          batch_size: spec.batchSize,
          learning_rate: spec.learningRate,
          lora: { adapter_dim: spec.loraAdapterDim, adapter_dropout: spec.loraAdapterDropout },
        },
      },
      signal,
    });
    const body = asRecord(response.body);
    const id = stringField(body?.id);
    if (id === undefined) {
      throw new ServiceRequestError(`Customizer: start customization job ${spec.jobName}: the answer has no job id`, response.status, response.excerpt);
    }
    // The service may append a version (`@cust-…`); the adapter is served under exactly this name.
    return { id, adapter: stringField(body?.output_model) ?? outputModel };
  }

  /** Creates the config the job refers to (409: it exists) and returns its reference, `namespace/name`. */
  private async ensureConfig(spec: CustomizationSpec, signal: AbortSignal): Promise<string> {
    const content = {
      target: spec.baseModel,
      training_options: [
        {
          training_type: "sft",
          finetuning_type: "lora",
          num_gpus: spec.trainingGpus,
          num_nodes: 1,
          tensor_parallel_size: 1,
          micro_batch_size: 1,
        },
      ],
      training_precision: spec.trainingPrecision,
      max_seq_length: spec.maxSeqLength,
    };
    const digest = createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 10);
    const slug = spec.baseModel.toLowerCase().replace(/[^a-z0-9.]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 50);
    const name = `flywheel-${slug}-${digest}`;
    await this.http.call({
      service: "Customizer",
      action: `create customization config ${this.namespace}/${name}`,
      method: "POST",
      url: `${this.baseUrl}/v1/customization/configs`,
      json: { name, namespace: this.namespace, ...content },
      accept: [409],
      signal,
    });
    return `${this.namespace}/${name}`;
  }
}

/** Customization jobs of 25.x: cancelled with `POST …/cancel`; the API has no call to delete one. */
class CustomizationJobs implements JobControl {
  constructor(
    private readonly baseUrl: string,
    private readonly http: ServiceClient,
  ) {}

  async status(id: string, signal: AbortSignal): Promise<JobStatus | undefined> {
    const response = await this.http.call({
      service: "Customizer",
      action: `read the status of customization job ${id}`,
      method: "GET",
      url: `${this.url(id)}/status`,
      accept: [404],
      signal,
    });
    if (response.status === 404) {
      return undefined;
    }
    const body = asRecord(response.body) ?? {};
    const status = body.status === undefined || body.status === null ? "unknown" : jsonText(body.status);
    return {
      state: jobState(status),
      status,
      percentDone: numberField(body.percentage_done),
      epochsCompleted: numberField(body.epochs_completed),
      stepsCompleted: numberField(body.steps_completed),
      message: lastLogDetail(body.status_logs),
    };
  }

  async cancel(id: string, signal: AbortSignal): Promise<StopAnswer> {
    const response = await this.http.call({ service: "Customizer", action: `cancel customization job ${id}`, method: "POST", url: `${this.url(id)}/cancel`, accept: [404, 409], signal });
    // 409: it finished or was cancelled in the meantime.
    return response.status === 409 ? "already_ended" : response.status === 404 ? "not_found" : "done";
  }

  delete(): Promise<StopAnswer> {
    return Promise.resolve("unsupported");
  }

  url(id: string): string {
    return `${this.baseUrl}/v1/customization/jobs/${encodeURIComponent(id)}`;
  }
}

/** The most recent `status_logs[].detail` (or message): why a job failed. */
function lastLogDetail(logs: unknown): string | undefined {
  if (!Array.isArray(logs)) {
    return undefined;
  }
  for (let i = logs.length - 1; i >= 0; i--) {
    const entry = asRecord(logs[i]);
    const text = stringField(entry?.detail) ?? stringField(entry?.message);
    if (text !== undefined) {
      return text;
    }
  }
  return undefined;
}
