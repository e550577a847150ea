import { isNimLlm1Tag, type MetricName, metricNames } from "../config/job-config";
import { UsageError } from "../errors";
import type { EvalType } from "../evaluation/metrics";
import { formatScore, type ReportRow } from "../report/run-report";
import { customizedModelIdPattern, productionMinServingReplicas, type PromotedFrom } from "../serving/serving-contract";
import type { PromotionRun } from "./promotion-source";
import type { ServingEntryFacts, StackFileFacts } from "./promotion-stack-file";

/**
 * `flywheel promote`'s decisions, without side effects: which row of a run's report becomes which
 * serving entry of a stack file, with what evidence, or why not.
 */

/** What a new entry scales on: requests queued per replica, a few before another replica starts. */
const defaultScaleOn = { metric: "num_requests_waiting", target: 4 } as const;

export interface PromotionRequest {
  readonly run: PromotionRun;
  readonly stack: StackFileFacts;
  /** `--model` and `--eval-type`: the row to promote instead of the recommended one. */
  readonly row?: { readonly model: string; readonly evalType: EvalType };
  /** `--force --reason`: promote what would be refused, recording why. */
  readonly forcedReason?: string;
  /** `--name`: the serving entry to write. */
  readonly name?: string;
  /** `--client-namespace`: the namespaces that may call the model, replacing the entry's. */
  readonly clientNamespaces?: readonly string[];
  /** When the promotion happens, recorded as `promotedFrom.at`. */
  readonly now: Date;
}

/** A serving entry in the stack config's shape (stacks/config/schema/serving.ts), in the order the shipped stack files write one. */
export interface ServingEntry {
  readonly name: string;
  readonly model: string;
  readonly image: { readonly repository: string; readonly tag: string };
  readonly gpus: number;
  readonly replicas: { readonly min: number; readonly max: number };
  readonly scaleOn: { readonly metric: string; readonly target: number };
  readonly adapter?: string;
  readonly iclExamplesFrom?: string;
  readonly clientNamespaces: readonly string[];
  readonly promotedFrom: PromotedFrom;
}

export interface PromotionPlan {
  readonly entry: ServingEntry;
  /** The row promoted. */
  readonly row: ReportRow & { readonly eval_type: EvalType };
  /** Whether an entry of that name existed and is replaced. */
  readonly replaces: boolean;
  /** What `--force` overrode: the refusals it would otherwise have given. */
  readonly overridden: readonly string[];
  /** The serving GPUs at `replicas.min` of the whole stack, before and after, priced by `flywheel.gpuHourlyCost` when it is set. */
  readonly gpuCost: { readonly before: number; readonly after: number; readonly unit: string };
  /** Lines for the user about choices promote made (replicas raised, namespaces kept). */
  readonly notes: readonly string[];
}

/**
 * Plans the promotion, or throws a UsageError saying why not. Refusals that `--force --reason`
 * overrides: the row is not promotable (it missed a target), and the workload's targets in the
 * stack file are no longer the ones the run was judged against (the entry records the current ones,
 * so the run's scores would be held to a bar it was not measured at). Never overridden: an
 * evaluation that did not complete (its scores are no evidence), a model or workload the stack file
 * does not have, an adapter on a NIM LLM 2.x image, an entry nobody may call.
 */
