import { buildDashboard, labelValuesVariable, type PanelSpec, type QuerySpec } from "./dashboard-builder";
import type { Dashboard } from "./dashboard-model";

/** The NIM serving dashboard's uid, and its ConfigMap key `nim-serving.json`. */
export const nimServingDashboardUid = "nim-serving";

/**
 * The NIM operator's ServiceMonitor of a NIMService scrapes its Service with no relabelling, so each
 * series carries prometheus-operator's target labels: `namespace`, and `service`, the Service's name,
 * which is the NIMService's. Every panel shows one line per NIMService of the chosen namespace.
 */
const nims = 'namespace="$namespace"';
const perService = "namespace, service";
/** The window of every rate: explicit, so it means the same to Prometheus 2 and 3 and to the query test. */
const window = "5m";

function quantiles(histogram: string): QuerySpec[] {
  return [0.5, 0.95].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${perService}, le) (rate(${histogram}_bucket{${nims}}[${window}])))`,
    legend: `{{service}} p${q * 100}`,
  }));
}

/**
 * How each NIMService serves (NIM for LLMs 1.x metrics on `/v1/metrics`, docs.nvidia.com/nim
 * "Observability"): latency to the first token and between tokens, throughput, queueing, KV cache
 * and failures.
 */
export function nimServingDashboard(): Dashboard {
  const panel = (spec: Omit<PanelSpec, "kind">): PanelSpec => ({ kind: "timeseries", ...spec });
  return buildDashboard({
    uid: nimServingDashboardUid,
    title: "NIM serving",
    description: "Latency, throughput, queueing, KV-cache usage and errors of each NIMService, from the metrics NIM serves on /v1/metrics.",
    tags: ["data-flywheel", "nim"],
    variables: [labelValuesVariable("namespace", "Namespace", "num_requests_running", "namespace")],
    panels: [
      { row: "Latency" },
      panel({
        title: "Time to first token",
        description: `p50 and p95 seconds from a request's arrival to its first token, over ${window} (time_to_first_token_seconds histogram).`,
        unit: "s",
        queries: quantiles("time_to_first_token_seconds"),
      }),
      panel({
        title: "Inter-token latency",
        description: `p50 and p95 seconds between output tokens, over ${window} (time_per_output_token_seconds histogram).`,
        unit: "s",
        queries: quantiles("time_per_output_token_seconds"),
      }),
      { row: "Load" },
      panel({
        title: "Throughput",
        description: `Tokens generated and prompt tokens prefilled per second, over ${window} (generation_tokens_total, prompt_tokens_total).`,
        unit: "short",
        width: 8,
        queries: [
          { expr: `sum by (${perService}) (rate(generation_tokens_total{${nims}}[${window}]))`, legend: "{{service}} generated" },
          { expr: `sum by (${perService}) (rate(prompt_tokens_total{${nims}}[${window}]))`, legend: "{{service}} prompt" },
        ],
      }),
      panel({
        title: "Requests running and waiting",
        description: "Requests running on the GPU and waiting to be scheduled (num_requests_running, num_requests_waiting).",
        unit: "short",
        width: 8,
        queries: [
          { expr: `sum by (${perService}) (num_requests_running{${nims}})`, legend: "{{service}} running" },
          { expr: `sum by (${perService}) (num_requests_waiting{${nims}})`, legend: "{{service}} waiting" },
        ],
      }),
      panel({
        title: "KV-cache usage",
        description: "Share of the GPU KV cache in use, the fullest pod of each NIMService (gpu_cache_usage_perc, 1 is full).",
        unit: "percentunit",
        min: 0,
        max: 1,
        width: 8,
        queries: [{ expr: `max by (${perService}) (gpu_cache_usage_perc{${nims}})`, legend: "{{service}}" }],
      }),
      { row: "Errors" },
      panel({
        title: "Failed requests",
        description: `Requests that failed per second, over ${window} (request_failure_total).`,
        unit: "reqps",
        queries: [{ expr: `sum by (${perService}) (rate(request_failure_total{${nims}}[${window}]))`, legend: "{{service}}" }],
      }),
      panel({
        title: "Failed share of finished requests",
        description: `Failed requests over finished ones, over ${window} (request_failure_total / request_finish_total).`,
        unit: "percentunit",
        min: 0,
        queries: [
          {
            expr: `sum by (${perService}) (rate(request_failure_total{${nims}}[${window}])) / sum by (${perService}) (rate(request_finish_total{${nims}}[${window}]))`,
            legend: "{{service}}",
          },
        ],
      }),
    ],
  });
}
