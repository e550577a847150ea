import { createHash } from "node:crypto";
import { strToU8, zipSync } from "fflate";
import { HttpStandIn, type Reply, type SeenRequest } from "./http-stand-in";

/** How a customization job of a base model behaves. */
export interface CustomizationBehaviour {
  /** Status polls until it completes. @default 3 */
  readonly pollsToComplete?: number;
  /** Fail with this detail instead. */
  readonly failWith?: string;
  /** Stay running without progress. */
  readonly stall?: boolean;
}

/** How evaluations of a target model id behave, and what they score. */
export interface EvaluationBehaviour {
  /** Status polls until done. @default 2 */
  readonly pollsToComplete?: number;
  readonly stall?: boolean;
  readonly failWith?: string;
  /** Generic workloads: the judge's replies, used in turn for the records. */
  readonly judgeReplies?: readonly string[];
  /** Tool calling: the tool-calling metric's scores. */
  readonly functionNameAccuracy?: number;
  readonly functionNameAndArgsAccuracy?: number;
  /** Tool calling: the correctness judge's replies, in turn. */
  readonly correctnessReplies?: readonly string[];
  /** The judge metric's mean as reported, whatever the replies (a faulty service or judge); NaN is sent as Python writes it. */
  readonly judgeMean?: number;
}

interface CustomizationJob {
  readonly id: string;
  readonly body: Record<string, unknown>;
  readonly baseModel: string;
  readonly outputModel: string;
  status: string;
  polls: number;
  percent: number;
}

interface EvaluationJob {
  readonly id: string;
  readonly body: Record<string, unknown>;
  readonly modelId: string;
  readonly records: number;
  status: string;
  polls: number;
  /** After a DELETE: reads that still find it, before it answers 404. */
  readsUntilGone?: number;
  /** Why inference failed, when the target refused a request. */
  inferenceError?: string;
  /** Each dataset record and the target's answer to it, as inference went. */
  readonly answers: { readonly item: Json; readonly response: Json }[];
}

/**
 * What `GET /v1/evaluation/jobs/{id}/download-results` serves: the results ZIP in the layout the job
 * relies on, or one of the faults it must survive.
 */
export type ResultsDownload = "layout" | "no per-sample file" | "corrupt" | "server error" | "zip bomb" | "hostile" | "never answers";

/** What a hostile model answers in `hostile` mode: markup, a script link, bidi controls, and 100 KiB of text. */
export const hostileAnswer = `<script>alert("x")</script> [click](javascript:alert(1)) \u202Egnp.exe\u2066 ${"A".repeat(100 * 1024)}`;

type Json = Record<string, unknown>;

/** The zip bomb archive of each task folder, built once per process (`resultsZip`). */
const zipBombs = new Map<string, Uint8Array>();

const notFound = (what: string): Reply => ({ status: 404, body: { detail: `${what} not found` } });
const invalid = (detail: string): Reply => ({ status: 422, body: { detail } });

/**
 * A stand-in for the NeMo microservices 25.x a run calls (Data Store with its HF API, Entity Store,
 * Customizer, Evaluator), plus the judge and embedding endpoints. It keeps state, checks request
 * bodies the way the services would need them (refusing what they could not use), and plays the
 * jobs: customizations and evaluations advance with every status poll, or fail or stall as a test
 * configures. Its Evaluator scores with the judge's parser pattern from the job's own body, applied
 * to canned judge replies, so the job's pattern is what is tested.
 */
export class NemoStandIn {
  readonly http = new HttpStandIn();
  readonly dataStoreNamespaces = new Set<string>();
  readonly entityStoreNamespaces = new Set<string>();
  /** Dataset repos: `ns/name` → path → content. */
  readonly repos = new Map<string, Map<string, Buffer>>();
  readonly lfsObjects = new Map<string, Buffer>();
  /** Entity Store datasets by `ns/name`. */
  readonly datasets = new Map<string, Json>();
  /** Entity Store models (fine-tuned adapters) → their base model. */
  readonly models = new Map<string, string>();
  readonly customizationConfigs = new Map<string, Json>();
  readonly customizations = new Map<string, CustomizationJob>();
  readonly evaluations = new Map<string, EvaluationJob>();
  readonly customizationBehaviour = new Map<string, CustomizationBehaviour>();
  readonly evaluationBehaviour = new Map<string, EvaluationBehaviour>();
  /** Files above this size are uploaded through git LFS. */
  lfsThresholdBytes = 2048;
  /**
   * Whether Evaluator has `POST /v1/evaluation/jobs/{id}/cancel`, as 25.x releases after 25.06 do.
   * Evaluator 25.06 (the stacks' pin) has no such route, answering 404; there a job is stopped by
   * `DELETE /v1/evaluation/jobs/{id}`, which this stand-in supports in both modes.
   */
  evaluationCancel = true;
  /** How many reads still find a deleted evaluation job before it answers 404 (deletion takes a moment). */
  evaluationReadsAfterDelete = 1;
  /** What `download-results` serves. */
  resultsDownload: ResultsDownload = "layout";
  /** Downloads left unanswered in `never answers` mode. */
  resultsDownloadsHeld = 0;
  judgeApiKey: string | undefined;
  private nextId = 1;

