import { statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { parseJobConfig, type FlywheelJobConfig } from "../config/job-config";
import { readConfigFile } from "../config/load-config-file";
import { planDefaultConfig } from "../config/plan-defaults";
import { ExitCode, UsageError } from "../errors";
import { describeFileError } from "../file-errors";
import { runPlan } from "../plan/run-plan";
import { integerFlag, requiredFlag, stringFlag } from "./args";
import type { CliContext, Command, ParsedArgs } from "./command";
import { renderPlanSummary } from "./plan-summary";
import { ReadProgress } from "./progress";

export const planCommand: Command = {
  name: "plan",
  summary: "curate datasets from a JSONL log export, offline, and show what a full run would start",
  usage: "--logs FILE.jsonl --out DIR [--workload W] [--client C] [--config FILE] [--seed N] [--eval-size N] [--limit N]",
  help: [
    ["--logs FILE", "JSONL export of the production logs, one record per line"],
    ["--out DIR", "where to write eval/, icl/, train/ and plan.json (created if missing)"],
    ["--workload W", "workload_id to curate (default: the config's, or the only one in the file)"],
    ["--client C", "client_id to curate (default: the config's, or the only one in the file)"],
    ["--config FILE", "job configuration, YAML or JSON (default: built-in defaults with one example candidate)"],
    ["--seed N", "seed of the sample and the split (overrides data.seed)"],
    ["--eval-size N", "records in the evaluation set (overrides data.evalSize)"],
    ["--limit N", "records to sample (overrides data.limit)"],
  ],
  options: {
    logs: { type: "string" },
    out: { type: "string" },
    workload: { type: "string" },
    client: { type: "string" },
    config: { type: "string" },
    seed: { type: "string" },
    "eval-size": { type: "string" },
    limit: { type: "string" },
  },
  async run(args, context) {
    const logs = resolve(context.cwd, requiredFlag(args, "logs", "the JSONL log export to read"));
    const out = resolve(context.cwd, requiredFlag(args, "out", "the directory to write the datasets and plan.json to"));
    const config = loadPlanConfig(args, context);
    const size = logFileSize(logs);

    const progress = new ReadProgress(context.stderr, size);
    const name = basename(logs);
    const outcome = await runPlan({
      logs,
      out,
      config,
      onProgress: (phase, bytes) => progress.update(phase === "scan" ? `looking for workloads in ${name}` : `reading ${name}`, bytes),
    }).finally(() => progress.done());
    context.stdout.write(renderPlanSummary(outcome, context.cwd));
    return ExitCode.ok;
  },
};

/** The config file (or the built-in defaults) with the command-line overrides applied, validated. */
function loadPlanConfig(args: ParsedArgs, context: CliContext): FlywheelJobConfig {
  const path = stringFlag(args, "config");
  const raw = path === undefined ? structuredClone(planDefaultConfig) : readConfigFile(resolve(context.cwd, path));
  if (!isPlainObject(raw)) {
    throw new UsageError(`the config file ${path} must hold a mapping of configuration keys, not ${Array.isArray(raw) ? "a list" : JSON.stringify(raw)}`);
  }
  const overrides = new Map<string, string>();
  const override = (keyPath: readonly string[], flag: string, value: string | number | undefined): void => {
    if (value === undefined) {
      return;
    }
    let target: Record<string, unknown> = raw;
    for (const key of keyPath.slice(0, -1)) {
      const next = target[key] ?? {};
      if (!isPlainObject(next)) {
        return;
      }
      target[key] = next;
      target = next;
    }
    target[keyPath[keyPath.length - 1]] = value;
    overrides.set(keyPath.join("."), flag);
  };
  override(["workloadId"], "--workload", stringFlag(args, "workload"));
  override(["clientId"], "--client", stringFlag(args, "client"));
  override(["data", "seed"], "--seed", integerFlag(args, "seed", 0, 0xffffffff));
  override(["data", "evalSize"], "--eval-size", integerFlag(args, "eval-size", 1));
  override(["data", "limit"], "--limit", integerFlag(args, "limit", 1));
  return parseJobConfig(raw, path === undefined ? "the default configuration" : `the config file ${path}`, overrides);
}

function logFileSize(path: string): number {
  try {
    const stats = statSync(path);
    if (!stats.isFile()) {
      throw new UsageError(`--logs: ${path} is not a file`);
    }
    return stats.size;
  } catch (error) {
    if (error instanceof UsageError) {
      throw error;
    }
    throw new UsageError(`--logs: cannot read ${path}: ${describeFileError(error)}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
