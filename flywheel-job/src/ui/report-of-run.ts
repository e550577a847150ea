import { messageOf } from "../errors";
import { buildRunReport, type RunReport } from "../report/run-report";
import type { RunDetails } from "../store/run-store";
import { listOf } from "./format";

/** A run's report as the pages show it, and what the page should say about where it came from. */
export interface ReportOfRun {
  readonly report?: RunReport;
  /** Why the report is rebuilt or absent; empty when the stored report is shown. */
  readonly notes: readonly string[];
}

function looksLikeReport(value: unknown): value is RunReport {
  if (value === null || typeof value !== "object") {
    return false;
  }
  const report = value as Record<string, unknown>;
  return Array.isArray(report.rows) && Array.isArray(report.metrics);
}

/**
 * The stored `run.report` when it has the shape of one, otherwise the report rebuilt from the run's
 * parts as `buildRunReport` would have stored it; when even that fails on half-written parts, no
 * report and the reason.
 */
export function reportOfRun(details: RunDetails): ReportOfRun {
  const stored: unknown = details.run.report;
  if (looksLikeReport(stored)) {
    return { report: stored, notes: [] };
  }
  const why = stored === null || stored === undefined ? "the run has no stored report yet" : "the run's stored report is not in the shape of one";
  try {
    const report = buildRunReport(details.run, details.nims, details.evaluations);
    const notes = [`${why}: the table is rebuilt from the run's parts as they are recorded now`];
    if (listOf(report.metrics).length === 0) {
      notes.push("the run has not recorded its workload type, so no metric is known");
    }
    return { report, notes };
  } catch (error) {
    return { notes: [`${why}, and it cannot be rebuilt from the run's parts: ${messageOf(error)}`] };
  }
}

/** The stored report of a run record when it has the shape of one (the workload page reads no parts). */
export function storedReport(value: unknown): RunReport | undefined {
  return looksLikeReport(value) ? value : undefined;
}
