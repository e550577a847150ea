import { join } from "node:path";
import type { FlywheelJobConfig } from "../config/job-config";
import { UniformExampleSelector } from "../curation/icl/example-selector";
import { prepareData } from "../curation/prepare-data";
import { type DatasetFile, writeDatasets } from "../datasets/write-datasets";
import { writeJson } from "../datasets/write-jsonl";
import { InsufficientDataError, UsageError } from "../errors";
import { findLogPairs, JsonlLogSource, type LogPair } from "../logs/jsonl-log-source";
import { buildPlanReport, type PlanReport } from "./plan-report";

export interface PlanOptions {
  /** JSONL export of the logs. */
  readonly logs: string;
  /** Directory the datasets and plan.json are written to. */
  readonly out: string;
  readonly config: FlywheelJobConfig;
  /** Told how far reading has got: `phase` is "scan" while looking for the workload, then "read". */
  readonly onProgress?: (phase: "scan" | "read", bytesRead: number) => void;
}

export interface PlanOutcome {
  readonly report: PlanReport;
  readonly datasets: Readonly<Record<DatasetFile, { readonly path: string; readonly records: number }>>;
  readonly planFile: string;
}

/**
 * `flywheel plan`: the data stages of a run on a JSONL export, with no services. Writes the three
 * datasets and plan.json under `out`.
 */
export async function runPlan(options: PlanOptions): Promise<PlanOutcome> {
  const { config } = options;
  const pair = await resolvePair(options);
  const source = new JsonlLogSource(options.logs, (bytes) => options.onProgress?.("read", bytes));
  const notes =
    config.icl.selection === "semantic"
      ? ["icl.selection is \"semantic\", which needs the embedding service; the plan runs offline and used \"uniform\" for the ICL dataset"]
      : [];
  const data = await prepareData(source, pair, config, new UniformExampleSelector(config.icl.maxExamples)).catch(async (error: unknown) => {
    // A mistyped workload or client finds nothing: say what the file does hold.
    if (error instanceof InsufficientDataError && source.stats?.matchingRecords === 0 && source.stats.otherRecords > 0) {
      const pairs = await findLogPairs(options.logs, {});
      throw new InsufficientDataError(`${error.message}; it holds:`, describePairs(pairs));
    }
    throw error;
  });
  const datasets = writeDatasets(options.out, data);
  const report = buildPlanReport(config, pair, { file: source.description, stats: source.stats! }, data, notes);
  const planFile = join(options.out, "plan.json");
  writeJson(planFile, report.json);
  return { report, datasets, planFile };
}

/** The (workload, client) to plan for: as configured, or the only one in the file that matches what was given. */
async function resolvePair(options: PlanOptions): Promise<{ workloadId: string; clientId: string }> {
  const { workloadId, clientId } = options.config;
  if (workloadId !== undefined && clientId !== undefined) {
    return { workloadId, clientId };
  }
  const pairs = await findLogPairs(options.logs, { workloadId, clientId }, (bytes) => options.onProgress?.("scan", bytes));
  if (pairs.length === 1) {
    return pairs[0];
  }
  const given = [workloadId && `workload "${workloadId}"`, clientId && `client "${clientId}"`].filter(Boolean).join(" and ");
  if (pairs.length === 0) {
    throw new InsufficientDataError(`${options.logs} holds no log records${given ? ` for ${given}` : ""}`);
  }
  throw new UsageError(
    `${options.logs} holds logs of ${pairs.length} (workload, client) pairs${given ? ` for ${given}` : ""}; choose one with --workload and --client:`,
    describePairs(pairs),
  );
}

function describePairs(pairs: readonly LogPair[]): string[] {
  const shown = pairs.slice(0, 10).map((p) => `--workload ${JSON.stringify(p.workloadId)} --client ${JSON.stringify(p.clientId)}  (${p.records} records)`);
  return pairs.length > shown.length ? [...shown, `... and ${pairs.length - shown.length} more`] : shown;
}
