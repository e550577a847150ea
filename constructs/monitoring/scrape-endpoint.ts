import { fail } from "../common/errors";
import { validateDataKey, validateObjectName } from "../common/names";
import { durationMilliseconds } from "./prometheus-duration";

/** One port a monitor scrapes, and how. */
export interface ScrapeEndpoint {
  /** Name of the port (the Service's for a ServiceMonitor, the container's for a PodMonitor). */
  readonly port: string;
  /**
   * HTTP path of the metrics.
   * @default "/metrics"
   */
  readonly path?: string;
  /**
   * @default "http"
   */
  readonly scheme?: "http" | "https";
  /**
   * How often to scrape, a Prometheus duration.
   * @default Prometheus's global scrape interval
   */
  readonly interval?: string;
  /**
   * How long a scrape may take, no longer than `interval`.
   * @default Prometheus's global scrape timeout
   */
  readonly scrapeTimeout?: string;
  /**
   * Keep the target's own `job` and `instance` labels (a Pushgateway's pushed series carry theirs).
   * @default false
   */
  readonly honorLabels?: boolean;
  /**
   * HTTP basic auth, from a Secret in the monitor's namespace (Prometheus reads it there): for targets
   * that want a user (MongoDB's `spec.prometheus`).
   * @default none
   */
  readonly basicAuth?: ScrapeBasicAuth;
}

/** A Secret of the monitor's namespace holding the user and password Prometheus scrapes with. */
export interface ScrapeBasicAuth {
  readonly secretName: string;
  /** @default "username" */
  readonly usernameKey?: string;
  /** @default "password" */
  readonly passwordKey?: string;
}

/** Where Prometheus looks for metrics unless an endpoint says otherwise. */
export const defaultMetricsPath = "/metrics";

/** An endpoint's fields as both monitor kinds spell them, but the scheme (each kind has its own enum). */
export function endpointFields(endpoint: ScrapeEndpoint): {
  port: string;
  path: string;
  interval?: string;
  scrapeTimeout?: string;
  honorLabels?: boolean;
  basicAuth?: { username: { name: string; key: string }; password: { name: string; key: string } };
} {
  const auth = endpoint.basicAuth;
  return {
    port: endpoint.port,
    path: endpoint.path ?? defaultMetricsPath,
    ...(endpoint.interval !== undefined ? { interval: endpoint.interval } : {}),
    ...(endpoint.scrapeTimeout !== undefined ? { scrapeTimeout: endpoint.scrapeTimeout } : {}),
    ...(endpoint.honorLabels ? { honorLabels: true } : {}),
    ...(auth
      ? {
          basicAuth: {
            username: { name: auth.secretName, key: auth.usernameKey ?? "username" },
            password: { name: auth.secretName, key: auth.passwordKey ?? "password" },
          },
        }
      : {}),
  };
}

// A port name (IANA_SVC_NAME): at most 15 lower-case letters, digits and '-', with a letter.
const portName = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;

/** Checks a monitor's endpoints: at least one, each with a port name, an absolute path and sane durations. */
export function validateScrapeEndpoints(owner: string, prop: string, endpoints: readonly ScrapeEndpoint[]): void {
  if (endpoints.length === 0) {
    fail(owner, `${prop} must list at least one endpoint to scrape`);
  }
  endpoints.forEach((endpoint, i) => {
    const at = `${prop}[${i}]`;
    if (!portName.test(endpoint.port) || endpoint.port.includes("--")) {
      fail(owner, `${at}.port "${endpoint.port}" is not a port name (1-15 lower-case letters, digits and '-', with a letter)`);
    }
    if (endpoint.path !== undefined && !/^\/[\x21-\x7e]*$/.test(endpoint.path)) {
      fail(owner, `${at}.path "${endpoint.path}" must be an absolute URL path`);
    }
    const interval = endpoint.interval === undefined ? undefined : durationMilliseconds(endpoint.interval);
    if (endpoint.interval !== undefined && interval === undefined) {
      fail(owner, `${at}.interval "${endpoint.interval}" is not a Prometheus duration longer than zero (such as 30s or 1m)`);
    }
    const timeout = endpoint.scrapeTimeout === undefined ? undefined : durationMilliseconds(endpoint.scrapeTimeout);
    if (endpoint.scrapeTimeout !== undefined && timeout === undefined) {
      fail(owner, `${at}.scrapeTimeout "${endpoint.scrapeTimeout}" is not a Prometheus duration longer than zero (such as 10s)`);
    }
    if (endpoint.basicAuth) {
      validateObjectName(owner, `${at}.basicAuth.secretName`, endpoint.basicAuth.secretName);
      validateDataKey(owner, `${at}.basicAuth.usernameKey`, endpoint.basicAuth.usernameKey ?? "username");
      validateDataKey(owner, `${at}.basicAuth.passwordKey`, endpoint.basicAuth.passwordKey ?? "password");
    }
    if (interval !== undefined && timeout !== undefined && timeout > interval) {
      fail(owner, `${at}.scrapeTimeout "${endpoint.scrapeTimeout}" is longer than its interval "${endpoint.interval}"; Prometheus refuses that`);
    }
  });
}
