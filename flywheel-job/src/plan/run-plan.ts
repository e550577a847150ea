import { join } from "node:path";
import type { FlywheelJobConfig } from "../config/job-config";
import { UniformExampleSelector } from "../curation/icl/example-selector";
import { prepareData } from "../curation/prepare-data";
import { type DatasetFile, writeDatasets } from "../datasets/write-datasets";
import { writeJson } from "../datasets/write-jsonl";
import { InsufficientDataError, UsageError } from "../errors";
import { findLogPairs, JsonlLogSource, type LogPair, type LogPairScan } from "../logs/jsonl-log-source";
import { formatCount } from "../text/table";
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
    // A file that is not JSONL, or a mistyped workload or client, finds too little: say what the file holds.
    if (!(error instanceof InsufficientDataError)) {
      throw error;
    }
    const scan = await findLogPairs(options.logs, { maxRecordBytes: config.data.limits.maxRecordBytes });
    throw notJsonl(options.logs, scan) ?? (source.stats?.matchingRecords === 0 ? noRecordsForPair(error.message, scan) : error);
  });
  const stats = source.stats;
  if (stats === undefined) {
    throw new Error(`${source.description} was not read to its end, so its counts are unknown`);
  }
  const datasets = writeDatasets(options.out, data);
  const report = buildPlanReport(config, pair, { file: source.description, stats }, data, notes);
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
  const scan = await findLogPairs(options.logs, { maxRecordBytes: options.config.data.limits.maxRecordBytes }, (bytes) => options.onProgress?.("scan", bytes));
  const pairs = scan.pairs.filter((p) => (workloadId === undefined || p.workloadId === workloadId) && (clientId === undefined || p.clientId === clientId));
  if (pairs.length === 1) {
    return pairs[0];
  }
  const given = [workloadId && `workload "${workloadId}"`, clientId && `client "${clientId}"`].filter(Boolean).join(" and ");
  if (pairs.length === 0) {
    throw notJsonl(options.logs, scan) ?? noRecordsForPair(`${options.logs} holds no log records${given ? ` for ${given}` : ""}`, scan);
  }
  throw new UsageError(
    `${options.logs} holds logs of ${pairs.length} (workload, client) pairs${given ? ` for ${given}` : ""}; choose one with --workload and --client:`,
    describePairs(pairs),
  );
}

/**
 * A usage error when the file is not JSONL: a JSON array (even one whose last element, alone on its
 * line, parses as a record), or a file none of whose lines is a JSON object (a pretty-printed document).
 */
function notJsonl(file: string, scan: LogPairScan): UsageError | undefined {
  if (!scan.opensArray && !(scan.objectLines === 0 && scan.lines > 0)) {
    return undefined;
  }
  const found = scan.opensArray ? "it is a JSON array" : `none of its ${formatCount(scan.lines)} lines is a JSON object`;
  return new UsageError(`${file} holds no log records: ${found}; each line must be one record as a JSON object (JSONL), not a JSON array or a document spread over lines`);
}

/** No records for the pair asked for: the pairs the file does hold, ready to paste. */
function noRecordsForPair(message: string, scan: LogPairScan): InsufficientDataError {
  return scan.pairs.length > 0 ? new InsufficientDataError(`${message}; it holds:`, describePairs(scan.pairs)) : new InsufficientDataError(message);
}

function describePairs(pairs: readonly LogPair[]): string[] {
  const shown = pairs.slice(0, 10).map((p) => `--workload ${JSON.stringify(p.workloadId)} --client ${JSON.stringify(p.clientId)}  (${formatCount(p.records)} records)`);
  return pairs.length > shown.length ? [...shown, `... and ${formatCount(pairs.length - shown.length)} more`] : shown;
}
