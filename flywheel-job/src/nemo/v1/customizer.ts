import { createHash } from "node:crypto";
import { ServiceRequestError, type ServiceClient } from "../service-client";
import type { CustomizationSpec, Customizer, JobControl, JobStatus, StopAnswer } from "../services";
import { asObject, jobState, numberField, stringField } from "./job-state";

/**
 * Customizer (NeMo 25.x): LoRA SFT jobs. Each job refers to a customization config; configs are
 * shared by runs and named after what they contain (target and training settings), so a changed
 * setting makes a new config instead of silently reusing an old one that merely has the same name.
 */
export class CustomizerV1 implements Customizer {
  readonly jobs: JobControl;

  constructor(
    private readonly baseUrl: string,
    private readonly http: ServiceClient,
  ) {
    this.jobs = new CustomizationJobsV1(baseUrl, http);
  }

  async startCustomization(spec: CustomizationSpec, signal: AbortSignal): Promise<{ readonly id: string; readonly outputModel: string }> {
    const config = await this.ensureConfig(spec, signal);
    const response = await this.http.call({
      service: "Customizer",
      action: `start customization job ${spec.jobName}`,
      method: "POST",
      url: `${this.baseUrl}/v1/customization/jobs`,
      json: {
        name: spec.jobName,
        output_model: spec.outputModel,
        config,
        dataset: { name: spec.dataset.name, namespace: spec.dataset.namespace },
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
    const body = asObject(response.body);
    const id = stringField(body?.id);
    if (id === undefined) {
      throw new ServiceRequestError(`Customizer: start customization job ${spec.jobName}: the answer has no job id`, response.status, response.excerpt);
    }
    // The service may append a version (`@cust-…`); the adapter is served under exactly this name.
    const outputModel = stringField(body?.output_model) ?? spec.outputModel;
    return { id, outputModel };
  }

  /** Creates the config the job refers to (409: it exists) and returns its reference, `namespace/name`. */
  private async ensureConfig(spec: CustomizationSpec, signal: AbortSignal): Promise<string> {
    const content = {
      target: spec.target,
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
    const slug = spec.target.toLowerCase().replace(/[^a-z0-9.]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 50);
    const name = `flywheel-${slug}-${digest}`;
    await this.http.call({
      service: "Customizer",
      action: `create customization config ${spec.namespace}/${name}`,
      method: "POST",
      url: `${this.baseUrl}/v1/customization/configs`,
      json: { name, namespace: spec.namespace, ...content },
      accept: [409],
      signal,
    });
    return `${spec.namespace}/${name}`;
  }
}

/** Customization jobs of 25.x: cancelled with `POST …/cancel`; the API has no call to delete one. */
class CustomizationJobsV1 implements JobControl {
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
    const body = asObject(response.body) ?? {};
    const status = String(body.status ?? "unknown");
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
    const entry = asObject(logs[i]);
    const text = stringField(entry?.detail) ?? stringField(entry?.message);
    if (text !== undefined) {
      return text;
    }
  }
  return undefined;
}
