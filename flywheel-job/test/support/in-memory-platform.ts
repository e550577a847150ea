import { readFileSync } from "node:fs";
import { UsageError } from "../../src/errors";
import { LowestScoring, type SampleBounds, type SampledResults, SamplesUnavailable } from "../../src/evaluation/evaluation-samples";
import { type EvaluationResults, scoresFrom } from "../../src/evaluation/metrics";
import type { CandidateDeployment, CandidateDeploymentRequest, CandidateDeployments, SweepContext } from "../../src/platform/candidate-deployments";
import type { JobControl, JobState, JobStatus, StopAnswer } from "../../src/platform/job-control";
import type {
  CustomizationSpec,
  Customizer,
  DatasetContent,
  DatasetLocation,
  DatasetToPublish,
  EvaluationSpec,
  Evaluator,
  ModelPlatform,
} from "../../src/platform/model-platform";
import type { PollSettings } from "../../src/waits/poll-until";

/** How the jobs of a model behave: they advance with every status poll, unless told to fail or stall. */
export interface JobBehaviour {
  /** Status polls until it completes. @default 2 */
  readonly pollsToComplete?: number;
  /** Fail with this message instead. */
  readonly failWith?: string;
  /** Stay running without progress, until stopped. */
  readonly stall?: boolean;
}

/** How evaluations of a target model id behave, and what they score (every metric perfect unless told). */
export interface EvaluationBehaviour extends JobBehaviour {
  readonly results?: EvaluationResults;
  /** The per-sample results are unavailable for this reason (as a failed download or an unreadable ZIP would be). */
  readonly samplesProblem?: string;
}

/** How a deployment of a candidate model behaves. */
export interface DeploymentBehaviour {
  /** Fails with this message while the run waits for it to serve. */
  readonly failWith?: string;
}

interface StoredDataset {
  readonly location: DatasetLocation;
  readonly use: DatasetContent["use"];
  /** Lines of each file, read when it was published (the run deletes its copies afterwards). */
  readonly lines: Readonly<Record<string, number>>;
}

interface InMemoryJob {
  readonly id: string;
  /** The target model of an evaluation, the base model of a fine-tune. */
  readonly model: string;
  readonly behaviour: JobBehaviour;
  readonly onCompleted: (job: InMemoryJob) => void;
  /** The status words of NeMo's jobs, which the pipeline shows as they are. */
  status: "created" | "running" | "completed" | "failed" | "cancelled";
  polls: number;
}

const servingUrl = (name: string): string => `memory://deployments/${name}`;

/**
 * A model platform held in memory, for the run's scenarios without any server: datasets are counted
 * when published, candidates are deployed in a map, evaluations and fine-tunes advance with every
 * status poll and complete, fail or stall as a test says, and a fine-tune's adapter is served by its
 * base model's deployments once it completes. It refuses what a real platform could not use (an
 * evaluation of a model no deployment serves, a dataset it never received, a record count that is
 * not the dataset's), and shows what is left running.
 */
export class InMemoryPlatform implements ModelPlatform {
  readonly datasets = new Map<string, StoredDataset>();
  /** Fine-tuned adapters by the name they are served under → the model they were tuned from. */
  readonly adapters = new Map<string, string>();
  readonly evaluationBehaviour = new Map<string, EvaluationBehaviour>();
  /** By the base model's name, without a version (`meta/llama-3.2-1b-instruct`). */
  readonly customizationBehaviour = new Map<string, JobBehaviour>();
  readonly deployments: InMemoryDeployments;
  readonly evaluator: InMemoryEvaluator;
  /** Absent on a platform made without fine-tuning. */
  readonly customizer: InMemoryCustomizer | undefined;

  constructor(options: { readonly canFineTune?: boolean } = {}) {
    this.deployments = new InMemoryDeployments(this.adapters);
    this.evaluator = new InMemoryEvaluator(this);
    this.customizer = options.canFineTune === false ? undefined : new InMemoryCustomizer(this);
  }

