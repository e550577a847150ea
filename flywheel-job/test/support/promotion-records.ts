import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { main } from "../../src/cli/main";
import type { MetricName } from "../../src/config/job-config";
import type { EvalType } from "../../src/evaluation/metrics";
import { buildRunReport } from "../../src/report/run-report";
import { JsonFileRecordStore } from "../../src/store/json-file-record-store";
import { type CustomizationRecord, type EvaluationRecord, type NimRecord, pendingCustomization, pendingEvaluation, pendingNim, pendingRun, type RunRecord, type RunStatus } from "../../src/store/records";
import { RunStore } from "../../src/store/run-store";
import { temporaryDirectory } from "./logs";

/** The shipped stack files' workload: dev and local run it, and the dev file serves it. */
export const stackWorkload = { workloadId: "customer-support", clientId: "support-web" } as const;
/** The candidate every shipped stack file lists. */
export const stackCandidate = "meta/llama-3.2-1b-instruct";
/** An adapter id in the form Customizer returns. */
export const recordedAdapter = "dfwbp/flywheel-llama-3-2-1b-instruct-7f3a@cust-Qx81bT2";

/** One candidate of a recorded run: its scores per evaluation type, and its adapter when it was fine-tuned. */
export interface RecordedCandidate {
  readonly model: string;
  readonly gpus: number;
  readonly scores: Readonly<Partial<Record<EvalType, Readonly<Partial<Record<MetricName, number>>>>>>;
  readonly adapter?: string;
}

export interface RecordedRunOptions {
  readonly status?: RunStatus;
  readonly candidates?: readonly RecordedCandidate[];
  readonly targets?: Readonly<Partial<Record<MetricName, number>>>;
  readonly pair?: { readonly workloadId: string; readonly clientId: string };
  /** The datasets the run published; none by default. */
  readonly datasets?: RunRecord["datasets"];
}

/** A candidate that meets the dev stack's target (function_name_and_args_accuracy ≥ 0.95) in every evaluation. */
export const passingCandidate: RecordedCandidate = {
  model: stackCandidate,
  gpus: 1,
  scores: {
    "base-eval": { function_name_accuracy: 0.99, function_name_and_args_accuracy: 0.96, tool_calling_correctness: 0.97 },
    "icl-eval": { function_name_accuracy: 0.99, function_name_and_args_accuracy: 0.97, tool_calling_correctness: 0.98 },
    "customized-eval": { function_name_accuracy: 1, function_name_and_args_accuracy: 0.98, tool_calling_correctness: 0.99 },
  },
  adapter: recordedAdapter,
};

/** The same candidate missing the target in its base evaluation, meeting it with in-context examples. */
export const partlyPassingCandidate: RecordedCandidate = {
  ...passingCandidate,
  scores: { ...passingCandidate.scores, "base-eval": { function_name_accuracy: 0.9, function_name_and_args_accuracy: 0.81, tool_calling_correctness: 0.85 } },
};

/** A candidate missing the target everywhere: the report recommends nothing. */
export const failingCandidate: RecordedCandidate = {
  model: stackCandidate,
  gpus: 1,
  scores: { "base-eval": { function_name_accuracy: 0.8, function_name_and_args_accuracy: 0.7, tool_calling_correctness: 0.72 } },
};

/**
 * Records a finished run as `flywheel run --state-dir` leaves it: the run with its report, its
 * candidates' NIMs, evaluations and (for a fine-tuned one) customization, in `stateDirectory`.
 */
export async function recordRun(stateDirectory: string, options: RecordedRunOptions = {}): Promise<RunRecord> {
  const store = new RunStore(new JsonFileRecordStore(stateDirectory));
  const pair = options.pair ?? stackWorkload;
  const startedAt = new Date(Date.UTC(2026, 10, 30, 3, 0, 0));
  const finishedAt = new Date(startedAt.getTime() + 3 * 3_600_000);
  const base: RunRecord = {
    ...pendingRun({ workload_id: pair.workloadId, client_id: pair.clientId, started_at: startedAt, seed: 7, targets: options.targets ?? { function_name_and_args_accuracy: 0.95 }, gpu_hourly_cost: 0.98, job: null }),
    status: options.status ?? "completed",
    finished_at: finishedAt,
    num_records: 1200,
    workload_type: "tool_calling",
    datasets: options.datasets ?? [],
    error: options.status === "failed" ? "Evaluator was unavailable" : null,
  };
  const candidates = options.candidates ?? [passingCandidate];
  const nims: NimRecord[] = candidates.map((c) => ({ ...pendingNim({ flywheel_run_id: base.id, model_name: c.model, gpus: c.gpus }), status: "completed", deployment_status: "deleted", started_at: startedAt, finished_at: finishedAt, runtime_seconds: 9000 }));
  const evaluations: EvaluationRecord[] = candidates.flatMap((c, i) =>
    Object.entries(c.scores).map(([evalType, scores]) => ({
      ...pendingEvaluation({ nim_id: nims[i].id, eval_type: evalType as EvalType }),
      status: "completed",
      progress: 100,
      scores,
      started_at: startedAt,
      finished_at: finishedAt,
      runtime_seconds: 600,
    })),
  );
  const customizations: CustomizationRecord[] = candidates.flatMap((c, i) =>
    c.adapter === undefined
      ? []
      : [{ ...pendingCustomization({ nim_id: nims[i].id, base_model: c.model }), status: "completed", customized_model: c.adapter, progress: 100, started_at: startedAt, finished_at: finishedAt, runtime_seconds: 3600 }],
  );
  const run: RunRecord = { ...base, report: options.status === "failed" ? null : buildRunReport(base, nims, evaluations) };
  await store.insertRun(run);
  for (const nim of nims) {
    await store.insertNim(nim);
  }
  for (const evaluation of evaluations) {
    await store.insertEvaluation(evaluation);
  }
  for (const customization of customizations) {
    await store.insertCustomization(customization);
  }
  await store.close();
  return run;
}

/** The repository's shipped stack files. */
const shippedStacksDirectory = resolve(__dirname, "../../../stacks");

/** A fresh copy of the shipped stack files in a directory of their own: what `--stacks-dir` of a test points at. */
export function copiedStacks(): { readonly directory: string; readonly file: (stack: string) => string; readonly text: (stack: string) => string } {
  const directory = join(temporaryDirectory(), "stacks");
  mkdirSync(directory);
  for (const stack of ["dev", "prod", "local"]) {
    copyFileSync(join(shippedStacksDirectory, `Pulumi.${stack}.yaml`), join(directory, `Pulumi.${stack}.yaml`));
  }
  const file = (stack: string): string => join(directory, `Pulumi.${stack}.yaml`);
  return { directory, file, text: (stack) => readFileSync(file(stack), "utf8") };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `flywheel promote` in this process, with a home and a working directory of its own. */
export async function promote(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(["promote", ...argv], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { HOME: temporaryDirectory(), ...env },
    cwd: temporaryDirectory(),
  });
  return { code, stdout, stderr };
}

export type Entry = Record<string, unknown> & { promotedFrom: Record<string, unknown> };

/** The serving list of a stack file's text. */
export function servingOf(text: string): Entry[] {
  return ((parse(text) as { config: Record<string, unknown> }).config["data-flywheel:serving"] ?? []) as Entry[];
}
