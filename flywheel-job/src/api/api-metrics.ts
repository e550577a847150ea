import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

/** Methods counted by name; any other is `other`, so a client cannot add label values at will. */
const countedMethods = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one, which a
 * test process shares between servers): requests by route template, method and status, their
 * latency, and the process's default metrics. Routes are templates (`/api/jobs/{job_id}`), never
 * paths, so ids do not become label values; a path the service does not serve is `unmatched`.
 */
export class ApiMetrics {
  private readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "flywheel_api_requests_total",
    help: "HTTP requests answered, by route template, method and status code",
    labelNames: ["route", "method", "status"] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: "flywheel_api_request_duration_seconds",
    help: "Time from a request's arrival to its answer, by route template and method",
    labelNames: ["route", "method"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The content type of `text()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  observe(route: string, method: string | undefined, status: number, seconds: number): void {
    const counted = method !== undefined && countedMethods.has(method) ? method : "other";
    this.requests.inc({ route, method: counted, status: String(status) });
    this.duration.observe({ route, method: counted }, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