  publishDataset(dataset: DatasetToPublish, signal: AbortSignal): Promise<DatasetLocation> {
    return answer(signal, () => {
      const { content } = dataset;
      const files: Record<string, string> = content.use === "evaluation" ? { evaluation: content.file } : { training: content.trainingFile, validation: content.validationFile };
      const lines = Object.fromEntries(Object.entries(files).map(([use, path]) => [use, readFileSync(path, "utf8").split("\n").filter(Boolean).length]));
      const location = { name: dataset.name, uri: `memory://datasets/${dataset.name}` };
      this.datasets.set(dataset.name, { location, use: content.use, lines });
      return location;
    });
  }

  describeDataset(dataset: DatasetLocation): string {
    return dataset.name;
  }

  deleteDataset(dataset: DatasetLocation, signal: AbortSignal): Promise<boolean> {
    return answer(signal, () => this.datasets.delete(dataset.name));
  }

  deleteAdapter(adapter: string, signal: AbortSignal): Promise<boolean> {
    return answer(signal, () => this.adapters.delete(adapter));
  }

  requireCustomizer(): Customizer {
    if (this.customizer === undefined) {
      throw new UsageError("a candidate is to be fine-tuned, but this in-memory platform was made without fine-tuning");
    }
    return this.customizer;
  }

  /** Evaluations and fine-tunes still created or running. */
  activeJobs(): string[] {
    return [...this.evaluator.jobs.all(), ...(this.customizer?.jobs.all() ?? [])].filter((job) => job.status === "created" || job.status === "running").map((job) => job.id);
  }

  /** The dataset a call refers to, as this platform published it. */
  published(dataset: DatasetLocation, use: DatasetContent["use"]): StoredDataset {
    const stored = this.datasets.get(dataset.name);
    if (stored === undefined || stored.location.uri !== dataset.uri || stored.use !== use) {
      throw new UsageError(`no ${use} dataset ${dataset.name} at ${dataset.uri} was published`);
    }
    return stored;
  }
}

/** Deployments in a map; one serves its candidate's model and the adapters tuned from it. */
export class InMemoryDeployments implements CandidateDeployments {
  readonly kind = "deployment";
  readonly behaviour = new Map<string, DeploymentBehaviour>();
  readonly live = new Map<string, CandidateDeployment>();
  /** Every deployment ever created. */
  readonly created: CandidateDeployment[] = [];
  maxGpusInUse = 0;

  constructor(private readonly adapters: ReadonlyMap<string, string>) {}

  prepare(request: CandidateDeploymentRequest, signal: AbortSignal): Promise<CandidateDeployment> {
    return answer(signal, () => ({ name: `mem-${request.runId}-${request.index}`, request }));
  }

  create(deployment: CandidateDeployment, signal: AbortSignal): Promise<void> {
    return answer(signal, () => {
      if (this.live.has(deployment.name)) {
        throw new UsageError(`deployment ${deployment.name} exists`);
      }
      this.live.set(deployment.name, deployment);
      this.created.push(deployment);
      this.maxGpusInUse = Math.max(this.maxGpusInUse, [...this.live.values()].reduce((sum, live) => sum + live.request.candidate.gpus, 0));
    });
  }

  awaitServing(deployment: CandidateDeployment, _polling: PollSettings, signal: AbortSignal): Promise<string> {
    return answer(signal, () => {
      const failure = this.behaviour.get(deployment.request.candidate.model)?.failWith;
      if (failure !== undefined) {
        throw new Error(`deployment ${deployment.name} failed: ${failure}`);
      }
      if (!this.live.has(deployment.name)) {
        throw new Error(`deployment ${deployment.name} was never created`);
      }
      return servingUrl(deployment.name);
    });
  }

  awaitModel(url: string, model: string, _polling: PollSettings, signal: AbortSignal): Promise<void> {
    return answer(signal, () => {
      if (!this.serves(url, model)) {
        throw new Error(`${url} does not serve ${model}`);
      }
    });
  }

  remove(deployment: CandidateDeployment, signal: AbortSignal): Promise<boolean> {
    return answer(signal, () => this.live.delete(deployment.name));
  }

  removeAll(runId: string, signal: AbortSignal): Promise<string[]> {
    return answer(signal, () => this.removeWhere((deployment) => deployment.request.runId === runId));
  }

