import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { integerFlag, stringFlag } from "../cli/args";
import type { CliContext, Command, ParsedArgs } from "../cli/command";
import { serveUntilStopped } from "../cli/serve-until-stopped";
import { loadEnvironment } from "../config/environment";
import { ExitCode, messageOf, UsageError } from "../errors";
import { connectWorkloadSchedules } from "../kubernetes/client-node-schedules";
import { nemoSettingsSchema } from "../config/job-config";
import { openPublishedArtifacts } from "../cli/run-services";
import type { RunLog } from "../log";
import type { PublishedArtifacts } from "../platform/model-platform";
import { describeFileError } from "../file-errors";
import { streamLog } from "../log";
import { openRunStore } from "../store/open-run-store";
import { ApiServer } from "./api-server";
import { flywheelApiService } from "./flywheel-api-service";
import type { ApiTokens } from "./bearer-auth";
import { headerTokenPattern, headerTokenProblem } from "../http/header-token";

/** The token a file holds (a mounted Secret may end in a newline). Never says the token. */
async function readToken(args: ParsedArgs, flag: string, context: CliContext): Promise<string | undefined> {
  const file = stringFlag(args, flag);
  if (file === undefined) {
    return undefined;
  }
  const path = resolve(context.cwd, file);
  let raw: string;
  try {
    raw = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`--${flag} ${path}: ${describeFileError(error)}`);
  }
  const token = raw.trim();
  if (token === "") {
    throw new UsageError(`--${flag} ${path}: the file is empty`);
  }
  if (!headerTokenPattern.test(token)) {
    throw new UsageError(`--${flag} ${path}: the token ${headerTokenProblem}`);
  }
  return token;
}

/** Both tokens, checked before anything starts: a service without one would refuse every client. */
async function readTokens(args: ParsedArgs, context: CliContext): Promise<ApiTokens> {
  const read = await readToken(args, "read-token-file", context);
  const operator = await readToken(args, "operator-token-file", context);
  if (read === undefined && operator === undefined) {
    throw new UsageError("no API token: pass --read-token-file FILE or --operator-token-file FILE (every /api request needs a bearer token)");
  }
  return { read, operator };
}

/** NeMo's Data Store and Entity Store for DELETE, from the NEMO_* variables as `runs delete` finds them; without them deleting a run that published anything answers 503. */
function publishedArtifacts(environment: ReturnType<typeof loadEnvironment>, log: RunLog): PublishedArtifacts | undefined {
  try {
    return openPublishedArtifacts(nemoSettingsSchema.parse({}), environment, log);
  } catch (error) {
    if (error instanceof UsageError) {
      log.info(`${messageOf(error)}: DELETE /api/jobs/{id} of a run with datasets or models answers 503`);
      return undefined;
    }
    throw error;
  }
}

export const serveCommand: Command = {
  name: "serve",
  summary: "serve the blueprint's REST API (/api/jobs, on-demand runs, /api/workloads) over the run records, with bearer tokens",
  usage: "[--state-dir DIR] [--port N] [--read-token-file FILE] [--operator-token-file FILE] [--start-timeout-minutes N]",
  options: [
    { name: "state-dir", value: "DIR", description: "the run records of offline runs (default: MongoDB at MONGODB_URL)" },
    { name: "port", value: "N", description: `port to listen on (default: ${flywheelApiService.port})` },
    { name: "read-token-file", value: "FILE", description: "file with the read-only token" },
    { name: "operator-token-file", value: "FILE", description: "file with the operator token (also starts, cancels and deletes runs)" },
    {
      name: "start-timeout-minutes",
      value: "N",
      description: `close a run POST /api/jobs recorded as failed when its Job has not adopted it after N minutes (default: ${flywheelApiService.defaultStartTimeoutMinutes})`,
    },
  ],
  async run(args, context) {
    const tokens = await readTokens(args, context);
    const port = integerFlag(args, "port", 0, 65535) ?? flywheelApiService.port;
    const startTimeoutMinutes = integerFlag(args, "start-timeout-minutes", flywheelApiService.startTimeoutMinutesRange.min, flywheelApiService.startTimeoutMinutesRange.max) ?? flywheelApiService.defaultStartTimeoutMinutes;
    const stateDirectory = stringFlag(args, "state-dir");
    const log = streamLog(context.stderr);
    const environment = loadEnvironment(context.env);
    const schedules = await connectWorkloadSchedules(environment);
    if (schedules === undefined) {
      log.info("no Kubernetes configuration: the run records are served; POST /api/jobs and GET /api/workloads answer 503");
    }
    const artifacts = publishedArtifacts(environment, log);
    const store = await openRunStore(stateDirectory && resolve(context.cwd, stateDirectory), environment, (message) => log.warn(message));
    try {
      // From here on SIGTERM lets the requests in flight finish before the service exits.
      await serveUntilStopped(
        context,
        log,
        port,
        () => ApiServer.start({ store, tokens, port, log, schedules, artifacts, startTimeoutMinutes }),
        (server) => `flywheel API listening on ${server.url} over ${store.description}${schedules ? `, starting runs in namespace ${schedules.namespace}` : ""}`,
      );
      log.info("flywheel API stopped");
      return ExitCode.ok;
    } finally {
      await store.close();
    }
  },
};
