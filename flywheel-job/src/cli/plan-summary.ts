import { isAbsolute, relative } from "node:path";
import { dropReasons } from "../curation/drop-reasons";
import { compare } from "../curation/labels";
import type { PlanOutcome } from "../plan/run-plan";
import { formatCount, renderTable } from "../text/table";

/** The human-readable summary `flywheel plan` prints: stages, drops, labels per split, experiments, files. */
export function renderPlanSummary(outcome: PlanOutcome, cwd: string): string {
  const { report } = outcome;
  const { data, source } = report;
  const { split } = data;
  const sections: string[] = [];

  sections.push(
    `Plan for workload "${report.workloadId}", client "${report.clientId}": ${data.workloadType.replace("_", "-")} workload, seed ${report.seed}`,
  );
  const firsts = source.stats.firstMalformedLines;
  const malformed = firsts.length > 0 ? ` (first at line${firsts.length === 1 ? "" : "s"} ${firsts.join(", ")})` : "";
  sections.push(
    `Read ${source.file}: ${formatCount(source.stats.lines)} lines, ${formatCount(source.stats.matchingRecords)} records of this workload and client, ` +
      `${formatCount(source.stats.otherRecords)} of others, ${plural(source.stats.malformedLines, "malformed line")} skipped${malformed}`,
  );

  const counts = data.counts;
  sections.push(
    renderTable(
      ["stage", "records"],
      [
        ["pulled (newest, at most limit × 2)", counts.pulled],
        ["valid", counts.valid],
        [data.workloadType === "tool_calling" ? "with tool calls" : "generic", counts.ofWorkloadType],
        ["unique", counts.unique],
        ["sampled", counts.sampled],
        ["  eval", split.eval.length],
        ["  train", split.train.length],
        ["  validation", split.validation.length],
      ].map(([stage, n]) => [String(stage), formatCount(Number(n))]),
      ["left", "right"],
    ),
  );

  const drops = dropReasons.filter((reason) => data.dropCounts[reason] > 0);
  if (drops.length > 0) {
    sections.push(renderTable(["dropped because", "records"], drops.map((reason) => [reason, formatCount(data.dropCounts[reason])]), ["left", "right"]));
  }

  const labels = [...new Set(split.labelOf.values())].sort(compare);
  const tally = (records: typeof split.eval, label: string) => formatCount(records.filter((r) => split.labelOf.get(r) === label).length);
  sections.push(
    renderTable(
      ["label", "eval", "train", "validation"],
      labels.map((label) => [label, tally(split.eval, label), tally(split.train, label), tally(split.validation, label)]),
      ["left", "right", "right", "right"],
    ) + (split.merged.length > 0 ? `\n(merged into others: ${split.merged.join(", ")})` : ""),
  );

  const histogram = data.icl.stats.examplesPerRecord;
  sections.push(
    `ICL (${data.icl.stats.selection}): ` +
      histogram
        .map((records, examples) => [examples, records] as const)
        .filter(([, records]) => records > 0)
        .map(([examples, records]) => `${plural(records, "record")} with ${plural(examples, "example")}`)
        .join(", "),
  );

  sections.push(
    renderTable(
      ["experiment: model", "eval type", "dataset", "records", "GPUs"],
      report.experiments.map((e) => [e.model, e.evalType, e.dataset, formatCount(e.records), String(e.gpus)]),
      ["left", "left", "left", "right", "right"],
    ),
  );
  const { estimate } = report;
  const cost = estimate.cost === undefined ? "" : `, cost ${estimate.cost.toFixed(2)} at ${estimate.gpuHourlyCost} per GPU-hour`;
  sections.push(`Estimated GPU-hours for a full run: ${estimate.gpuHours.toFixed(2)}${cost} (rough; assumptions in plan.json)`);

  if (report.warnings.length > 0) {
    sections.push(report.warnings.map((warning) => `warning: ${warning}`).join("\n"));
  }
  const written = [
    ...Object.values(outcome.datasets).map((file) => `  ${displayPath(cwd, file.path)} (${plural(file.records, "record")})`),
    `  ${displayPath(cwd, outcome.planFile)}`,
  ];
  sections.push(`Wrote:\n${written.join("\n")}`);
  return `${sections.join("\n\n")}\n`;
}

/** A path relative to the working directory when it lies below it, else absolute. */
function displayPath(cwd: string, path: string): string {
  const shown = relative(cwd, path);
  return shown === "" || shown.startsWith("..") || isAbsolute(shown) ? path : shown;
}

/** "1 record", "2,000 records". */
function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? "" : "s"}`;
}
