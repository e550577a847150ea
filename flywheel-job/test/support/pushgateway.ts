import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "./free-port";

/** A prometheus-pushgateway child process on a free loopback port, metrics in memory only. */
export interface PushgatewayServer {
  readonly url: string;
  /** Every group it holds, from its API (`GET /api/v1/metrics`). */
  groups(): Promise<readonly PushedGroup[]>;
  /** Stops it (again: nothing). */
  stop(): Promise<void>;
}

/** A series as the Pushgateway's API gives it: its labels, the group's included, and its value as text. */
export interface PushedSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: string;
}

/** One group of the Pushgateway's API: its grouping labels and each metric's series. */
export interface PushedGroup {
  readonly labels: Readonly<Record<string, string>>;
  readonly metrics: ReadonlyMap<string, readonly PushedSeries[]>;
}

/** What `GET /api/v1/metrics` answers: per group its labels, and per metric name a family. */
interface ApiAnswer {
  readonly data: readonly ({ readonly labels: Record<string, string> } & Record<string, unknown>)[];
}

/**
 * Starts `prometheus-pushgateway` from PATH, listening on loopback only, with no persistence file
 * (Debian's default is a file under /var/lib), and waits until it is ready. Suites call it inside
 * `describeWithProgram(prometheusPushgateway, …)`, which skips or fails them without it.
 */
export async function startPushgateway(): Promise<PushgatewayServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn("prometheus-pushgateway", [`--web.listen-address=127.0.0.1:${port}`, "--persistence.file=", "--log.level=warn"], { stdio: "ignore" });
  for (let attempt = 0; !(await ready(url)); attempt++) {
    if (attempt > 250 || child.exitCode !== null) {
      child.kill();
      throw new Error(`prometheus-pushgateway did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url,
    async groups() {
      const answer = (await (await fetch(`${url}/api/v1/metrics`)).json()) as ApiAnswer;
      return answer.data.map((group) => ({
        labels: group.labels,
        metrics: new Map(
          Object.entries(group).flatMap(([name, family]) => {
            const series = (family as { readonly metrics?: readonly PushedSeries[] }).metrics;
            return name === "labels" || series === undefined ? [] : [[name, series] as const];
          }),
        ),
      }));
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        return;
      }
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill();
      await exited;
    },
  };
}

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/-/ready`)).ok;
  } catch {
    return false;
  }
}

