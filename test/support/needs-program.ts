import * as fs from "node:fs";
import * as path from "node:path";
import { skippedTitle } from "./skipped-suites-reporter";

/** A program from the operating system that some suites run for real. */
export interface RequiredProgram {
  /** The executable looked up on PATH. */
  readonly command: string;
  /** How to install it on Debian, which `.ci/run` does. */
  readonly install: string;
}

export const redisServer: RequiredProgram = { command: "redis-server", install: "apt-get install -y redis-server" };
/** Debian's Chromium, which the review UI's browser suite drives with playwright-core. */
export const chromium: RequiredProgram = { command: "chromium", install: "apt-get install -y chromium" };
/** Debian's Prometheus Pushgateway, which the job's metrics are pushed to and read back from. */
export const prometheusPushgateway: RequiredProgram = { command: "prometheus-pushgateway", install: "apt-get install -y prometheus-pushgateway" };
/** Debian's promtool (package `prometheus`), which checks the alert rules and runs their unit tests. */
export const promtool: RequiredProgram = { command: "promtool", install: "apt-get install -y prometheus" };
/** Debian's Prometheus server (the same package), which the dashboards' queries run against over fixture series. */
export const prometheusServer: RequiredProgram = { command: "prometheus", install: "apt-get install -y prometheus" };

/** Whether `command` is an executable file in one of PATH's directories. */
export function onPath(command: string, searchPath = process.env.PATH ?? ""): boolean {
  return searchPath
    .split(path.delimiter)
    .filter((dir) => dir !== "")
    .some((dir) => {
      try {
        fs.accessSync(path.join(dir, command), fs.constants.X_OK);
        return fs.statSync(path.join(dir, command)).isFile();
      } catch {
        return false;
      }
    });
}

/**
 * `describe` for a suite that needs `program`. With the program on PATH the suite runs. Without it,
 * the suite is skipped and the run ends with one line naming it and what to install
 * (`skipped-suites-reporter.js`) — unless `CI` is set: CI installs every such program, so there a
 * missing one fails the run. Put every hook of the suite inside `suite`, so nothing starts or stops
 * a server that is not there.
 */
export function describeWithProgram(program: RequiredProgram, title: string, suite: () => void): void {
  if (onPath(program.command)) {
    describe(title, suite);
  } else if (ciIsSet()) {
    describe(title, () => {
      it(`needs ${program.command}`, () => {
        throw new Error(`${program.command} is not on PATH and CI is set: CI must install it (${program.install}; .ci/run does)`);
      });
    });
  } else {
    describe.skip(skippedTitle(title, `${program.command} is not on PATH; install: ${program.install} (with CI set they fail instead)`), suite);
  }
}

/** `CI` as CI services set it (`true`); empty, `0` and `false` mean it is not set. */
function ciIsSet(): boolean {
  const ci = (process.env.CI ?? "").trim().toLowerCase();
  return ci !== "" && ci !== "0" && ci !== "false";
}