  async sweep(context: SweepContext, signal: AbortSignal): Promise<string[]> {
    const finished = new Set<string>();
    for (const deployment of this.live.values()) {
      if ((await context.runFinished(deployment.request.runId)) === true) {
        finished.add(deployment.request.runId);
      }
    }
    return answer(signal, () => this.removeWhere((deployment) => finished.has(deployment.request.runId)));
  }

  /** Whether the deployment at `url` (its OpenAI root, or a URL under it) serves `model`. */
  serves(url: string, model: string): boolean {
    const deployment = [...this.live.values()].find((live) => url === servingUrl(live.name) || url.startsWith(`${servingUrl(live.name)}/`));
    const base = deployment?.request.candidate.model;
    return base !== undefined && (model === base || this.adapters.get(model) === base);
  }

  private removeWhere(test: (deployment: CandidateDeployment) => boolean): string[] {
    const removed = [...this.live.values()].filter(test).map((deployment) => deployment.name);
    for (const name of removed) {
      this.live.delete(name);
    }
    return removed;
  }
}

/** Jobs that advance when they are looked at. They are stopped by cancelling; this platform has no delete call. */
class InMemoryJobs implements JobControl {
  private readonly jobs = new Map<string, InMemoryJob>();
  private nextId = 1;

  constructor(
    private readonly prefix: string,
    /** Fine-tunes report epochs and steps. */
    private readonly steps: boolean,
  ) {}

  start(model: string, behaviour: JobBehaviour, onCompleted: (job: InMemoryJob) => void = () => undefined): InMemoryJob {
    const job: InMemoryJob = { id: `${this.prefix}-${String(this.nextId++).padStart(6, "0")}`, model, behaviour, onCompleted, status: "created", polls: 0 };
    this.jobs.set(job.id, job);
    return job;
  }

  all(): InMemoryJob[] {
    return [...this.jobs.values()];
  }

  get(id: string): InMemoryJob | undefined {
    return this.jobs.get(id);
  }

  status(id: string, signal: AbortSignal): Promise<JobStatus | undefined> {
    return answer(signal, () => {
      const job = this.jobs.get(id);
      if (job === undefined) {
        return undefined;
      }
      const { behaviour } = job;
      const needed = behaviour.pollsToComplete ?? 2;
      if (job.status === "created" || job.status === "running") {
        job.polls += 1;
        job.status = behaviour.failWith !== undefined ? "failed" : behaviour.stall || job.polls < needed ? "running" : "completed";
        if (job.status === "completed") {
          job.onCompleted(job);
        }
      }
      const percentDone = job.status === "completed" ? 100 : behaviour.stall ? 10 : Math.round((100 * Math.min(job.polls, needed)) / needed);
      return {
        state: stateOf(job.status),
        status: job.status,
        percentDone,
        ...(this.steps ? { epochsCompleted: Math.floor(percentDone / 50), stepsCompleted: behaviour.stall ? 1 : job.polls } : {}),
        ...(job.status === "failed" ? { message: behaviour.failWith } : {}),
      };
    });
  }

  cancel(id: string, signal: AbortSignal): Promise<StopAnswer> {
    return answer(signal, () => {
      const job = this.jobs.get(id);
      if (job === undefined) {
        return "not_found";
      }
      if (job.status !== "created" && job.status !== "running") {
        return "already_ended";
      }
      job.status = "cancelled";
      return "done";
    });
  }

  delete(_id: string, signal: AbortSignal): Promise<StopAnswer> {
    return answer(signal, () => "unsupported");
  }

  url(id: string): string {
    return `memory://jobs/${id}`;
  }
}

class InMemoryEvaluator implements Evaluator {
  readonly jobs = new InMemoryJobs("eval", false);
  /** What each evaluation job was started with. */
  readonly specs = new Map<string, EvaluationSpec>();

  constructor(private readonly platform: InMemoryPlatform) {}

