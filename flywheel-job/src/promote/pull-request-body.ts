import { type MetricName, metricNames } from "../config/job-config";
import { UsageError } from "../errors";
import type { EvalType } from "../evaluation/metrics";
import { formatScore, type ReportRow, type RunReport } from "../report/run-report";
import { printableLine } from "../text/printable";
import { runPath } from "../ui/ui-paths";

/** GitHub refuses a pull request whose body is longer than this many characters. */
export const pullRequestBodyLimit = 65_536;

/** The evidence a promotion pull request carries: what the run measured and what merging it changes. */
export interface PromotionEvidence {
  /** The stack whose file the pull request changes, e.g. `dev`. */
  readonly stack: string;
  /** The serving entry's name. */
  readonly entryName: string;
  readonly run: { readonly id: string; readonly workloadId: string; readonly clientId: string };
  /** The run report's rows, in its order. */
  readonly rows: RunReport["rows"];
  /** The run report's targets. */
  readonly targets: RunReport["targets"];
  /** The promoted row. */
  readonly chosen: { readonly model: string; readonly evalType: EvalType };
  /** Given when the row was promoted with `--force`: why. */
  readonly forcedReason?: string;
  /** The run's page in the review UI (see `reviewUiRunUrl`). */
  readonly reviewUiUrl?: string;
  /** The stack's GPU cost for serving before and after the change, in `unit` (e.g. `USD per hour`, or `GPUs` without a price). */
  readonly gpuCost: { readonly before: number; readonly after: number; readonly unit: string };
  /** The unified diff of the stack file. */
  readonly diff: string;
}

/** Longest text of one table cell or name taken from a record. */
const cellLength = 120;
/** Longest forced reason shown, and its most lines. */
const reasonLength = 2000;
const reasonLines = 20;
/** The share of the body the report table may take; the diff gets what is left. */
const tableShare = 0.4;

/** The run's page in the review UI that `flywheel serve` serves at `apiUrl`. */
export function reviewUiRunUrl(apiUrl: string, runId: string): string {
  return `${apiUrl.replace(/\/+$/, "")}${runPath(runId)}`;
}

/**
 * The promotion pull request's description, in GitHub markdown: a forced promotion's reason first
 * and prominently, then what is promoted from which run (with the link to it), the targets, the
 * GPU-cost change, the report table with the promoted row marked, and the stack file's diff. Text
 * from records (model names, ids, the reason) is escaped so that it shows as written and cannot
 * add markup, links or mentions; the body stays within GitHub's limit, cutting table rows and then
 * diff lines (saying how many) when the evidence is longer.
 */
export function promotionPullRequestBody(evidence: PromotionEvidence): string {
  const { run, chosen } = evidence;
  const runName = evidence.reviewUiUrl === undefined ? `run ${inline(run.id)}` : `[run ${inline(run.id)}](${linkDestination(evidence.reviewUiUrl)})`;
  const head: string[] = [];
  if (evidence.forcedReason !== undefined) {
    head.push(forcedSection(evidence.forcedReason), "");
  }
  head.push(
    `Promotes **${inline(chosen.model)}** (${inline(chosen.evalType)}) to the serving entry **${inline(evidence.entryName)}** of the stack **${inline(evidence.stack)}**, on the evidence of ${runName} for workload ${inline(run.workloadId)}, client ${inline(run.clientId)}.`,
    "",
    "Merging deploys it with the next `pulumi up`; reverting this pull request rolls it back. It is never merged automatically.",
    "",
    "### Targets",
    "",
    targetsText(evidence.targets),
    "",
    "### GPU cost",
    "",
    gpuCostText(evidence.gpuCost),
    "",
    "### Report",
    "",
  );
  const top = `${head.join("\n")}\n`;
  const diffHeading = "\n\n### Change\n\n";
  const table = reportTable(evidence.rows, evidence.targets, chosen, Math.floor(pullRequestBodyLimit * tableShare));
  const diff = diffBlock(evidence.diff, pullRequestBodyLimit - top.length - table.length - diffHeading.length - 1);
  return `${top}${table}${diffHeading}${diff}\n`;
}

function forcedSection(reason: string): string {
  const bounded = [...reason.trim()].slice(0, reasonLength).join("");
  const lines = bounded.split(/\r\n|\r|\n/).slice(0, reasonLines);
  return [
    "> [!WARNING]",
    "> **Forced promotion.** The run's report does not mark this candidate promotable; it was promoted with `--force`, for this reason:",
    ">",
    ...lines.map((line) => `> ${inline(line, reasonLength)}`),
  ].join("\n");
}

function targetsText(targets: RunReport["targets"]): string {
  const entries = metricNames.filter((name) => targets[name] !== undefined).map((name) => `- ${name} ≥ ${targets[name]}`);
  return entries.length === 0 ? "No targets apply to this workload." : entries.join("\n");
}

