import { resolve } from "node:path";
import { loadEnvironment } from "../config/environment";
import { flywheelJobConfigSchema, nemoSettingsSchema } from "../config/job-config";
import { readConfigFile } from "../config/load-config-file";
import { describeIssues } from "../config/describe-issues";
import { ExitCode, UsageError } from "../errors";
import { renderRunReport } from "../report/render-report";
import { buildRunReport } from "../report/run-report";
import type { RunRecord, RunStatus } from "../store/records";
import { openRunStore } from "../store/open-run-store";
import { isFinishedRun, type RunDetails, type RunStore } from "../store/run-store";
import { integerFlag, stringFlag } from "./args";
import type { CliContext, Command, CommandGroup, ParsedArgs } from "./command";
import { openNemo } from "./run-services";
import { renderTable } from "./table";

const stateDirOption = { "state-dir": { type: "string" } } as const;
const stateDirHelp = ["--state-dir DIR", "the run records of offline runs (default: MongoDB at MONGODB_URL)"] as const;

async function withStore<T>(args: ParsedArgs, context: CliContext, use: (store: RunStore) => Promise<T>): Promise<T> {
  const stateDirectory = stringFlag(args, "state-dir");
  const store = await openRunStore(stateDirectory && resolve(context.cwd, stateDirectory), loadEnvironment(context.env));
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

function runIdArgument(args: ParsedArgs, usage: string): string {
  if (args.positionals.length !== 1) {
    throw new UsageError(`expected one run id; usage: flywheel runs ${usage}`);
  }
  return args.positionals[0];
}

async function requireDetails(store: RunStore, id: string): Promise<RunDetails> {
  const details = await store.details(id);
  if (details === undefined) {
    throw new UsageError(`no run ${id} in ${store.description}; "flywheel runs list" shows the runs`);
  }
  return details;
}

const listCommand: Command = {
  name: "list",
  summary: "list runs, newest first",
  usage: "[--workload W] [--client C] [--status S] [--limit N] [--state-dir DIR]",
  help: [["--workload W", "only this workload"], ["--client C", "only this client"], ["--status S", "only runs with this status"], ["--limit N", "at most N runs (default 20)"], stateDirHelp],
  options: { workload: { type: "string" }, client: { type: "string" }, status: { type: "string" }, limit: { type: "string" }, ...stateDirOption },
  async run(args, context) {
    const status = stringFlag(args, "status");
    const statuses: RunStatus[] = ["pending", "running", "completed", "failed", "cancelled"];
    if (status !== undefined && !statuses.includes(status as RunStatus)) {
      throw new UsageError(`--status: expected one of ${statuses.join(", ")}, got ${JSON.stringify(status)}`);
    }
    const runs = await withStore(args, context, (store) =>
      store.listRuns({ workloadId: stringFlag(args, "workload"), clientId: stringFlag(args, "client"), statuses: status ? [status as RunStatus] : undefined, limit: integerFlag(args, "limit", 1) ?? 20 }),
    );
    if (runs.length === 0) {
      context.stdout.write("no runs\n");
      return ExitCode.ok;
    }
    const rows = runs.map((run) => [run.id, run.workload_id, run.client_id, run.status, time(run.started_at), time(run.finished_at), run.num_records === null ? "" : String(run.num_records), recommendationOf(run)]);
    context.stdout.write(`${renderTable(["run", "workload", "client", "status", "started", "finished", "records", "recommendation"], rows, ["left", "left", "left", "left", "left", "left", "right", "left"])}\n`);
    return ExitCode.ok;
  },
};

const showCommand: Command = {
  name: "show",
  summary: "show a run: its stages, candidates and report",
  usage: "<run-id> [--state-dir DIR]",
  help: [stateDirHelp],
  options: { ...stateDirOption },
  positionals: true,
  async run(args, context) {
    const id = runIdArgument(args, "show <run-id>");
    const details = await withStore(args, context, (store) => requireDetails(store, id));
    context.stdout.write(renderRunDetails(details));
    return ExitCode.ok;
  },
};

const cancelCommand: Command = {
  name: "cancel",
  summary: "cancel a pending or running run: it stops at its next check and cleans up",
  usage: "<run-id> [--state-dir DIR]",
  help: [stateDirHelp],
  options: { ...stateDirOption },
  positionals: true,
  async run(args, context) {
    const id = runIdArgument(args, "cancel <run-id>");
    const result = await withStore(args, context, (store) => store.requestCancel(id));
    if (result === undefined) {
      throw new UsageError(`no run ${id}; "flywheel runs list" shows the runs`);
    }
    if (result.changed) {
      context.stdout.write(`run ${id} cancelled: it stops at its next check, deletes its deployments and cancels its jobs\n`);
    } else if (result.run.status === "cancelled") {
      context.stdout.write(`run ${id} was already cancelled${result.run.finished_at === null ? " and is cleaning up" : ""}\n`);
    } else {
      throw new UsageError(`run ${id} has already finished (${result.run.status}); nothing to cancel`);
    }
    return ExitCode.ok;
  },
};

const deleteCommand: Command = {
  name: "delete",
  summary: "delete a finished run: its datasets and fine-tuned models in NeMo, then its records",
  usage: "<run-id> [--config FILE] [--state-dir DIR]",
  help: [["--config FILE", "job configuration whose nemo section locates NeMo (default: the NEMO_* environment variables)"], stateDirHelp],
  options: { config: { type: "string" }, ...stateDirOption },
  positionals: true,
  async run(args, context) {
    const id = runIdArgument(args, "delete <run-id>");
    const environment = loadEnvironment(context.env);
    const nemo = openNemo(nemoSettings(args, context), environment);
    return withStore(args, context, async (store) => {
      const details = await requireDetails(store, id);
      if (!isFinishedRun(details.run)) {
        throw new UsageError(`run ${id} is ${details.run.status} and has not finished; cancel it ("flywheel runs cancel ${id}") and wait until it has cleaned up`);
      }
      const signal = new AbortController().signal;
      for (const dataset of details.run.datasets) {
        const ref = datasetRef(dataset.nmp_uri, dataset.name);
        const repo = await nemo.dataStore.deleteDatasetRepo(ref, signal);
        const entity = await nemo.entityStore.deleteDataset(ref, signal);
        context.stdout.write(`dataset ${ref.namespace}/${ref.name}: ${repo || entity ? "deleted" : "already gone"}\n`);
      }
      for (const model of new Set(details.customizations.flatMap((c) => (c.customized_model ? [c.customized_model] : [])))) {
        context.stdout.write(`model ${model}: ${(await nemo.entityStore.deleteModel(model, signal)) ? "deleted" : "already gone"}\n`);
      }
      await store.deleteRun(details);
      context.stdout.write(`run ${id}: records deleted\n`);
      return ExitCode.ok;
    });
  },
};

export const runsCommand: CommandGroup = {
  name: "runs",
  summary: "list, show, cancel or delete runs (MongoDB at MONGODB_URL, or --state-dir)",
  commands: [listCommand, showCommand, cancelCommand, deleteCommand],
};

/** The `nemo` section of --config, or its defaults (URLs then come from the environment). */
function nemoSettings(args: ParsedArgs, context: CliContext) {
  const path = stringFlag(args, "config");
  if (path === undefined) {
    return nemoSettingsSchema.parse({});
  }
  const raw = readConfigFile(resolve(context.cwd, path)) as { nemo?: unknown };
  const parsed = nemoSettingsSchema.safeParse(raw?.nemo ?? {}, { reportInput: true });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ ...issue, path: ["nemo", ...issue.path] }));
    throw new UsageError(`the config file ${path} is not a valid flywheel job configuration:`, describeIssues(issues, flywheelJobConfigSchema));
  }
  return parsed.data;
}

