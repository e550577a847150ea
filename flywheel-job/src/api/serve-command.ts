import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { integerFlag, stringFlag } from "../cli/args";
import type { CliContext, Command, ParsedArgs } from "../cli/command";
import { serveUntilStopped } from "../cli/serve-until-stopped";
import { loadEnvironment } from "../config/environment";
import { ExitCode, UsageError } from "../errors";
import { describeFileError } from "../file-errors";
import { streamLog } from "../log";
import { openRunStore } from "../store/open-run-store";
import { ApiServer } from "./api-server";
import type { ApiTokens } from "./bearer-auth";

/** The blueprint's API listens on 8000; its clients' URLs keep working. */
export const defaultApiPort = 8000;

/** What an HTTP header can carry as a token: visible ASCII, no spaces. */
const tokenPattern = /^[\x21-\x7e]+$/;

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
  if (!tokenPattern.test(token)) {
    throw new UsageError(`--${flag} ${path}: the token holds characters an HTTP header cannot carry (spaces, line breaks or non-ASCII)`);
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

export const serveCommand: Command = {
  name: "serve",
  summary: "serve the run records over the blueprint's REST API (GET /api/jobs, /api/jobs/{id}), with bearer tokens",
  usage: "[--state-dir DIR] [--port N] [--read-token-file FILE] [--operator-token-file FILE]",
  options: [
    { name: "state-dir", value: "DIR", description: "the run records of offline runs (default: MongoDB at MONGODB_URL)" },
    { name: "port", value: "N", description: `port to listen on (default: ${defaultApiPort})` },
    { name: "read-token-file", value: "FILE", description: "file with the read-only token" },
    { name: "operator-token-file", value: "FILE", description: "file with the operator token (also reads)" },
  ],
  async run(args, context) {
    const tokens = await readTokens(args, context);
    const port = integerFlag(args, "port", 0, 65535) ?? defaultApiPort;
    const stateDirectory = stringFlag(args, "state-dir");
    const log = streamLog(context.stderr);
    const store = await openRunStore(stateDirectory && resolve(context.cwd, stateDirectory), loadEnvironment(context.env), (message) => log.warn(message));
    try {
      // From here on SIGTERM lets the requests in flight finish before the service exits.
      await serveUntilStopped(context, log, port, () => ApiServer.start({ store, tokens, port, log }), (server) => `flywheel API listening on ${server.url} over ${store.description}`);
      log.info("flywheel API stopped");
      return ExitCode.ok;
    } finally {
      await store.close();
    }
  },
};