function gpuCostText(cost: PromotionEvidence["gpuCost"]): string {
  const change = round(cost.after - cost.before);
  const signed = change > 0 ? `+${change}` : change < 0 ? `−${-change}` : "no change";
  return `${round(cost.before)} → ${round(cost.after)} ${inline(cost.unit)} (${signed})`;
}

/** The report as a markdown table, cut to `budget` characters by leaving out rows after the promoted one (saying how many). */
function reportTable(rows: readonly ReportRow[], targets: RunReport["targets"], chosen: PromotionEvidence["chosen"], budget: number): string {
  const metrics = metricNames.filter((name) => targets[name] !== undefined || rows.some((row) => row.scores[name] !== undefined));
  const header = `| | rank | model | evaluation | status | ${metrics.map((name) => `${name}${targets[name] === undefined ? "" : ` (≥ ${targets[name]})`}`).join(" | ")} | promotable | GPU cost |`;
  const rule = `|${" --- |".repeat(7 + metrics.length)}`;
  const isChosen = (row: ReportRow): boolean => row.model === chosen.model && row.eval_type === chosen.evalType;
  const line = (row: ReportRow): string =>
    `| ${isChosen(row) ? "**→**" : ""} | ${row.rank ?? "—"} | ${inline(row.model, cellLength)} | ${row.eval_type ?? "—"} | ${row.status} | ${metrics.map((name) => scoreCell(row, name)).join(" | ")} | ${row.promotable ? "yes" : "no"} | ${round(row.cost)} |`;
  if (rows.length === 0) {
    return "The report has no rows.";
  }
  const all = [header, rule, ...rows.map(line)].join("\n");
  if (all.length <= budget) {
    return all;
  }
  // The promoted row comes first when rows must be cut, so the evidence for it is never what is left out.
  const omission = (count: number): string => `\n\n${count} more row${count === 1 ? "" : "s"} of the report left out for length: see the run.`;
  const room = budget - omission(rows.length).length;
  const lines = [header, rule];
  let length = header.length + 1 + rule.length;
  for (const row of [...rows.filter(isChosen), ...rows.filter((row) => !isChosen(row))]) {
    const text = line(row);
    if (length + 1 + text.length > room) {
      break;
    }
    lines.push(text);
    length += 1 + text.length;
  }
  return `${lines.join("\n")}${omission(rows.length - (lines.length - 2))}`;
}

function scoreCell(row: ReportRow, name: MetricName): string {
  const score = row.scores[name];
  const met = row.target_met[name];
  return score === undefined ? "—" : `${formatScore(score)}${met === undefined ? "" : met ? " ✓" : " ✗"}`;
}

/**
 * The diff in a fenced block longer than any run of backticks in it (so that no line of it can
 * close the block), cut at a line to fit `budget` characters with a note of how many lines were left out.
 */
function diffBlock(diff: string, budget: number): string {
  if (diff.trim() === "") {
    return "The stack file is unchanged.";
  }
  const lines = diff.replace(/\n$/, "").split(/\r?\n/).map(printableLine);
  const longestTicks = Math.max(0, ...lines.map((text) => Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length))));
  const fence = "`".repeat(Math.max(3, longestTicks + 1));
  const open = `${fence}diff\n`;
  const close = `\n${fence}`;
  const cutNote = (count: number): string => `\n\n${count} more line${count === 1 ? "" : "s"} of the diff left out for length: see the pull request's Files changed.`;
  const whole = `${open}${lines.join("\n")}${close}`;
  if (whole.length <= budget) {
    return whole;
  }
  const room = budget - open.length - close.length - cutNote(lines.length).length;
  const kept: string[] = [];
  let length = 0;
  for (const text of lines) {
    if (length + text.length + 1 > room) {
      break;
    }
    kept.push(text);
    length += text.length + 1;
  }
  return `${open}${kept.join("\n")}${close}${cutNote(lines.length - kept.length)}`;
}

/** Markdown characters that could start markup in running text or a table cell (links, code, emphasis, HTML, mentions, references, math, emoji). */
const markdownSpecial = /[\\`*_{}[\]()<>#!|~@&:$]/g;

/**
 * Text from a record as markdown that shows it as written on one line: bounded, line breaks and
 * control characters written as escapes, and every character that could start markup
 * backslash-escaped (so a model name cannot break a table, open a link, or mention someone).
 */
function inline(text: string, maxLength = cellLength): string {
  const characters = [...text];
  const bounded = characters.length > maxLength ? `${characters.slice(0, maxLength).join("")}…` : text;
  return printableLine(bounded).replace(markdownSpecial, (char) => `\\${char}`);
}

/** A link destination that cannot end the link early: an http(s) URL, with the characters that could close it percent-encoded. */
function linkDestination(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) {
    throw new UsageError(`the review UI's URL "${printableLine(url.slice(0, 200))}" is not an http(s) URL`);
  }
  return parsed.href.replace(/[()<> ]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function round(value: number): number {
  return Number(value.toFixed(2));
}
