import type { FlywheelJobConfig } from "../config/job-config";
import { iclContextLength, metricNames } from "../config/job-config";
import type { PreparedData } from "../curation/prepare-data";
import type { JsonObject, JsonValue, SampledRecord } from "../curation/records";
import { datasetFiles } from "../datasets/layouts";
import type { JsonlReadStats } from "../logs/jsonl-log-source";
import { compare } from "../curation/labels";
import { metricsFor } from "../evaluation/metrics";
import { estimateAssumptions, estimateGpuHours, type Experiment, type GpuEstimate, plannedExperiments } from "./experiments";

/** Everything `plan.json` says, in the shape the summary table also reads. */
export interface PlanReport {
  readonly workloadId: string;
  readonly clientId: string;
  readonly seed: number;
  readonly data: PreparedData;
  readonly source: { readonly file: string; readonly stats: JsonlReadStats };
  readonly experiments: readonly Experiment[];
  readonly estimate: GpuEstimate;
  readonly warnings: readonly string[];
  readonly json: JsonObject;
}

/**
 * Builds `plan.json`: what the data stages did and what a full run would start. Keys are snake_case
 * like the run records in MongoDB (flywheel-job/README.md, "Run records"); objects keyed by label or
 * reason are sorted, and there are no timestamps or absolute paths, so the same input and seed give
 * the same bytes.
 */
export function buildPlanReport(
  config: FlywheelJobConfig,
  pair: { readonly workloadId: string; readonly clientId: string },
  source: { readonly file: string; readonly stats: JsonlReadStats },
  data: PreparedData,
  notes: readonly string[],
): PlanReport {
  const { split } = data;
  const counts = { eval: split.eval.length, train: split.train.length, validation: split.validation.length };
  const experiments = plannedExperiments(config, counts.eval);
  const estimate = estimateGpuHours(config, counts);
  const metrics = metricsFor(data.workloadType);
  const unusedTargets = metricNames.filter((name) => config.targets[name] !== undefined && !metrics.includes(name));
  const warnings = [
    ...notes,
    ...(unusedTargets.length > 0 ? [`targets for ${unusedTargets.join(", ")} do not apply to a ${data.workloadType} workload and will be ignored`] : []),
    ...(metrics.every((name) => config.targets[name] === undefined) ? ["no targets apply to this workload, so a run would mark no candidate promotable"] : []),
  ];

  const labelCounts = (records: readonly SampledRecord[]): JsonObject => {
    const tally = new Map<string, number>();
    const counted = new Set(records);
    for (const [record, label] of split.labelOf) {
      if (counted.has(record)) {
        tally.set(label, (tally.get(label) ?? 0) + 1);
      }
    }
    return Object.fromEntries([...tally].sort(([a], [b]) => compare(a, b)));
  };

  const json: JsonObject = {
    workload_id: pair.workloadId,
    client_id: pair.clientId,
    seed: config.data.seed,
    workload_type: data.workloadType,
    source: {
      kind: "jsonl",
      file: source.file,
      lines: source.stats.lines,
      blank_lines: source.stats.blankLines,
      malformed_lines: source.stats.malformedLines,
      first_malformed_lines: [...source.stats.firstMalformedLines],
      oversized_lines: source.stats.oversizedLines,
      records_of_this_pair: source.stats.matchingRecords,
      records_of_other_pairs: source.stats.otherRecords,
    },
    settings: {
      limit: config.data.limit,
      pull_limit: config.data.limit * 2,
      eval_size: config.data.evalSize,
      val_ratio: config.data.valRatio,
      min_total_records: config.data.minTotalRecords,
      max_tool_properties: config.data.maxToolProperties ?? null,
      limits: {
        max_depth: config.data.limits.maxDepth,
        max_record_bytes: config.data.limits.maxRecordBytes,
        max_messages: config.data.limits.maxMessages,
        max_tools: config.data.limits.maxTools,
        max_schema_properties: config.data.limits.maxSchemaProperties,
        max_tool_calls: config.data.limits.maxToolCalls,
      },
    },
    counts: {
      pulled: data.counts.pulled,
      valid: data.counts.valid,
      of_workload_type: data.counts.ofWorkloadType,
      unique: data.counts.unique,
      sampled: data.counts.sampled,
      ...counts,
    },
    drop_counts: { ...data.dropCounts },
    labels: {
      merged_into_others: [...split.merged],
      eval: labelCounts(split.eval),
      train: labelCounts(split.train),
      validation: labelCounts(split.validation),
    },
    icl: {
      selection: data.icl.stats.selection,
      max_examples: config.icl.maxExamples,
      max_context_length: iclContextLength(config),
      reserved_tokens: config.icl.reservedTokens,
      token_safety_margin: config.icl.tokenSafetyMargin,
      records_by_examples: Object.fromEntries(data.icl.stats.examplesPerRecord.map((n, examples) => [String(examples), n])),
    },
    datasets: Object.fromEntries(
      (Object.keys(datasetFiles) as Array<keyof typeof datasetFiles>).map((key) => [
        key,
        { file: datasetFiles[key], records: key === "icl" ? data.icl.records.length : counts[key] },
      ]),
    ),
    experiments: experiments.map((e) => ({ model: e.model, eval_type: e.evalType, dataset: e.dataset, records: e.records, gpus: e.gpus, metrics: [...metrics] })),
    customizations: config.candidates
      .filter((c) => c.customize)
      .map((c) => ({
        model: c.model,
        target: c.customizationTarget ?? null,
        training_gpus: c.trainingGpus,
        epochs: config.customization.epochs,
        train_records: counts.train,
        validation_records: counts.validation,
      })),
    targets: Object.fromEntries(metricNames.flatMap((name) => (config.targets[name] === undefined ? [] : [[name, config.targets[name] as JsonValue]]))),
    estimate: {
      gpu_hours: estimate.gpuHours,
      cost: estimate.cost ?? null,
      gpu_hourly_cost: config.gpuHourlyCost ?? null,
      candidates: estimate.candidates.map((c) => ({ model: c.model, nim_minutes: c.nimMinutes, training_minutes: c.trainingMinutes, gpu_hours: c.gpuHours })),
      assumptions: {
        nim_startup_minutes: estimateAssumptions.nimStartupMinutes,
        evaluation_seconds_per_record: estimateAssumptions.evaluationSecondsPerRecord,
        training_seconds_per_record_per_epoch: estimateAssumptions.trainingSecondsPerRecordPerEpoch,
        schedule:
          "each candidate's NIM runs start-up, then base and ICL evaluation in parallel with fine-tuning followed by the customized evaluation; " +
          "fine-tuning runs on its own training GPUs; the judge and embedding models are served by the stack, not by the run",
      },
    },
    warnings: [...warnings],
  };
  return { ...pair, seed: config.data.seed, data, source, experiments, estimate, warnings, json };
}
