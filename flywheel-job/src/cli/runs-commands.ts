import { resolve } from "node:path";
import { loadEnvironment } from "../config/environment";
import { flywheelJobConfigSchema, nemoSettingsSchema } from "../config/job-config";
import { readConfigFile } from "../config/load-config-file";
import { describeIssues } from "../config/describe-issues";
import { ExitCode, UsageError } from "../errors";
import { isRecord } from "../json-fields";
import { streamLog } from "../log";
import { type RunRecord, runStatuses } from "../store/records";
import { openRunStore } from "../store/open-run-store";
import { runDetailsJson } from "../store/run-json";
import { decodeRunCursor, encodeRunCursor } from "../store/run-page";
import { isFinishedRun, type RunDetails, type RunStore } from "../store/run-store";
import { integerFlag, stringFlag, switchFlag } from "./args";
import type { CliContext, Command, CommandGroup, OptionSpec, ParsedArgs } from "./command";
import { formatTime, renderRunDetails } from "./run-details";
import { openPublishedArtifacts } from "./run-services";
import { renderTable } from "../text/table";
import { deleteRunEverywhere } from "../api/run-deletion";
import { jobsListResponse } from "../api/blueprint-shapes";
import { maxPageSize } from "../api/list-query";

const stateDirOption: OptionSpec = { name: "state-dir", value: "DIR", description: "the run records of offline runs (default: MongoDB at MONGODB_URL)" };
const jsonOption: OptionSpec = { name: "json", description: "print the records as JSON (see \"Run records\" in the README)" };
const runIdArgument = { name: "run-id", description: "the run's id, as \"flywheel runs list\" shows it" };

async function withStore<T>(args: ParsedArgs, context: CliContext, use: (store: RunStore) => Promise<T>): Promise<T> {
  const stateDirectory = stringFlag(args, "state-dir");
  const store = await openRunStore(stateDirectory && resolve(context.cwd, stateDirectory), loadEnvironment(context.env), (message) =>
    context.stderr.write(`flywheel: ${message}\n`),
  );
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

async function requireDetails(store: RunStore, id: string): Promise<RunDetails> {
  const details = await store.details(id);
  if (details === undefined) {
    throw new UsageError(`no run ${id} in ${store.description}; "flywheel runs list" shows the runs`);
  }
  return details;
}

function writeJson(context: CliContext, value: unknown): void {
  context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const listCommand: Command = {
  name: "list",
  summary: "list runs, newest first",
  usage: "[--workload W] [--client C] [--status S] [--limit N] [--cursor C] [--state-dir DIR] [--json]",
  options: [
    { name: "workload", value: "W", description: "only this workload" },
    { name: "client", value: "C", description: "only this client" },
    { name: "status", value: "S", description: `only runs with this status: ${runStatuses.join(", ")}` },
    { name: "limit", value: "N", description: `at most N runs, up to ${maxPageSize} (default 20)` },
    { name: "cursor", value: "C", description: "the page after a previous list's (its next_cursor)" },
    stateDirOption,
    { name: "json", description: "print the page as GET /api/jobs answers it: {\"jobs\": [...], \"next_cursor\": ...}" },
  ],
  async run(args, context) {
    const statusFlag = stringFlag(args, "status");
    const status = runStatuses.find((known) => known === statusFlag);
    if (statusFlag !== undefined && status === undefined) {
      throw new UsageError(`--status: expected one of ${runStatuses.join(", ")}, got ${JSON.stringify(statusFlag)}`);
    }
    const limit = integerFlag(args, "limit", 1, maxPageSize) ?? 20;
    const cursorFlag = stringFlag(args, "cursor");
    const after = cursorFlag === undefined ? undefined : decodeRunCursor(cursorFlag);
    if (cursorFlag !== undefined && after === undefined) {
      throw new UsageError(`--cursor: ${JSON.stringify(cursorFlag.slice(0, 100))} is not a cursor a list printed (its next_cursor)`);
    }
    const page = await withStore(args, context, (store) =>
      store.listRunsPage({ workloadId: stringFlag(args, "workload"), clientId: stringFlag(args, "client"), statuses: status ? [status] : undefined, limit, after }),
    );
    if (switchFlag(args, "json")) {
      // The API's serializer: a script reads the same JSON from either.
      writeJson(context, jobsListResponse(page.runs, page.next));
      return ExitCode.ok;
    }
    const { runs } = page;
    if (runs.length === 0) {
      context.stdout.write("no runs\n");
      return ExitCode.ok;
    }
    const rows = runs.map((run) => [run.id, run.workload_id, run.client_id, run.status, formatTime(run.started_at), formatTime(run.finished_at), run.num_records === null ? "" : String(run.num_records), recommendationOf(run)]);
    context.stdout.write(`${renderTable(["run", "workload", "client", "status", "started", "finished", "records", "recommendation"], rows, ["left", "left", "left", "left", "left", "left", "right", "left"])}\n`);
    if (page.next !== undefined) {
      context.stderr.write(`more runs follow: add --cursor ${encodeRunCursor(page.next)}\n`);
    }
    return ExitCode.ok;
  },
};

const showCommand: Command = {
  name: "show",
  summary: "show a run: its stages, candidates and report",
  usage: "<run-id> [--state-dir DIR] [--json]",
  arguments: [runIdArgument],
  options: [stateDirOption, jsonOption],
  async run(args, context) {
    const [id] = args.positionals;
    const details = await withStore(args, context, (store) => requireDetails(store, id));
    if (switchFlag(args, "json")) {
      writeJson(context, runDetailsJson(details));
    } else {
      context.stdout.write(renderRunDetails(details));
    }
    return ExitCode.ok;
  },
};

const cancelCommand: Command = {
  name: "cancel",
  summary: "cancel a pending or running run: it stops at its next check and cleans up",
  usage: "<run-id> [--state-dir DIR]",
  arguments: [runIdArgument],
  options: [stateDirOption],
  async run(args, context) {
    const [id] = args.positionals;
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
  arguments: [runIdArgument],
  options: [{ name: "config", value: "FILE", description: "job configuration whose nemo section locates NeMo (default: the NEMO_* environment variables)" }, stateDirOption],
  async run(args, context) {
    const [id] = args.positionals;
    const environment = loadEnvironment(context.env);
    const artifacts = openPublishedArtifacts(nemoSettings(args, context), environment, streamLog(context.stderr));
    return withStore(args, context, async (store) => {
      const details = await requireDetails(store, id);
      if (!isFinishedRun(details.run)) {
        throw new UsageError(`run ${id} is ${details.run.status} and has not finished; cancel it ("flywheel runs cancel ${id}") and wait until it has cleaned up`);
      }
      await deleteRunEverywhere(details, artifacts, store, new AbortController().signal, (artifact) => {
        context.stdout.write(`${artifact.kind} ${artifact.name}: ${artifact.deleted ? "deleted" : "already gone"}\n`);
      });
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
  const file = readConfigFile(resolve(context.cwd, path));
  const nemo = isRecord(file.value) ? file.value.nemo : undefined;
  const parsed = nemoSettingsSchema.safeParse(nemo ?? {}, { reportInput: true });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ ...issue, path: ["nemo", ...issue.path] }));
    throw new UsageError(`the config file ${path} is not a valid flywheel job configuration:`, describeIssues(issues, flywheelJobConfigSchema, { sourceText: file.sourceText }));
  }
  return parsed.data;
}

function recommendationOf(run: RunRecord): string {
  const recommendation = run.report?.recommendation;
  return recommendation ? `${recommendation.model} (${recommendation.eval_type})` : run.report ? "none" : "";
}
