import { basename, resolve } from "node:path";
import type { FlywheelJobConfig } from "../config/job-config";
import { type ConfigFile, readConfigFile } from "../config/load-config-file";
import { planDefaultConfig } from "../config/plan-defaults";
import { ExitCode } from "../errors";
import { runPlan } from "../plan/run-plan";
import { integerFlag, requiredFlag, stringFlag } from "./args";
import type { CliContext, Command, ParsedArgs } from "./command";
import { jobConfigFrom } from "./job-config-input";
import { readableFileSize, requireWritableDirectory } from "./paths";
import { renderPlanSummary } from "./plan-summary";
import { ReadProgress } from "./progress";

export const planCommand: Command = {
  name: "plan",
  summary: "curate datasets from a JSONL log export, offline, and show what a full run would start",
  usage: "--logs FILE.jsonl --out DIR [--workload W] [--client C] [--config FILE] [--seed N] [--eval-size N] [--limit N] [--min-records N]",
  options: [
    { name: "logs", value: "FILE", description: "JSONL export of the production logs, one record per line" },
    { name: "out", value: "DIR", description: "where to write eval/, icl/, train/ and plan.json (created if missing)" },
    { name: "workload", value: "W", description: "workload_id to curate (default: the config's, or the only one in the file)" },
    { name: "client", value: "C", description: "client_id to curate (default: the config's, or the only one in the file)" },
    { name: "config", value: "FILE", description: "job configuration, YAML or JSON (default: built-in defaults with one example candidate)" },
    { name: "seed", value: "N", description: "seed of the sample and the split (overrides data.seed)" },
    { name: "eval-size", value: "N", description: "records in the evaluation set (overrides data.evalSize)" },
    { name: "limit", value: "N", description: "records to sample (overrides data.limit)" },
    { name: "min-records", value: "N", description: "fewest usable records the plan needs (overrides data.minTotalRecords)" },
  ],
  async run(args, context) {
    const logs = resolve(context.cwd, requiredFlag(args, "logs", "the JSONL log export to read"));
    const out = resolve(context.cwd, requiredFlag(args, "out", "the directory to write the datasets and plan.json to"));
    const config = loadPlanConfig(args, context);
    const size = readableFileSize("--logs", logs);
    requireWritableDirectory("--out", out);

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
  const file: ConfigFile = path === undefined ? { value: structuredClone(planDefaultConfig), sourceText: () => undefined } : readConfigFile(resolve(context.cwd, path));
  return jobConfigFrom(file, path === undefined ? "the built-in configuration" : `the config file ${path}`, [
    { key: ["workloadId"], flag: "--workload", value: stringFlag(args, "workload") },
    { key: ["clientId"], flag: "--client", value: stringFlag(args, "client") },
    { key: ["data", "seed"], flag: "--seed", value: integerFlag(args, "seed", 0, 0xffffffff) },
    { key: ["data", "evalSize"], flag: "--eval-size", value: integerFlag(args, "eval-size", 1) },
    { key: ["data", "limit"], flag: "--limit", value: integerFlag(args, "limit", 1) },
    { key: ["data", "minTotalRecords"], flag: "--min-records", value: integerFlag(args, "min-records", 1) },
  ]);
}