export function planPromotion(request: PromotionRequest): PromotionPlan {
  const { run, stack } = request;
  const row = chosenRow(request);
  const refusals: string[] = [];
  if (!row.promotable) {
    refusals.push(`${describeRow(row)} is not promotable: ${whyNotPromotable(row, run.report.targets)}`);
  }
  const workload = stack.workloads.find((w) => w.workloadId === run.workloadId && w.clientId === run.clientId);
  if (workload === undefined) {
    throw new UsageError(
      `${stack.file} has no workload "${run.workloadId}", client "${run.clientId}" under data-flywheel:workloads: a serving entry records its workload's targets, and the policy pack compares them with the workload's`,
    );
  }
  const targets = workload.targets ?? {};
  const changed = targetChange(targets, run.report);
  if (changed !== undefined) {
    refusals.push(`the workload's targets in ${stack.file} are not the ones run ${run.id} was judged against (${changed})`);
  }
  if (refusals.length > 0 && request.forcedReason === undefined) {
    throw new UsageError(`will not promote run ${run.id}:`, [...refusals, `to promote it anyway, add --force --reason "why"; the reason is recorded in the entry`]);
  }

  const candidate = stack.candidates.find((c) => c.name === row.model);
  if (candidate === undefined) {
    throw new UsageError(`${row.model} is not a candidate in data-flywheel:models.candidates of ${stack.file}: promote serves the image a candidate lists there`);
  }
  const name = request.name ?? entryNameFor(run, stack);
  const existing = stack.serving.find((e) => e.name === name);
  const adapter = row.eval_type === "customized-eval" ? adapterFor(run, row.model, candidate.image.tag) : undefined;
  if (row.eval_type === "icl-eval" && !stack.apiEnabled) {
    throw new UsageError(
      `${describeRow(row)} needs its in-context examples, which the Flywheel API serves to applications, and flywheel.api.enabled is false in ${stack.file}`,
    );
  }
  const clientNamespaces = request.clientNamespaces ?? existing?.clientNamespaces ?? [];
  if (clientNamespaces.length === 0) {
    throw new UsageError(`the serving entry ${name} would have an empty namespace list, so no application could call it: name them with --client-namespace NS[,NS…]`);
  }
  const notes: string[] = [];
  const replicas = replicasFor(existing, stack.production, notes);
  const scores = Object.fromEntries(metricNames.flatMap((metric) => (row.scores[metric] === undefined ? [] : [[metric, row.scores[metric]]])));
  // The records the promoted row was scored on: an ICL evaluation's carry their examples.
  const evalDataset = run.evaluationSets[row.eval_type === "icl-eval" ? "icl" : "eval"];
  const entry: ServingEntry = {
    name,
    model: row.model,
    image: { repository: candidate.image.repository, tag: candidate.image.tag },
    gpus: candidate.gpus ?? row.gpus,
    replicas,
    scaleOn: existing?.scaleOn ?? defaultScaleOn,
    ...(adapter === undefined ? {} : { adapter }),
    ...(row.eval_type === "icl-eval" ? { iclExamplesFrom: run.id } : {}),
    clientNamespaces,
    promotedFrom: {
      runId: run.id,
      workloadId: run.workloadId,
      clientId: run.clientId,
      evalType: row.eval_type,
      scores,
      targets,
      at: request.now.toISOString(),
      ...(request.forcedReason === undefined ? {} : { forcedReason: request.forcedReason }),
      ...(evalDataset === undefined ? {} : { evalDataset }),
    },
  };
  return { entry, row, replaces: existing !== undefined, overridden: refusals, gpuCost: gpuCost(stack, existing, entry), notes };
}

function describeRow(row: { readonly model: string; readonly eval_type: EvalType | null }): string {
  return `${row.model} (${row.eval_type ?? "no evaluation"})`;
}

/** The row named by `--model`/`--eval-type`, else the report's recommendation. */
function chosenRow(request: PromotionRequest): PromotionPlan["row"] {
  const { report, id } = request.run;
  const wanted = request.row ?? (report.recommendation && { model: report.recommendation.model, evalType: report.recommendation.eval_type });
  if (wanted === null) {
    const reason = report.notes.find((note) => note.startsWith("no ")) ?? "no candidate × evaluation type met every target";
    throw new UsageError(`run ${id} recommends no candidate (${reason}): name one with --model M --eval-type T, and --force --reason "why" since it is not promotable`);
  }
  const row = report.rows.find((r) => r.model === wanted.model && r.eval_type === wanted.evalType);
  if (row === undefined || row.eval_type === null) {
    const rows = report.rows.filter((r) => r.eval_type !== null).map((r) => `${r.model} ${r.eval_type}`);
    throw new UsageError(`run ${id} has no ${wanted.evalType} of ${wanted.model} in its report; it has: ${rows.join(", ") || "no evaluations"}`);
  }
  if (row.status !== "completed") {
    throw new UsageError(`${describeRow(row)} of run ${id} is ${row.status}, not completed${row.error ? ` (${row.error})` : ""}: its scores are no evidence, and --force cannot make them so`);
  }
  return { ...row, eval_type: row.eval_type };
}

function whyNotPromotable(row: ReportRow, targets: PromotionRun["report"]["targets"]): string {
  const missed = metricNames.filter((metric) => row.target_met[metric] === false).map((metric) => `${metric} ${formatScore(row.scores[metric])} < ${targets[metric]}`);
  if (missed.length > 0) {
    return `it missed ${missed.join(", ")}`;
  }
  return Object.keys(targets).length === 0 ? "no targets apply to its workload" : "it did not meet every target";
}