/** `hf://datasets/<namespace>/<name>` → its namespace and name. */
function datasetRef(uri: string, name: string): { namespace: string; name: string } {
  const match = /^hf:\/\/datasets\/([^/]+)\/([^/]+)/.exec(uri);
  if (!match) {
    throw new UsageError(`dataset ${name} has no Data Store location (nmp_uri "${uri}")`);
  }
  return { namespace: match[1], name: match[2] };
}

/** `runs show`: the run's stages and parts, then its report as the job printed it. */
export function renderRunDetails(details: RunDetails): string {
  const { run } = details;
  const lines = [
    `run ${run.id}: workload "${run.workload_id}", client "${run.client_id}"`,
    `status: ${run.status}${run.error ? ` (${run.error})` : ""}`,
    `started: ${time(run.started_at)}; finished: ${time(run.finished_at) || "not yet"}`,
    `seed: ${run.seed}; records: ${run.num_records ?? "not curated yet"}${run.job ? `; Job ${run.job.namespace}/${run.job.name}` : ""}`,
  ];
  if (run.drop_counts) {
    const drops = Object.entries(run.drop_counts).filter(([, n]) => n > 0);
    lines.push(`dropped: ${drops.length > 0 ? drops.map(([reason, n]) => `${reason} ${n}`).join(", ") : "none"}`);
  }
  for (const dataset of run.datasets) {
    lines.push(`dataset ${dataset.kind}: ${dataset.nmp_uri} (${dataset.num_records} records)`);
  }
  for (const nim of details.nims) {
    const customization = details.customizations.find((c) => c.nim_id === nim.id);
    const adapter = customization ? `; fine-tuning ${customization.status}${customization.customized_model ? ` → ${customization.customized_model}` : ""}` : "";
    lines.push(`candidate ${nim.model_name}: ${nim.status}, deployment ${nim.deployment_status}${nim.runtime_seconds === null ? "" : `, ${nim.runtime_seconds} s`}${adapter}`);
  }
  const report = run.report ?? buildRunReport(run, details.nims, details.evaluations);
  return `${lines.join("\n")}\n\n${renderRunReport(report, run.report ? "report:" : "report so far:")}`;
}

function recommendationOf(run: RunRecord): string {
  const recommendation = run.report?.recommendation;
  return recommendation ? `${recommendation.model} (${recommendation.eval_type})` : run.report ? "none" : "";
}

function time(value: Date | null): string {
  return value === null ? "" : value.toISOString().replace(/\.\d+Z$/, "Z");
}
