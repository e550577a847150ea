import { Gauge, Pushgateway, Registry } from "prom-client";
import { type MetricFamily, pushJobName } from "./job-metrics";
import type { JobMetricsSink, MetricsGroup } from "./run-metrics";

/**
 * How long one push may take, connection included. A gateway that does not answer costs the run at
 * most this at each stage's end and at its exit, well inside the pod's termination grace period.
 */
export const pushTimeoutMs = 3_000;

/**
 * The Pushgateway at `url` (FLYWHEEL_PUSHGATEWAY_URL), through prom-client's `Pushgateway`: `push`
 * is an HTTP PUT, which replaces every metric of the group (`pushAdd`, a POST, would keep the metrics
 * this push does not name, such as a candidate of an earlier run). prom-client sends it with Node's
 * own `http`, so nothing heavy is loaded for it.
 */
export class PushgatewaySink implements JobMetricsSink {
  readonly description: string;

  constructor(
    private readonly url: string,
    private readonly timeoutMs = pushTimeoutMs,
  ) {
    // Credentials in the URL stay out of the log.
    const parsed = new URL(url);
    this.description = `the Pushgateway at ${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`;
  }

  async push(group: MetricsGroup, families: readonly MetricFamily[]): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const gateway = new Pushgateway(this.url, { signal }, registryOf(families));
    // The signal aborts the request; the race also ends a push whose answer stalls after its headers.
    const timedOut = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(new Error(`no answer within ${this.timeoutMs / 1000} s`)), { once: true }));
    await Promise.race([gateway.push({ jobName: pushJobName, groupings: groupingOf(group) }), timedOut]);
  }
}

/**
 * The group's labels as the Pushgateway's URL takes them: every value base64url-encoded
 * (`<label>@base64/<value>`), since a workload or client id may hold a `/`, which a plain path
 * segment cannot.
 */
export function groupingOf(group: MetricsGroup): Record<string, string> {
  const encoded = (value: string): string => Buffer.from(value, "utf8").toString("base64url");
  return { "workload@base64": encoded(group.workload), "client@base64": encoded(group.client) };
}

/** A registry of its own per push (never prom-client's global one, which the API's metrics would share) holding exactly `families`. */
function registryOf(families: readonly MetricFamily[]): Registry {
  const registry = new Registry();
  for (const family of families) {
    const gauge = new Gauge({ name: family.name, help: family.help, labelNames: [...family.labelNames], registers: [registry] });
    for (const sample of family.samples) {
      if (family.labelNames.length === 0) {
        gauge.set(sample.value);
      } else {
        gauge.set(sample.labels, sample.value);
      }
    }
  }
  return registry;
}
