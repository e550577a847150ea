import type { Client } from "@elastic/elasticsearch";
import { loadEnvironment } from "../config/environment";
import { ExitCode } from "../errors";
import type * as ElasticsearchClientModule from "../logs/elasticsearch-client";
import { stringFlag } from "../cli/args";
import type { CliContext, Command, ParsedArgs } from "../cli/command";
import { renderTable } from "../text/table";
import type * as RestoreCheckModule from "./restore-check";

/*
 * The Elasticsearch client and the check (which imports it) are required only when the command runs:
 * every command is registered in one CLI, and `flywheel serve` must not load clients it never uses
 * (serve-loaded-packages.test.ts).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- see the note above */
const loadElasticsearchClient = () => require("../logs/elasticsearch-client") as typeof ElasticsearchClientModule;
const loadRestoreCheck = () => require("./restore-check") as typeof RestoreCheckModule;
/* eslint-enable @typescript-eslint/no-require-imports */

/** The repository and data stream the log store's bootstrap Job sets up. */
const defaults = { repository: "s3-snapshots", dataStream: "flywheel" } as const;

/** `flywheel restore-check`, with the client `connect` makes (a test's talks to a stand-in). */
export function restoreCheckCommandWith(connect: (env: NodeJS.ProcessEnv) => Client): Command {
  return {
    name: "restore-check",
    summary: "restore the newest Elasticsearch snapshot into renamed indices, compare document counts with the live ones, delete them",
    usage: "[--repository NAME] [--data-stream NAME]",
    options: [
      { name: "repository", value: "NAME", description: `the snapshot repository (default ${defaults.repository}, the one the log store's bootstrap Job registers)` },
      { name: "data-stream", value: "NAME", description: `the data stream whose backing indices are restored (default ${defaults.dataStream})` },
    ],
    async run(args: ParsedArgs, context: CliContext): Promise<number> {
      const target = { repository: stringFlag(args, "repository") ?? defaults.repository, dataStream: stringFlag(args, "data-stream") ?? defaults.dataStream };
      const client = connect(context.env);
      const { restoreCheck, restoreCheckPrefix } = loadRestoreCheck();
      try {
        const result = await restoreCheck(client, target);
        context.stdout.write(`snapshot ${result.snapshot} (ended ${result.endTime}), restored as ${restoreCheckPrefix}<index> and deleted again:\n`);
        const rows = result.indices.map((entry) => [entry.index, String(entry.restored), entry.live === undefined ? "(deleted)" : String(entry.live), entry.problem ? "FAILED" : "ok"]);
        context.stdout.write(`${renderTable(["index", "restored", "live", "state"], rows, ["left", "right", "right", "left"])}\n`);
        if (result.failures.length > 0) {
          context.stderr.write(`flywheel: restore-check failed:\n${result.failures.map((failure) => `  - ${failure}\n`).join("")}`);
          return ExitCode.verificationFailed;
        }
        return ExitCode.ok;
      } finally {
        await client.close();
      }
    },
  };
}


export const restoreCheckCommand = restoreCheckCommandWith((env) => loadElasticsearchClient().createElasticsearchClient(loadEnvironment(env)));
