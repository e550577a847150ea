import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { RequiredProgram } from "./needs-program";

/*
 * What the suites that start a real PostgreSQL share. Debian's `postgresql` keeps pg_ctl and initdb
 * under /usr/lib/postgresql/<major>/bin, off PATH: importing this module appends that directory, so
 * `describeWithProgram(postgresServer, …)` finds them.
 */
const debianBin = existsSync("/usr/lib/postgresql")
  ? readdirSync("/usr/lib/postgresql").map((major) => `/usr/lib/postgresql/${major}/bin`).find((dir) => existsSync(join(dir, "pg_ctl")))
  : undefined;
if (debianBin !== undefined) process.env.PATH = `${process.env.PATH ?? ""}${delimiter}${debianBin}`;

export const postgresServer: RequiredProgram = { command: "pg_ctl", install: "apt-get install -y postgresql" };

/** initdb refuses to run as root: as root (a container), the servers run as Debian's `postgres` user. */
export function postgresServerUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}