/**
 * How the workload's current targets differ from the run's (the report's, with the targets it
 * ignored as not applying to the workload left out of the comparison), or undefined when they are the same.
 */
function targetChange(current: Readonly<Partial<Record<MetricName, number>>>, report: PromotionRun["report"]): string | undefined {
  const differences = metricNames.flatMap((metric) => {
    const now = report.ignored_targets.includes(metric) ? undefined : current[metric];
    const then = report.targets[metric];
    return now === then ? [] : [`${metric}: ${then ?? "none"} then, ${now ?? "none"} now`];
  });
  return differences.length === 0 ? undefined : differences.join("; ");
}

/**
 * The entry's name: the existing entry promoted from the same workload and client, else an entry
 * named after the workload id (the dev stack's example is), else a new entry of that name.
 */
function entryNameFor(run: PromotionRun, stack: StackFileFacts): string {
  const same = stack.serving.filter((e) => e.promotedFrom?.workloadId === run.workloadId && e.promotedFrom.clientId === run.clientId);
  if (same.length > 1) {
    throw new UsageError(`${stack.file} has ${same.length} serving entries promoted from workload "${run.workloadId}", client "${run.clientId}" (${same.map((e) => e.name).join(", ")}): name the one to replace with --name`);
  }
  if (same.length === 1) {
    return same[0].name;
  }
  const named = stack.serving.find((e) => e.name === run.workloadId);
  if (named?.promotedFrom !== undefined) {
    throw new UsageError(
      `the serving entry ${named.name} of ${stack.file} was promoted from workload "${named.promotedFrom.workloadId}", client "${named.promotedFrom.clientId}", not from this run's: name the entry to write with --name`,
    );
  }
  return run.workloadId;
}

function adapterFor(run: PromotionRun, model: string, tag: string): string {
  const adapter = run.customizedModels.get(model);
  if (adapter === undefined) {
    throw new UsageError(`run ${run.id} recorded no customized model for ${model}: there is no adapter to serve for its customized-eval`);
  }
  if (!customizedModelIdPattern.test(adapter)) {
    throw new UsageError(`the customized model ${JSON.stringify(adapter.slice(0, 200))} run ${run.id} recorded is not an id of the form Customizer returns (namespace/name@cust-<id>)`);
  }
  if (!isNimLlm1Tag(tag)) {
    throw new UsageError(`${model}'s image tag ${tag} is not NIM LLM 1.x: NIM LLM 2.x loads LoRA adapters from a mounted directory, not from Entity Store, so it cannot serve the adapter ${adapter}`);
  }
  return adapter;
}

/**
 * The existing entry's replicas while it serves; an entry that is off (`0/0`) or new starts at
 * the environment's minimum, both bounds alike, so the change costs no more than it must.
 */
function replicasFor(existing: ServingEntryFacts | undefined, production: boolean, notes: string[]): ServingEntry["replicas"] {
  if (existing !== undefined && existing.replicas.max > 0) {
    return existing.replicas;
  }
  const replicas = production ? productionMinServingReplicas : 1;
  notes.push(`replicas set to min ${replicas}, max ${replicas}${production ? " (production's minimum)" : ""}: the entry ${existing ? "was off" : "is new"}; raise replicas.max in the pull request to let it scale`);
  return { min: replicas, max: replicas };
}

function gpuCost(stack: StackFileFacts, existing: ServingEntryFacts | undefined, entry: ServingEntry): PromotionPlan["gpuCost"] {
  const price = stack.gpuHourlyCost;
  // An entry without `gpus` has the stack config's default, one.
  const gpusAtMin = (e: { readonly gpus?: number; readonly replicas: { readonly min: number } }): number => (e.gpus ?? 1) * e.replicas.min;
  const before = stack.serving.reduce((sum, e) => sum + gpusAtMin(e), 0);
  const after = before - (existing === undefined ? 0 : gpusAtMin(existing)) + gpusAtMin(entry);
  return price === undefined
    ? { before, after, unit: "GPUs at replicas.min (set flywheel.gpuHourlyCost to price them)" }
    : { before: before * price, after: after * price, unit: `per hour at replicas.min (flywheel.gpuHourlyCost ${price})` };
}