  startEvaluation(spec: EvaluationSpec, signal: AbortSignal): Promise<string> {
    return answer(signal, () => {
      const dataset = this.platform.published(spec.dataset, "evaluation");
      if (spec.records !== dataset.lines.evaluation) {
        throw new UsageError(`dataset ${spec.dataset.name} holds ${dataset.lines.evaluation} records, not ${spec.records}`);
      }
      if (!this.platform.deployments.serves(spec.target.url, spec.target.modelId)) {
        throw new UsageError(`no deployment at ${spec.target.url} serves ${spec.target.modelId}`);
      }
      const job = this.jobs.start(spec.target.modelId, this.platform.evaluationBehaviour.get(spec.target.modelId) ?? {});
      this.specs.set(job.id, spec);
      return job.id;
    });
  }

  evaluationResults(id: string, spec: Pick<EvaluationSpec, "workloadType" | "records">, signal: AbortSignal): Promise<EvaluationResults> {
    return answer(signal, () => {
      const job = this.jobs.get(id);
      if (job?.status !== "completed") {
        throw new UsageError(`evaluation job ${id} has no results: it is ${job?.status ?? "unknown"}`);
      }
      return { ...this.perfect(spec.workloadType, spec.records), ...this.platform.evaluationBehaviour.get(job.model)?.results };
    });
  }

  /** One row per evaluated record, each scored as the evaluation's aggregate, the conversation naming the record. */
  evaluationSamples(id: string, spec: Pick<EvaluationSpec, "workloadType">, bounds: SampleBounds, signal: AbortSignal): Promise<SampledResults> {
    return answer(signal, () => {
      const job = this.jobs.get(id);
      const started = this.specs.get(id);
      if (job?.status !== "completed" || started === undefined) {
        throw new SamplesUnavailable(`evaluation job ${id} has no results: it is ${job?.status ?? "unknown"}`);
      }
      const problem = this.platform.evaluationBehaviour.get(job.model)?.samplesProblem;
      if (problem !== undefined) {
        throw new SamplesUnavailable(problem);
      }
      const { scores } = scoresFrom(spec.workloadType, { ...this.perfect(spec.workloadType, started.records), ...this.platform.evaluationBehaviour.get(job.model)?.results });
      const sampler = new LowestScoring(spec.workloadType, bounds);
      for (let record = 0; record < started.records; record += 1) {
        sampler.offer({ conversation: [{ role: "user", content: `record ${record}` }], reference: `production's answer to record ${record}`, response: `${job.model}'s answer to record ${record}`, scores });
      }
      return sampler.results(null);
    });
  }

  private perfect(workloadType: EvaluationSpec["workloadType"], records: number): EvaluationResults {
    return workloadType === "tool_calling"
      ? { functionNameAccuracy: 1, functionNameAndArgsAccuracy: 1, judge: { mean: 1, rated: records, unparsed: 0 } }
      : { judge: { mean: 10, rated: records, unparsed: 0 } };
  }
}

class InMemoryCustomizer implements Customizer {
  readonly jobs = new InMemoryJobs("cust", true);

  constructor(private readonly platform: InMemoryPlatform) {}

  startCustomization(spec: CustomizationSpec, signal: AbortSignal): Promise<{ readonly id: string; readonly adapter: string }> {
    return answer(signal, () => {
      const dataset = this.platform.published(spec.dataset, "fine-tuning");
      if (!dataset.lines.training || !dataset.lines.validation) {
        throw new UsageError(`dataset ${spec.dataset.name} has no training or no validation records`);
      }
      const baseModel = spec.baseModel.replace(/@.*$/, "");
      // Served under the name asked for with the job's id as its version, once the job completes.
      const adapterOf = (job: InMemoryJob): string => `${spec.adapterName}@${job.id}`;
      const job = this.jobs.start(baseModel, this.platform.customizationBehaviour.get(baseModel) ?? {}, (completed) => this.platform.adapters.set(adapterOf(completed), baseModel));
      return { id: job.id, adapter: adapterOf(job) };
    });
  }
}

function stateOf(status: InMemoryJob["status"]): JobState {
  return status === "created" ? "pending" : status;
}

/** Answers a call as a service does: later, and not at all once the caller's signal has stopped it. */
function answer<T>(signal: AbortSignal, call: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    signal.throwIfAborted();
    resolve(call());
  });
}