  constructor() {
    this.dataStore();
    this.entityStore();
    this.customizer();
    this.evaluator();
    this.modelEndpoints();
  }

  get url(): string {
    return this.http.url;
  }

  get judgeUrl(): string {
    return `${this.url}/judge/v1/chat/completions`;
  }

  get embeddingUrl(): string {
    return `${this.url}/embedding/v1/embeddings`;
  }

  start(): Promise<string> {
    return this.http.start();
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  /** Adapters a NIM of `baseModel` finds in Entity Store. */
  adaptersOf(baseModel: string): string[] {
    return [...this.models].filter(([, base]) => base === baseModel).map(([name]) => name);
  }

  /** Customization jobs still created, pending or running. */
  activeCustomizations(): CustomizationJob[] {
    return [...this.customizations.values()].filter((job) => ["created", "pending", "running"].includes(job.status));
  }

  activeEvaluations(): EvaluationJob[] {
    return [...this.evaluations.values()].filter((job) => ["created", "pending", "running"].includes(job.status));
  }

  private id(prefix: string): string {
    return `${prefix}-${String(this.nextId++).padStart(6, "0")}`;
  }

  private dataStore(): void {
    const { http } = this;
    http.route("POST", "/v1/datastore/namespaces", (request) => {
      const namespace = new URLSearchParams(request.body.toString("utf8")).get("namespace");
      if (!namespace || !String(request.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) {
        return invalid("expected the form field namespace");
      }
      if (this.dataStoreNamespaces.has(namespace)) {
        return { status: 409, body: { detail: "namespace exists" } };
      }
      this.dataStoreNamespaces.add(namespace);
      return { status: 201, body: { namespace } };
    });
    http.route("POST", "/v1/hf/api/repos/create", (request) => {
      const body = request.json as Json;
      const repo = `${String(body.organization)}/${String(body.name)}`;
      if (body.type !== "dataset" || !this.dataStoreNamespaces.has(String(body.organization))) {
        return invalid(`cannot create ${repo}: type must be dataset and the namespace must exist`);
      }
      if (this.repos.has(repo)) {
        return { status: 409, body: { error: "repo exists" } };
      }
      this.repos.set(repo, new Map());
      return { status: 200, body: { url: `${this.url}/v1/hf/datasets/${repo}`, id: repo } };
    });
    http.route("DELETE", "/v1/hf/api/repos/delete", (request) => {
      const body = request.json as Json;
      return this.repos.delete(`${String(body.organization)}/${String(body.name)}`) ? { status: 200, body: {} } : notFound("repo");
    });
    http.route("POST", "/v1/hf/api/datasets/:ns/:name/preupload/main", (request, p) => {
      if (!this.repos.has(`${p.ns}/${p.name}`)) {
        return notFound("repo");
      }
      const files = (request.json as { files: { path: string; size: number }[] }).files;
      return { status: 200, body: { files: files.map((f) => ({ path: f.path, uploadMode: f.size > this.lfsThresholdBytes ? "lfs" : "regular" })) } };
    });
    http.route("POST", "/v1/hf/datasets/:ns/:name.git/info/lfs/objects/batch", (request) => {
      const body = request.json as { transfers: string[]; objects: { oid: string; size: number }[] };
      if (body.transfers.includes("xet")) {
        return invalid("this Data Store does not speak Xet: upload with useXet false");
      }
      return {
        status: 200,
        body: { transfer: "basic", objects: body.objects.map((o) => ({ oid: o.oid, size: o.size, actions: { upload: { href: `${this.url}/lfs/${o.oid}` } } })) },
        headers: { "content-type": "application/vnd.git-lfs+json" },
      };
    });
    http.route("PUT", "/lfs/:oid", (request, p) => {
      if (createHash("sha256").update(request.body).digest("hex") !== p.oid) {
        return invalid("content does not match its oid");
      }
      this.lfsObjects.set(p.oid, request.body);
      return { status: 200 };
    });
    http.route("POST", "/v1/hf/api/datasets/:ns/:name/commit/main", (request, p) => {
      const repo = this.repos.get(`${p.ns}/${p.name}`);
      if (!repo) {
        return notFound("repo");
      }
      for (const line of request.body.toString("utf8").split("\n").filter(Boolean)) {
        const entry = JSON.parse(line) as { key: string; value: Json };
        if (entry.key === "file") {
          repo.set(String(entry.value.path), Buffer.from(String(entry.value.content), "base64"));
        } else if (entry.key === "lfsFile") {
          const content = this.lfsObjects.get(String(entry.value.oid));
          if (!content) {
            return invalid(`LFS object ${String(entry.value.oid)} was never uploaded`);
          }
          repo.set(String(entry.value.path), content);
        }
      }
      return { status: 200, body: { commitOid: "0".repeat(40), commitUrl: `${this.url}/commit` } };
    });
  }

  private entityStore(): void {
    const { http } = this;
    http.route("POST", "/v1/namespaces", (request) => {
      const id = String((request.json as Json).id);
      if (this.entityStoreNamespaces.has(id)) {
        return { status: 409, body: { detail: "exists" } };
      }
      this.entityStoreNamespaces.add(id);
      return { status: 201, body: { id } };
    });
    http.route("GET", "/v1/datasets/:ns/:name", (_, p) => {
      const dataset = this.datasets.get(`${p.ns}/${p.name}`);
      return dataset ? { status: 200, body: dataset } : notFound("dataset");
    });
    const register = (request: SeenRequest): Reply => {
      const body = request.json as Json;
      const key = `${String(body.namespace)}/${String(body.name)}`;
      if (!this.entityStoreNamespaces.has(String(body.namespace))) {
        return invalid(`namespace ${String(body.namespace)} does not exist`);
      }
      if (body.files_url !== `hf://datasets/${key}` || !this.repos.has(key)) {
        return invalid(`files_url ${String(body.files_url)} is not the Data Store repo of ${key}`);
      }
      this.datasets.set(key, body);
      return { status: 200, body };
    };
    http.route("POST", "/v1/datasets", register);
    http.route("PATCH", "/v1/datasets/:ns/:name", register);
    http.route("DELETE", "/v1/datasets/:ns/:name", (_, p) => (this.datasets.delete(`${p.ns}/${p.name}`) ? { status: 204 } : notFound("dataset")));
    http.route("DELETE", "/v1/models/:ns/:name", (_, p) => (this.models.delete(`${p.ns}/${p.name}`) ? { status: 204 } : notFound("model")));
  }

  private customizer(): void {
    const { http } = this;
    http.route("POST", "/v1/customization/configs", (request) => {
      const body = request.json as Json;
      const options = (body.training_options as Json[] | undefined)?.[0];
      if (!body.target || options?.finetuning_type !== "lora" || options?.training_type !== "sft") {
        return invalid("a config needs a target and a LoRA SFT training option");
      }
      const key = `${String(body.namespace)}/${String(body.name)}`;
      if (this.customizationConfigs.has(key)) {
        return { status: 409, body: { detail: "config exists" } };
      }
      this.customizationConfigs.set(key, body);
      return { status: 200, body };
    });
    http.route("POST", "/v1/customization/jobs", (request) => {
      const body = request.json as Json;
      const config = this.customizationConfigs.get(String(body.config));
      const dataset = body.dataset as Json;
      const repo = this.repos.get(`${String(dataset?.namespace)}/${String(dataset?.name)}`);
      const hyper = body.hyperparameters as Json;
      if (!config) {
        return invalid(`config ${String(body.config)} does not exist`);
      }
      if (!this.datasets.has(`${String(dataset.namespace)}/${String(dataset.name)}`) || !repo?.has("training/train_data.jsonl") || !repo.has("validation/val_data.jsonl")) {
        return invalid(`dataset ${String(dataset?.namespace)}/${String(dataset?.name)} is not registered with training/ and validation/ files`);
      }
      if (hyper?.finetuning_type !== "lora" || typeof (hyper.lora as Json | undefined)?.adapter_dim !== "number") {
        return invalid("hyperparameters must describe a LoRA fine-tune");
      }
      const id = this.id("cust");
      const job: CustomizationJob = {
        id,
        body,
        baseModel: String(config.target).replace(/@.*$/, ""),
        outputModel: `${String(body.output_model)}@cust-${id}`,
        status: "created",
        polls: 0,
        percent: 0,
      };
      this.customizations.set(id, job);
      return { status: 200, body: { id, output_model: job.outputModel, status: "created", config: body.config } };
    });
    http.route("GET", "/v1/customization/jobs/:id/status", (_, p) => {
      const job = this.customizations.get(p.id);
      if (!job) {
        return notFound("job");
      }
      const behaviour = this.customizationBehaviour.get(job.baseModel) ?? {};
      const logs: Json[] = [];
      if (["created", "pending", "running"].includes(job.status)) {
        job.polls += 1;
        if (behaviour.failWith) {
          job.status = "failed";
        } else if (behaviour.stall) {
          job.status = "running";
        } else if (job.polls >= (behaviour.pollsToComplete ?? 3)) {
          job.status = "completed";
          job.percent = 100;
          this.models.set(job.outputModel, job.baseModel);
        } else {
          job.status = "running";
          job.percent = Math.round((100 * job.polls) / (behaviour.pollsToComplete ?? 3));
        }
      }
      if (job.status === "failed") {
        logs.push({ message: "TrainingFailed", detail: behaviour.failWith ?? "failed" });
      }
      return {
        status: 200,
        body: { status: job.status, percentage_done: job.percent, epochs_completed: Math.floor(job.percent / 50), steps_completed: job.polls, status_logs: logs },
      };
    });
    http.route("POST", "/v1/customization/jobs/:id/cancel", (_, p) => {
      const job = this.customizations.get(p.id);
      if (!job) {
        return notFound("job");
      }
      if (!["created", "pending", "running"].includes(job.status)) {
        return { status: 409, body: { detail: `job is ${job.status}` } };
      }
      job.status = "cancelled";
      return { status: 200, body: { id: job.id, status: job.status, output_model: job.outputModel } };
    });
  }

  private evaluator(): void {
    const { http } = this;
    http.route("POST", "/v1/evaluation/jobs", async (request) => {
      const body = request.json as Json;
      const problem = await this.checkEvaluation(body);
      if (problem) {
        return invalid(problem);
      }
      const [task] = Object.values((body.config as Json).tasks as Record<string, Json>);
      const endpoint = ((body.target as Json).model as Json).api_endpoint as Json;
      const id = this.id("eval");
      this.evaluations.set(id, { id, body, modelId: String(endpoint.model_id), records: Number((task.dataset as Json).limit), status: "created", polls: 0, answers: [] });
      return { status: 200, body: { id, status: "created" } };
    });
    http.route("GET", "/v1/evaluation/jobs/:id", async (_, p) => {
      const job = this.evaluations.get(p.id);
      if (!job || (job.status === "deleted" && job.readsUntilGone === 0)) {
        return notFound("job");
      }
      if (job.status === "deleted") {
        job.readsUntilGone = (job.readsUntilGone ?? 0) - 1;
        return { status: 200, body: { id: job.id, status: "deleting", status_details: { progress: null, message: null } } };
      }
      const behaviour = this.evaluationBehaviour.get(job.modelId) ?? {};
      if (job.status === "created") {
        // The first look starts inference: every record of the dataset goes to the target.
        job.inferenceError = await this.infer(job);
      }
      if (job.inferenceError) {
        job.status = "failed";
        return { status: 200, body: { id: job.id, status: job.status, status_details: { progress: 0, message: job.inferenceError } } };
      }
      if (["created", "pending", "running"].includes(job.status)) {
        job.polls += 1;
        const needed = behaviour.pollsToComplete ?? 2;
        job.status = behaviour.failWith ? "failed" : behaviour.stall ? "running" : job.polls >= needed ? "completed" : "running";
      }
      const progress = job.status === "completed" ? 100 : behaviour.stall ? 10 : Math.min(99, Math.round((100 * job.polls) / (behaviour.pollsToComplete ?? 2)));
      return { status: 200, body: { id: job.id, status: job.status, status_details: { progress, message: job.status === "failed" ? behaviour.failWith : null } } };
    });
    http.route("POST", "/v1/evaluation/jobs/:id/cancel", (_, p) => {
      const job = this.evaluations.get(p.id);
      if (!this.evaluationCancel || !job || job.status === "deleted") {
        return { status: 404, body: { detail: "Not Found" } };
      }
      if (!["created", "pending", "running"].includes(job.status)) {
        return { status: 409, body: { detail: `job is ${job.status}` } };
      }
      job.status = "cancelled";
      return { status: 200, body: { id: job.id, status: "cancelled" } };
    });
    http.route("DELETE", "/v1/evaluation/jobs/:id", (_, p) => {
      const job = this.evaluations.get(p.id);
      if (!job || job.status === "deleted") {
        return notFound("job");
      }
      job.status = "deleted";
      job.readsUntilGone = this.evaluationReadsAfterDelete;
      return { status: 200, body: { message: "deleted" } };
    });
    http.route("GET", "/v1/evaluation/jobs/:id/results", (_, p) => {
      const job = this.evaluations.get(p.id);
      if (!job || job.status !== "completed") {
        return notFound("results");
      }
      return { status: 200, body: pythonJson(this.results(job)), headers: { "content-type": "application/json" } };
    });
    http.route("GET", "/v1/evaluation/jobs/:id/download-results", (_, p) => {
      const job = this.evaluations.get(p.id);
      if (!job || job.status !== "completed") {
        return notFound("results");
      }
      if (this.resultsDownload === "server error") {
        return { status: 500, body: { detail: "Internal Server Error" } };
      }
      if (this.resultsDownload === "never answers") {
        this.resultsDownloadsHeld += 1;
        return new Promise<Reply>(() => undefined);
      }
      return { status: 200, body: this.resultsZip(job), headers: { "content-type": "application/zip" } };
    });
  }

  private modelEndpoints(): void {
    const { http } = this;
    http.route("POST", "/judge/v1/chat/completions", (request) => {
      if (this.judgeApiKey && request.headers.authorization !== `Bearer ${this.judgeApiKey}`) {
        return { status: 401, body: { detail: "bad API key" } };
      }
      return { status: 200, body: { choices: [{ index: 0, message: { role: "assistant", content: "1" } }] } };
    });
    http.route("POST", "/embedding/v1/embeddings", (request) => {
      const body = request.json as { input: string[]; input_type?: string };
      if (body.input_type !== "query" && body.input_type !== "passage") {
        return invalid("input_type is required by this embedding model");
      }
      return { status: 200, body: { data: body.input.map((text, index) => ({ index, embedding: bagOfWords(text) })) } };
    });
  }

  /** What the Evaluator would refuse or fail on: a dataset it cannot read, a target it cannot reach, a config it cannot parse. */
  private async checkEvaluation(body: Json): Promise<string | undefined> {
    const config = body.config as Json | undefined;
    const tasks = Object.entries((config?.tasks ?? {}) as Record<string, Json>);
    if (config?.type !== "custom" || tasks.length !== 1) {
      return "expected a custom config with one task";
    }
    const [name, task] = tasks[0];
    const filesUrl = String((task.dataset as Json | undefined)?.files_url);
    const match = /^hf:\/\/datasets\/([^/]+\/[^/]+)\/(.+)$/.exec(filesUrl);
    if (!match || !this.repos.get(match[1])?.has(match[2])) {
      return `dataset file ${filesUrl} does not exist`;
    }
    const metrics = task.metrics as Record<string, Json>;
    const template = (task.params as Json).template as Json;
    if (name === "custom-tool-calling") {
      if (template.tool_choice !== "required" || metrics["tool-calling-accuracy"]?.type !== "tool-calling" || metrics.correctness?.type !== "llm-judge") {
        return "a tool-calling task needs tool_choice required, the tool-calling metric and the correctness judge";
      }
    } else if (name !== "llm-as-judge" || metrics["llm-judge"]?.type !== "llm-judge") {
      return `unknown task ${name}`;
    }
    const endpoint = ((body.target as Json | undefined)?.model as Json | undefined)?.api_endpoint as Json | undefined;
    const url = String(endpoint?.url);
    if (!url.endsWith("/v1/chat/completions")) {
      return `target url ${url} is not a chat-completions URL`;
    }
    try {
      const models = (await (await fetch(url.replace(/\/chat\/completions$/, "/models"))).json()) as { data: { id: string }[] };
      if (!models.data.some((m) => m.id === endpoint?.model_id)) {
        return `the target serves ${models.data.map((m) => m.id).join(", ")}, not ${String(endpoint?.model_id)}`;
      }
    } catch (error) {
      return `the target ${url} cannot be reached: ${String(error)}`;
    }
    return undefined;
  }

  /**
   * Sends each record of the job's dataset to the target as the task's template renders it, as
   * Evaluator does: the record's messages and (tool calling) tools with `tool_choice: required`.
   * Returns the first refusal, which fails the job.
   */
  private async infer(job: EvaluationJob): Promise<string | undefined> {
    const [[, task]] = Object.entries((job.body.config as Json).tasks as Record<string, Json>);
    const match = /^hf:\/\/datasets\/([^/]+\/[^/]+)\/(.+)$/.exec(String((task.dataset as Json).files_url));
    const lines = match ? (this.repos.get(match[1])?.get(match[2])?.toString("utf8").split("\n").filter(Boolean) ?? []) : [];
    const template = (task.params as Json).template as Json;
    const endpoint = ((job.body.target as Json).model as Json).api_endpoint as Json;
    for (const [index, line] of lines.entries()) {
      const item = JSON.parse(line) as { request: Json };
      const body = {
        model: endpoint.model_id,
        messages: item.request.messages,
        ...("tools" in template ? { tools: item.request.tools, tool_choice: template.tool_choice } : {}),
      };
      const response = await fetch(String(endpoint.url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      if (!response.ok) {
        return `inference failed on record ${index}: the target answered HTTP ${response.status}: ${await response.text()}`;
      }
      job.answers.push({ item, response: (await response.json()) as Json });
    }
    return undefined;
  }

  /**
   * The results ZIP in the layout `flywheel-job/src/backends/nemo-25/evaluation-results-zip.ts`
   * relies on. NVIDIA documents the ZIP as the job's configuration, logs and results with the
   * results in a `results/` folder under a folder per evaluation kind
   * (https://docs.nvidia.com/nemo/microservices/25.6.0/evaluate/evaluation-jobs/download-results.html),
   * and a custom evaluation's output as rows of the input's `id`, the model's `output_text` and one
   * column per sample-level metric (https://docs.nvidia.com/nemo/microservices/latest/evaluate/evaluation-custom/output.html).
   * The folder of a custom task and the row encoding are not documented; this stand-in writes:
   *
   *   custom/<task>/config.json            the job's config
   *   custom/<task>/results/results.json   the aggregate, as `/results` answers
   *   custom/<task>/results/outputs.jsonl  one row per record:
   *     { id, item: <dataset record>, sample: { output_text, response: <target's answer> },
   *       metrics: { <metric>: { scores: { <score>: { value } } } } }
   */
  private resultsZip(job: EvaluationJob): Uint8Array {
    const [[name, task]] = Object.entries((job.body.config as Json).tasks as Record<string, Json>);
    const folder = `custom/${name}`;
    // Deflating 80 MiB takes over a second, and several seconds on a loaded CI machine: longer than
    // the job waits for an answer. Every bomb of a task's folder is the first one built.
    const bomb = this.resultsDownload === "zip bomb" ? zipBombs.get(folder) : undefined;
    if (bomb) {
      return bomb;
    }
    const files: Record<string, Uint8Array> = {
      [`${folder}/config.json`]: strToU8(JSON.stringify(job.body.config)),
      [`${folder}/results/results.json`]: strToU8(pythonJson(this.results(job))),
      [`${folder}/logs/evaluation.log`]: strToU8("evaluation completed\n"),
    };
    if (this.resultsDownload === "zip bomb") {
      // 80 MiB of spaces: some 80 KiB compressed, more than an entry may inflate to.
      files[`${folder}/results/outputs.jsonl`] = new Uint8Array(80 * 1024 * 1024).fill(0x20);
    } else if (this.resultsDownload !== "no per-sample file") {
      files[`${folder}/results/outputs.jsonl`] = strToU8(this.sampleRows(job, name, task).map((row) => pythonJson(row)).join("\n") + "\n");
    }
    const zip = zipSync(files, { level: 6 });
    if (this.resultsDownload === "zip bomb") {
      zipBombs.set(folder, zip);
    }
    // A corrupt archive: the local header is kept, the compressed data garbled.
    return this.resultsDownload === "corrupt" ? zip.map((byte, index) => (index > 40 && index < zip.length - 200 ? byte ^ 0x5a : byte)) : zip;
  }

  /** Per-record rows: the judge's replies in turn (as `results` uses them) and, for tool calling, the accuracies as 1 for the first records and 0 after. */
  private sampleRows(job: EvaluationJob, name: string, task: Json): Json[] {
    const behaviour = this.evaluationBehaviour.get(job.modelId) ?? {};
    const metrics = task.metrics as Record<string, Json>;
    const rating = (metric: Json, score: string, reply: string): number | undefined => {
      const pattern = ((((metric.params as Json).scores as Json)[score] as Json).parser as Json).pattern as string;
      const found = new RegExp(pattern).exec(reply)?.[1];
      return found === undefined ? undefined : Number(found);
    };
    const share = (value: number | undefined, index: number) => (index < Math.round((value ?? 1) * job.answers.length) ? 1 : 0);
    return job.answers.map(({ item, response }, index) => {
      const answer = this.resultsDownload === "hostile" ? { choices: [{ index: 0, message: { role: "assistant", content: hostileAnswer } }] } : response;
      const message = ((answer.choices as Json[] | undefined)?.[0]?.message ?? {}) as Json;
      const scores: Json =
        name === "custom-tool-calling"
          ? {
              "tool-calling-accuracy": { scores: { function_name_accuracy: { value: share(behaviour.functionNameAccuracy, index) }, function_name_and_args_accuracy: { value: share(behaviour.functionNameAndArgsAccuracy, index) } } },
              correctness: { scores: { rating: { value: rating(metrics.correctness, "rating", (behaviour.correctnessReplies ?? ["RATING: 1"])[index % (behaviour.correctnessReplies ?? ["RATING: 1"]).length]) ?? null } } },
            }
          : { "llm-judge": { scores: { similarity: { value: rating(metrics["llm-judge"], "similarity", (behaviour.judgeReplies ?? ["10"])[index % (behaviour.judgeReplies ?? ["10"]).length]) ?? null } } } };
      return { id: index, item, sample: { output_text: typeof message.content === "string" ? message.content : "", response: answer }, metrics: scores };
    });
  }

  private results(job: EvaluationJob): Json {
    const behaviour = this.evaluationBehaviour.get(job.modelId) ?? {};
    const [[name, task]] = Object.entries(((job.body.config as Json).tasks as Record<string, Json>));
    const metrics = task.metrics as Record<string, Json>;
    const judged = (metric: Json, score: string, replies: readonly string[]): Json => {
      const pattern = ((((metric.params as Json).scores as Json)[score] as Json).parser as Json).pattern as string;
      const ratings = Array.from({ length: job.records }, (_, i) => replies[i % replies.length])
        .map((reply) => new RegExp(pattern).exec(reply)?.[1])
        .filter((rating): rating is string => rating !== undefined)
        .map(Number);
      const mean = behaviour.judgeMean ?? ratings.reduce((sum, r) => sum + r, 0) / ratings.length;
      return { [score]: { value: mean, stats: { count: ratings.length, sum: ratings.reduce((s, r) => s + r, 0), mean } } };
    };
    if (name === "custom-tool-calling") {
      return {
        tasks: {
          [name]: {
            metrics: {
              "tool-calling-accuracy": {
                scores: {
                  function_name_accuracy: { value: behaviour.functionNameAccuracy ?? 1, stats: { count: job.records } },
                  function_name_and_args_accuracy: { value: behaviour.functionNameAndArgsAccuracy ?? 1, stats: { count: job.records } },
                },
              },
              correctness: { scores: judged(metrics.correctness, "rating", behaviour.correctnessReplies ?? ["RATING: 1\nEXPLANATION: same call"]) },
            },
          },
        },
      };
    }
    return { tasks: { [name]: { metrics: { "llm-judge": { scores: judged(metrics["llm-judge"], "similarity", behaviour.judgeReplies ?? ["10"]) } } } } };
  }
}

/** JSON as Python's `json.dumps` writes it: NaN and infinities as bare words, which JSON.parse refuses. */
function pythonJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? `\u0000${v}` : v)).replace(/"\\u0000(NaN|-?Infinity)"/g, "$1");
}

/** A deterministic embedding: words hashed into 32 buckets, so texts sharing words are close. */
function bagOfWords(text: string): number[] {
  const vector = new Array<number>(32).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    vector[createHash("md5").update(word).digest()[0] % 32] += 1;
  }
  return vector;
}
